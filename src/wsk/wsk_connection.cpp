// wskemu: the provider's WSK_PROVIDER_CONNECTION_DISPATCH. Each function maps
// the PWSK_SOCKET to its live socket and delegates (wsk_socket.cpp).
#include "wsk/wsk_socket.hpp"

#include "kernel/caller_address.hpp"
#include "kernel/log.hpp"
#include "kernel/verifier.hpp"
#include "wsk/wsk_call.hpp"
#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_verifier.hpp"

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

NTSTATUS WSKAPI wsk_control_socket(PWSK_SOCKET Socket, WSK_CONTROL_SOCKET_TYPE RequestType, ULONG ControlCode,
                                   ULONG Level, SIZE_T InputSize, PVOID InputBuffer, SIZE_T OutputSize,
                                   PVOID OutputBuffer, SIZE_T* OutputSizeReturned, PIRP Irp) {
    connection_socket& s = enter(Socket, "WskControlSocket", WSKEMU_CALLER());
    return run_call(operation::control_socket, &s, Irp, "WskControlSocket", [=, &s] {
        return s.control(RequestType, ControlCode, Level, InputSize, InputBuffer, OutputSize, OutputBuffer,
                         OutputSizeReturned, Irp);
    });
}

NTSTATUS WSKAPI wsk_close_socket(PWSK_SOCKET Socket, PIRP Irp) {
    connection_socket& s = enter_socket_for_close<connection_socket>(Socket, WSKEMU_CALLER());
    return run_close(s, Irp, [](socket_base& socket, PIRP irp) { return static_cast<connection_socket&>(socket).close(irp); });
}

NTSTATUS WSKAPI wsk_bind(PWSK_SOCKET Socket, PSOCKADDR LocalAddress, ULONG Flags, PIRP Irp) {
    connection_socket& s = enter(Socket, "WskBind", WSKEMU_CALLER());
    return run_call(operation::bind, &s, Irp, "WskBind", [&s, local = address_copy(LocalAddress), Flags, Irp]() mutable {
        return s.bind(local.get(), Flags, Irp);
    });
}

NTSTATUS WSKAPI wsk_connect(PWSK_SOCKET Socket, PSOCKADDR RemoteAddress, ULONG Flags, PIRP Irp) {
    connection_socket& s = enter(Socket, "WskConnect", WSKEMU_CALLER());
    return run_call(operation::connect, &s, Irp, "WskConnect",
                    [&s, remote = address_copy(RemoteAddress), Flags, Irp]() mutable {
                        return s.connect(remote.get(), Flags, Irp);
                    });
}

NTSTATUS WSKAPI wsk_get_local_address(PWSK_SOCKET Socket, PSOCKADDR LocalAddress, PIRP Irp) {
    connection_socket& s = enter(Socket, "WskGetLocalAddress", WSKEMU_CALLER());
    return run_call(operation::get_local_address, &s, Irp, "WskGetLocalAddress",
                    [&s, LocalAddress, Irp] { return s.get_local_address(LocalAddress, Irp); });
}

NTSTATUS WSKAPI wsk_get_remote_address(PWSK_SOCKET Socket, PSOCKADDR RemoteAddress, PIRP Irp) {
    connection_socket& s = enter(Socket, "WskGetRemoteAddress", WSKEMU_CALLER());
    return run_call(operation::get_remote_address, &s, Irp, "WskGetRemoteAddress",
                    [&s, RemoteAddress, Irp] { return s.get_remote_address(RemoteAddress, Irp); });
}

NTSTATUS WSKAPI wsk_send(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PIRP Irp) {
    connection_socket& s = enter(Socket, "WskSend", WSKEMU_CALLER());
    return run_call(operation::send, &s, Irp, "WskSend", [&s, buffer = buffer_copy(Buffer), Flags, Irp]() mutable {
        return s.send(buffer.get(), Flags, Irp);
    });
}

NTSTATUS WSKAPI wsk_receive(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PIRP Irp) {
    connection_socket& s = enter(Socket, "WskReceive", WSKEMU_CALLER());
    return run_call(operation::receive, &s, Irp, "WskReceive", [&s, buffer = buffer_copy(Buffer), Flags, Irp]() mutable {
        return s.receive(buffer.get(), Flags, Irp);
    });
}

NTSTATUS WSKAPI wsk_disconnect(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PIRP Irp) {
    connection_socket& s = enter(Socket, "WskDisconnect", WSKEMU_CALLER());
    return run_call(operation::disconnect, &s, Irp, "WskDisconnect",
                    [&s, buffer = buffer_copy(Buffer), Flags, Irp]() mutable {
                        return s.disconnect(buffer.get(), Flags, Irp);
                    });
}

NTSTATUS WSKAPI wsk_release(PWSK_SOCKET Socket, PWSK_DATA_INDICATION DataIndication) {
    enter(Socket, "WskRelease", WSKEMU_CALLER());
    // Receive events, which hand lists out, are not implemented yet; the
    // verifier's bookkeeping of retained lists is all there is to release.
    return indication_released(Socket, DataIndication) ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
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

const WSK_PROVIDER_CONNECTION_DISPATCH dispatch_table = {
    {
        wsk_control_socket,  // WskControlSocket
        wsk_close_socket,    // WskCloseSocket
    },
    wsk_bind,                // WskBind
    wsk_connect,             // WskConnect
    wsk_get_local_address,   // WskGetLocalAddress
    wsk_get_remote_address,  // WskGetRemoteAddress
    wsk_send,                // WskSend
    wsk_receive,             // WskReceive
    wsk_disconnect,          // WskDisconnect
    wsk_release,             // WskRelease
    wsk_connect_ex,          // WskConnectEx
    wsk_send_ex,             // WskSendEx
    wsk_receive_ex,          // WskReceiveEx
};

}  // namespace

const WSK_PROVIDER_CONNECTION_DISPATCH& connection_dispatch() noexcept { return dispatch_table; }

}  // namespace wskemu::wsk
