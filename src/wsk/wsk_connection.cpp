// wskemu: the provider's WSK_PROVIDER_CONNECTION_DISPATCH. Each function maps
// the PWSK_SOCKET to its live socket and delegates (wsk_socket.cpp).
#include "wsk/wsk_socket.hpp"

#include "kernel/caller_address.hpp"
#include "kernel/log.hpp"
#include "kernel/verifier.hpp"
#include "wsk/wsk_call.hpp"
#include "wsk/wsk_dispatch_entries.hpp"
#include "wsk/wsk_irp.hpp"

#include <atomic>

namespace wskemu::wsk {

namespace {

namespace verifier = kernel::verifier;

// The IRQL check, the socket's mapping and the call-after-close report
// (wsk_socket_base.hpp).
connection_socket& enter(PWSK_SOCKET socket, const char* function, void* caller) {
    return enter_socket<connection_socket>(socket, function, caller);
}

// The members not implemented yet: the IRP (required) completes with
// STATUS_NOT_IMPLEMENTED, logged once per function.
NTSTATUS not_implemented(PIRP irp, std::atomic<bool>& logged, const char* function) {
    if (NTSTATUS taken = take_irp(irp, function); !NT_SUCCESS(taken)) {
        return taken;
    }
    if (!logged.exchange(true)) {
        kernel::log().warn("{} is not implemented yet: returning STATUS_NOT_IMPLEMENTED", function);
    }
    return complete_irp(irp, STATUS_NOT_IMPLEMENTED, 0);
}

NTSTATUS WSKAPI wsk_connect(PWSK_SOCKET Socket, PSOCKADDR RemoteAddress, ULONG Flags, PIRP Irp) {
    connection_socket& s = enter(Socket, "WskConnect", WSKEMU_CALLER());
    return run_call(operation::connect, &s, Irp, "WskConnect",
                    [&s, remote = address_copy(RemoteAddress), Flags, Irp]() mutable {
                        return s.connect(remote.get(), Flags, Irp);
                    });
}

NTSTATUS WSKAPI wsk_release(PWSK_SOCKET Socket, PWSK_DATA_INDICATION DataIndication) {
    return enter(Socket, "WskRelease", WSKEMU_CALLER()).release(DataIndication);
}

NTSTATUS WSKAPI wsk_connect_ex(PWSK_SOCKET Socket, PSOCKADDR RemoteAddress, PWSK_BUF Buffer, ULONG Flags, PIRP Irp) {
    connection_socket& s = enter(Socket, "WskConnectEx", WSKEMU_CALLER());
    return run_call(operation::connect, &s, Irp, "WskConnectEx",
                    [&s, remote = address_copy(RemoteAddress), buffer = buffer_copy(Buffer), Flags, Irp]() mutable {
                        return s.connect_ex(remote.get(), buffer.get(), Flags, Irp, "WskConnectEx");
                    });
}

NTSTATUS WSKAPI wsk_send_ex(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, ULONG ControlInfoLength,
                            PCMSGHDR ControlInfo, PIRP Irp) {
    (void)Buffer, (void)Flags, (void)ControlInfoLength, (void)ControlInfo;
    enter(Socket, "WskSendEx", WSKEMU_CALLER());
    static std::atomic<bool> logged{false};
    return not_implemented(Irp, logged, "WskSendEx");
}

NTSTATUS WSKAPI wsk_receive_ex(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PULONG ControlInfoLength,
                               PCMSGHDR ControlInfo, PULONG ControlFlags, PIRP Irp) {
    (void)Buffer, (void)Flags, (void)ControlInfoLength, (void)ControlInfo, (void)ControlFlags;
    enter(Socket, "WskReceiveEx", WSKEMU_CALLER());
    static std::atomic<bool> logged{false};
    return not_implemented(Irp, logged, "WskReceiveEx");
}

// The members this category shares with others (wsk_dispatch_entries.hpp).
using entries = socket_entries<connection_socket>;

const WSK_PROVIDER_CONNECTION_DISPATCH dispatch_table = {
    {
        entries::control_socket,  // WskControlSocket
        entries::close_socket,    // WskCloseSocket
    },
    entries::bind,                // WskBind
    wsk_connect,                  // WskConnect
    entries::get_local_address,   // WskGetLocalAddress
    entries::get_remote_address,  // WskGetRemoteAddress
    entries::send,                // WskSend
    entries::receive,             // WskReceive
    entries::disconnect,          // WskDisconnect
    wsk_release,                  // WskRelease
    wsk_connect_ex,               // WskConnectEx
    wsk_send_ex,                  // WskSendEx
    wsk_receive_ex,               // WskReceiveEx
};

}  // namespace

const WSK_PROVIDER_CONNECTION_DISPATCH& connection_dispatch() noexcept { return dispatch_table; }

}  // namespace wskemu::wsk
