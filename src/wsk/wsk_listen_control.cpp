// wskemu: WskControlSocket on listening sockets: SO_WSK_EVENT_CALLBACK
// (WSK_EVENT_ACCEPT, and the connection events accepted sockets inherit),
// SO_CONDITIONAL_ACCEPT, IPV6_V6ONLY and the socket options
// (docs/semantics.md, "WskControlSocket (listening sockets)").
#include "wsk/wsk_listen_ops.hpp"

#include "kernel/log.hpp"
#include "wsk/wsk_status.hpp"

#include <cstring>

namespace wskemu::wsk {

namespace {

constexpr ULONG connection_events = WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT | WSK_EVENT_SEND_BACKLOG;

// Where an option's value goes.
enum class option_target { host, conditional_accept };

struct option_entry {
    ULONG level;
    ULONG code;
    option_target target;
    net::socket_option option;  // for the host
    bool boolean;
    bool before_bind;
    bool ipv6_only;  // only on IPv6 listeners
};

constexpr option_entry options[] = {
    {SOL_SOCKET, SO_REUSEADDR, option_target::host, net::socket_option::reuse_address, true, true, false},
    {SOL_SOCKET, static_cast<ULONG>(SO_EXCLUSIVEADDRUSE), option_target::host,
     net::socket_option::exclusive_address_use, true, true, false},
    // Accepted sockets inherit it (the host copies it at accept).
    {SOL_SOCKET, SO_KEEPALIVE, option_target::host, net::socket_option::keep_alive, true, false, false},
    {SOL_SOCKET, SO_RCVBUF, option_target::host, net::socket_option::receive_buffer_size, false, false, false},
    {SOL_SOCKET, SO_SNDBUF, option_target::host, net::socket_option::send_buffer_size, false, false, false},
    {SOL_SOCKET, SO_CONDITIONAL_ACCEPT, option_target::conditional_accept, {}, true, true, false},
    {IPPROTO_IPV6, IPV6_V6ONLY, option_target::host, net::socket_option::v6_only, true, true, true},
};

const option_entry* find_option(ULONG level, ULONG code) {
    for (const option_entry& entry : options) {
        if (entry.level == level && entry.code == code) {
            return &entry;
        }
    }
    return nullptr;
}

// Completes a request with or without an IRP; an IRP that cannot be taken is refused.
NTSTATUS answer(PIRP irp, NTSTATUS status, ULONG_PTR information = 0) {
    if (irp == nullptr) {
        return status;
    }
    if (NTSTATUS taken = take_irp(irp, "WskControlSocket"); !NT_SUCCESS(taken)) {
        return taken;
    }
    return complete_irp(irp, status, information);
}

}  // namespace

NTSTATUS listen_socket::control(WSK_CONTROL_SOCKET_TYPE type, ULONG code, ULONG level, SIZE_T input_size,
                                PVOID input, SIZE_T output_size, PVOID output, SIZE_T* output_size_returned,
                                PIRP irp) {
    (void)output_size_returned;  // every supported request needs an IRP; sizes go to Information
    if (type == WskSetOption && level == SOL_SOCKET && code == SO_WSK_EVENT_CALLBACK) {
        bool ready;
        NTSTATUS usable;
        {
            std::lock_guard lock(mutex_);
            usable = usable_locked();
            ready = bound_;
        }
        if (!NT_SUCCESS(usable)) {
            return answer(irp, usable);
        }
        event_request request;
        if (NT_SUCCESS(read_event_request(category(), input_size, input, request)) && request.disable &&
            (request.events & connection_events) != 0) {
            // Connection events enabled on a listener (for inheritance) cannot
            // be disabled there (reference §4, "Inheritance").
            kernel::log().warn("WskControlSocket(SO_WSK_EVENT_CALLBACK): connection event {:#x} cannot be disabled on "
                               "a listening socket; STATUS_INVALID_PARAMETER",
                               request.events);
            return answer(irp, STATUS_INVALID_PARAMETER);
        }
        const ULONG deliverable =
            connection_events |
            (client_dispatch_ != nullptr && client_dispatch_->WskAcceptEvent != nullptr ? WSK_EVENT_ACCEPT : 0);
        ULONG enabled_now = 0;
        const NTSTATUS status = events_.control(category(), input_size, input, irp, ready, deliverable, enabled_now);
        if (enabled_now != 0) {
            events_enabled(enabled_now);
        }
        return status;
    }
    const option_entry* entry = (type == WskSetOption || type == WskGetOption) ? find_option(level, code) : nullptr;
    if (entry != nullptr && entry->ipv6_only && family_ != net::address_family::ipv6) {
        entry = nullptr;
    }
    if (entry == nullptr) {
        log_unsupported_control(category(), type, level, code);
        return answer(irp, STATUS_NOT_SUPPORTED);
    }
    // The standard options require an IRP for set and get (reference §5).
    if (NTSTATUS taken = take_irp(irp, "WskControlSocket"); !NT_SUCCESS(taken)) {
        return taken;
    }
    std::unique_lock lock(mutex_);
    NTSTATUS status = usable_locked();
    ULONG_PTR information = 0;
    if (NT_SUCCESS(status) && type == WskSetOption) {
        ULONG value = 0;
        if (input == nullptr || input_size < sizeof(ULONG) || input_size > 0x7FFFFFFF) {
            status = STATUS_INVALID_PARAMETER;
        } else {
            std::memcpy(&value, input, sizeof(value));
            if (entry->before_bind && bound_) {
                status = STATUS_INVALID_DEVICE_STATE;
            } else if (!entry->boolean && value > 0x7FFFFFFFu) {
                status = STATUS_INVALID_PARAMETER;
            } else if (entry->target == option_target::conditional_accept) {
                if (value != 0 && (client_dispatch_ == nullptr || client_dispatch_->WskInspectEvent == nullptr ||
                                   client_dispatch_->WskAbortEvent == nullptr)) {
                    // Decision: a clear error now rather than a NULL call per connection.
                    kernel::log().warn("WskControlSocket(SO_CONDITIONAL_ACCEPT): the listening socket's dispatch "
                                       "lacks WskInspectEvent or WskAbortEvent; STATUS_INVALID_PARAMETER");
                    status = STATUS_INVALID_PARAMETER;
                } else {
                    conditional_ = value != 0;
                }
            } else {
                const int host_value = entry->boolean ? (value != 0 ? 1 : 0) : static_cast<int>(value);
                status = to_ntstatus(host_.set_option(entry->option, host_value));
            }
        }
    } else if (NT_SUCCESS(status)) {
        int value = 0;
        if (output == nullptr || output_size < sizeof(ULONG) || output_size > 0x7FFFFFFF) {
            status = STATUS_INVALID_PARAMETER;
        } else if (entry->target == option_target::conditional_accept) {
            value = conditional_ ? 1 : 0;
        } else {
            status = to_ntstatus(host_.get_option(entry->option, value));
        }
        if (NT_SUCCESS(status)) {
            const ULONG out = static_cast<ULONG>(value);
            std::memcpy(output, &out, sizeof(out));
            information = sizeof(ULONG);
        }
    }
    lock.unlock();
    return complete_irp(irp, status, information);
}

}  // namespace wskemu::wsk
