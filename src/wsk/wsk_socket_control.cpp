// wskemu: WskControlSocket on connection sockets: the socket options
// (docs/semantics.md, "WskControlSocket").
#include "wsk/wsk_socket.hpp"

#include "kernel/log.hpp"
#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_status.hpp"

#include <atomic>
#include <cstring>

namespace wskemu::wsk {

// ---- WskControlSocket ------------------------------------------------------------

namespace {

// The options connection sockets support now: Windows (level, option) to
// net::socket_option.
struct option_entry {
    ULONG level;
    ULONG code;
    net::socket_option option;
    bool boolean;
    bool before_bind;  // only settable before WskBind
};

constexpr option_entry options[] = {
    {SOL_SOCKET, SO_KEEPALIVE, net::socket_option::keep_alive, true, false},
    {SOL_SOCKET, SO_REUSEADDR, net::socket_option::reuse_address, true, true},
    {SOL_SOCKET, static_cast<ULONG>(SO_EXCLUSIVEADDRUSE), net::socket_option::exclusive_address_use, true, true},
    {SOL_SOCKET, SO_RCVBUF, net::socket_option::receive_buffer_size, false, false},
    {SOL_SOCKET, SO_SNDBUF, net::socket_option::send_buffer_size, false, false},
    {IPPROTO_TCP, TCP_NODELAY, net::socket_option::no_delay, true, false},
};

const option_entry* find_option(ULONG level, ULONG code) {
    for (const option_entry& entry : options) {
        if (entry.level == level && entry.code == code) {
            return &entry;
        }
    }
    return nullptr;
}

}  // namespace

NTSTATUS connection_socket::control(WSK_CONTROL_SOCKET_TYPE type, ULONG code, ULONG level, SIZE_T input_size,
                                    PVOID input, SIZE_T output_size, PVOID output, SIZE_T* output_size_returned,
                                    PIRP irp) {
    (void)output_size_returned;  // every supported request needs an IRP; the size goes to Information
    const option_entry* entry =
        (type == WskSetOption || type == WskGetOption) ? find_option(level, code) : nullptr;
    if (entry == nullptr) {
        static std::atomic<bool> logged{false};
        if (!logged.exchange(true)) {
            kernel::log().warn("WskControlSocket: request type {}, level {:#x}, code {:#x} is not implemented yet: "
                               "returning STATUS_NOT_IMPLEMENTED (logged once)",
                               static_cast<int>(type), level, code);
        }
        if (irp == nullptr) {
            return STATUS_NOT_IMPLEMENTED;
        }
        if (NTSTATUS taken = take_irp(irp, "WskControlSocket"); !NT_SUCCESS(taken)) {
            return taken;
        }
        return complete_irp(irp, STATUS_NOT_IMPLEMENTED, 0);
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
        if (input == nullptr || input_size < sizeof(ULONG)) {
            status = STATUS_INVALID_PARAMETER;
        } else {
            std::memcpy(&value, input, sizeof(value));
            if (entry->before_bind && phase_ != socket_phase::open) {
                status = STATUS_INVALID_DEVICE_STATE;
            } else if (!entry->boolean && value > 0x7FFFFFFFu) {
                status = STATUS_INVALID_PARAMETER;
            } else {
                const int host_value = entry->boolean ? (value != 0 ? 1 : 0) : static_cast<int>(value);
                status = to_ntstatus(host_.set_option(entry->option, host_value));
            }
        }
    } else if (NT_SUCCESS(status)) {
        int value = 0;
        if (output == nullptr || output_size < sizeof(ULONG)) {
            status = STATUS_INVALID_PARAMETER;
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
