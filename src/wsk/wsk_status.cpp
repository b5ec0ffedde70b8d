// wskemu: net::error -> NTSTATUS (docs/semantics.md, "Status table").
#include "wsk/wsk_status.hpp"

#include "kernel/log.hpp"

#include <atomic>

namespace wskemu::wsk {

NTSTATUS to_ntstatus(net::error e) noexcept {
    using net::error;
    switch (e) {
    case error::none: return STATUS_SUCCESS;
    case error::connection_refused: return STATUS_CONNECTION_REFUSED;
    case error::connection_reset: return STATUS_CONNECTION_RESET;
    case error::connection_aborted: return STATUS_CONNECTION_ABORTED;
    case error::timed_out: return STATUS_IO_TIMEOUT;
    case error::network_unreachable: return STATUS_NETWORK_UNREACHABLE;
    case error::host_unreachable: return STATUS_HOST_UNREACHABLE;
    case error::address_in_use: return STATUS_ADDRESS_ALREADY_EXISTS;
    case error::address_not_available: return STATUS_INVALID_ADDRESS;
    case error::no_buffers: return STATUS_INSUFFICIENT_RESOURCES;
    case error::access_denied: return STATUS_ACCESS_DENIED;
    case error::not_supported: return STATUS_NOT_SUPPORTED;
    case error::invalid_argument: return STATUS_INVALID_PARAMETER;
    case error::not_connected: return STATUS_INVALID_DEVICE_STATE;
    case error::cancelled: return STATUS_CANCELLED;
    // Values the provider normally handles before it gets here; mapped to
    // the status WSK's Winsock helper pairs them with.
    case error::would_block: return STATUS_DEVICE_NOT_READY;
    case error::end_of_stream: return STATUS_GRACEFUL_DISCONNECT;
    case error::already_connected: return STATUS_CONNECTION_ACTIVE;
    case error::shut_down: return STATUS_INVALID_DEVICE_STATE;
    case error::message_too_long: return STATUS_INVALID_BUFFER_SIZE;
    // Name resolution: modern Windows reports an unknown name as
    // STATUS_NOT_FOUND (Windows 7 as STATUS_NO_MATCH; observed by Wine's netio
    // tests); a silent name server as a timeout.
    case error::name_not_found: return STATUS_NOT_FOUND;
    case error::name_server_failure: return STATUS_IO_TIMEOUT;
    case error::other: break;
    }
    static std::atomic<bool> logged{false};
    if (!logged.exchange(true)) {
        kernel::log().warn("WSK: host error '{}' has no NTSTATUS of its own: reported as STATUS_UNSUCCESSFUL",
                           net::describe(e));
    }
    return STATUS_UNSUCCESSFUL;
}

bool is_connection_fatal(net::error e) noexcept {
    using net::error;
    switch (e) {
    case error::connection_reset:
    case error::connection_aborted:
    case error::timed_out:
    case error::network_unreachable:
    case error::host_unreachable: return true;
    default: return false;
    }
}

bool breaks_connection(NTSTATUS status) noexcept {
    switch (status) {
    case STATUS_CONNECTION_RESET:
    case STATUS_CONNECTION_ABORTED:
    case STATUS_CONNECTION_DISCONNECTED:
    case STATUS_REMOTE_DISCONNECT:
    case STATUS_LOCAL_DISCONNECT:
    case STATUS_IO_TIMEOUT:
    case STATUS_NETWORK_UNREACHABLE:
    case STATUS_HOST_UNREACHABLE:
    case STATUS_PROTOCOL_UNREACHABLE:
    case STATUS_PORT_UNREACHABLE:
    case STATUS_FILE_FORCED_CLOSED: return true;
    default: return false;
    }
}

}  // namespace wskemu::wsk
