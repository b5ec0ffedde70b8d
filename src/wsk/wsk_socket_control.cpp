// wskemu: WskControlSocket on connection sockets: SO_WSK_EVENT_CALLBACK, the
// socket, TCP and IP options, and the backlog ioctls (docs/semantics.md,
// "WskControlSocket (connection sockets)").
#include "wsk/wsk_socket.hpp"

#include "kernel/log.hpp"
#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_status.hpp"

#include <cstring>

namespace wskemu::wsk {

namespace {

// How an option's value is carried.
enum class option_kind {
    boolean,  // a ULONG, 0 or not
    integer,  // a ULONG up to 0x7FFFFFFF
    linger,   // a LINGER
};

// Which sockets an option applies to.
enum class applies_to { any, ipv4, ipv6 };

// Windows (level, option) to net::socket_option.
struct option_entry {
    ULONG level;
    ULONG code;
    option_kind kind;
    net::socket_option option;
    applies_to family;
    bool before_bind;  // only settable before WskBind
};

constexpr option_entry options[] = {
    {SOL_SOCKET, SO_KEEPALIVE, option_kind::boolean, net::socket_option::keep_alive, applies_to::any, false},
    {SOL_SOCKET, SO_REUSEADDR, option_kind::boolean, net::socket_option::reuse_address, applies_to::any, true},
    {SOL_SOCKET, static_cast<ULONG>(SO_EXCLUSIVEADDRUSE), option_kind::boolean,
     net::socket_option::exclusive_address_use, applies_to::any, true},
    {SOL_SOCKET, SO_RCVBUF, option_kind::integer, net::socket_option::receive_buffer_size, applies_to::any, false},
    {SOL_SOCKET, SO_SNDBUF, option_kind::integer, net::socket_option::send_buffer_size, applies_to::any, false},
    {SOL_SOCKET, SO_LINGER, option_kind::linger, net::socket_option::linger, applies_to::any, false},
    {IPPROTO_TCP, TCP_NODELAY, option_kind::boolean, net::socket_option::no_delay, applies_to::any, false},
    {IPPROTO_TCP, TCP_KEEPALIVE, option_kind::integer, net::socket_option::keepalive_idle_seconds, applies_to::any,
     false},
    {IPPROTO_TCP, TCP_KEEPINTVL, option_kind::integer, net::socket_option::keepalive_interval_seconds,
     applies_to::any, false},
    {IPPROTO_TCP, TCP_KEEPCNT, option_kind::integer, net::socket_option::keepalive_count, applies_to::any, false},
    {IPPROTO_IP, IP_TTL, option_kind::integer, net::socket_option::ttl, applies_to::ipv4, false},
    {IPPROTO_IPV6, IPV6_UNICAST_HOPS, option_kind::integer, net::socket_option::ttl, applies_to::ipv6, false},
    {IPPROTO_IPV6, IPV6_V6ONLY, option_kind::boolean, net::socket_option::v6_only, applies_to::ipv6, true},
};

const option_entry* find_option(ULONG level, ULONG code) {
    for (const option_entry& entry : options) {
        if (entry.level == level && entry.code == code) {
            return &entry;
        }
    }
    return nullptr;
}

bool is_backlog_ioctl(WSK_CONTROL_SOCKET_TYPE type, ULONG code) {
    return type == WskIoctl && (code == SIO_WSK_QUERY_IDEAL_SEND_BACKLOG || code == SIO_WSK_QUERY_RECEIVE_BACKLOG);
}

// Sets one option on the host socket.
NTSTATUS set_host_option(net::tcp_socket& host, const option_entry& entry, SIZE_T input_size, const void* input) {
    if (entry.kind == option_kind::linger) {
        if (input == nullptr || input_size < sizeof(LINGER)) {
            return STATUS_INVALID_PARAMETER;
        }
        LINGER value;
        std::memcpy(&value, input, sizeof(value));
        return to_ntstatus(host.set_option(entry.option, value.l_onoff != 0 ? static_cast<int>(value.l_linger) : -1));
    }
    if (input == nullptr || input_size < sizeof(ULONG)) {
        return STATUS_INVALID_PARAMETER;
    }
    ULONG value;
    std::memcpy(&value, input, sizeof(value));
    if (entry.kind == option_kind::boolean) {
        return to_ntstatus(host.set_option(entry.option, value != 0 ? 1 : 0));
    }
    if (value > 0x7FFFFFFFu) {
        return STATUS_INVALID_PARAMETER;
    }
    return to_ntstatus(host.set_option(entry.option, static_cast<int>(value)));
}

// Reads one option from the host socket into `output`; the bytes written.
NTSTATUS get_host_option(const net::tcp_socket& host, const option_entry& entry, SIZE_T output_size, void* output,
                         ULONG_PTR& written) {
    const std::size_t size = entry.kind == option_kind::linger ? sizeof(LINGER) : sizeof(ULONG);
    if (output == nullptr || output_size < size) {
        return STATUS_INVALID_PARAMETER;
    }
    int value = 0;
    if (NTSTATUS status = to_ntstatus(host.get_option(entry.option, value)); !NT_SUCCESS(status)) {
        return status;
    }
    if (entry.kind == option_kind::linger) {
        LINGER out{static_cast<u_short>(value >= 0 ? 1 : 0), static_cast<u_short>(value >= 0 ? value : 0)};
        std::memcpy(output, &out, sizeof(out));
    } else {
        const ULONG out = static_cast<ULONG>(value);
        std::memcpy(output, &out, sizeof(out));
    }
    written = size;
    return STATUS_SUCCESS;
}

}  // namespace

NTSTATUS connection_socket::control(WSK_CONTROL_SOCKET_TYPE type, ULONG code, ULONG level, SIZE_T input_size,
                                    PVOID input, SIZE_T output_size, PVOID output, SIZE_T* output_size_returned,
                                    PIRP irp) {
    // Every supported request has an output of a known size (or none), so
    // *OutputSizeReturned is never written; sizes go to Information.
    (void)output_size_returned;
    if (type == WskSetOption && level == SOL_SOCKET && code == SO_WSK_EVENT_CALLBACK) {
        return control_events(input_size, input, irp);
    }
    const option_entry* entry = (type == WskSetOption || type == WskGetOption) ? find_option(level, code) : nullptr;
    const bool backlog_ioctl = is_backlog_ioctl(type, code);
    if (entry == nullptr && !backlog_ioctl) {
        log_unsupported_control(category_of, type, level, code);
        if (irp == nullptr) {
            return STATUS_NOT_SUPPORTED;
        }
        if (NTSTATUS taken = take_irp(irp, "WskControlSocket"); !NT_SUCCESS(taken)) {
            return taken;
        }
        return complete_irp(irp, STATUS_NOT_SUPPORTED, 0);
    }
    // The standard options and the WSK ioctls require an IRP (reference §5,
    // §8); so do the TCP and IP options (decision).
    if (NTSTATUS taken = take_irp(irp, "WskControlSocket"); !NT_SUCCESS(taken)) {
        return taken;
    }
    std::unique_lock lock(mutex_);
    NTSTATUS status = usable_locked();
    ULONG_PTR information = 0;
    bool backlog_changed = false;
    if (!NT_SUCCESS(status)) {
        // closing or broken
    } else if (backlog_ioctl) {
        if (phase_ != socket_phase::connected) {
            status = STATUS_INVALID_DEVICE_STATE;  // documented for connected sockets only
        } else if (output == nullptr || output_size < sizeof(SIZE_T)) {
            status = STATUS_INVALID_PARAMETER;
        } else {
            SIZE_T value = 0;
            if (code == SIO_WSK_QUERY_IDEAL_SEND_BACKLOG) {
                // The ideal backlog is what the host's send buffer holds
                // (decision), as WskSendBacklogEvent reports it.
                int size = 0;
                status = to_ntstatus(host_.get_option(net::socket_option::send_buffer_size, size));
                value = static_cast<SIZE_T>(size > 0 ? size : 0);
            } else {
                // Bytes received and not yet taken by the driver: what the
                // provider keeps plus what the host holds.
                std::size_t available = 0;
                status = to_ntstatus(host_.bytes_available(available));
                value = kept_bytes_ + available;
            }
            if (NT_SUCCESS(status)) {
                std::memcpy(output, &value, sizeof(value));
                information = sizeof(SIZE_T);
            }
        }
    } else if (entry->family != applies_to::any &&
               (entry->family == applies_to::ipv4) != (family_ == net::address_family::ipv4)) {
        status = STATUS_INVALID_PARAMETER;  // the option's level does not fit the socket's family (decision)
    } else if (type == WskSetOption) {
        if (entry->before_bind && phase_ != socket_phase::open) {
            status = STATUS_INVALID_DEVICE_STATE;
        } else {
            status = set_host_option(host_, *entry, input_size, input);
            backlog_changed = NT_SUCCESS(status) && entry->option == net::socket_option::send_buffer_size;
        }
    } else {
        status = get_host_option(host_, *entry, output_size, output, information);
    }
    if (backlog_changed && events_.enabled(WSK_EVENT_SEND_BACKLOG)) {
        send_backlog_changed_locked();
    }
    lock.unlock();
    return complete_irp(irp, status, information);
}

}  // namespace wskemu::wsk
