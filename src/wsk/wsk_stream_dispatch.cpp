// wskemu: the provider's WSK_PROVIDER_STREAM_DISPATCH. Each function checks
// the IRQL, maps the PWSK_SOCKET to its live stream socket and delegates
// under test control (wsk_stream.cpp).
#include "wsk/wsk_stream.hpp"

#include "kernel/caller_address.hpp"
#include "wsk/wsk_call.hpp"
#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_socket.hpp"

namespace wskemu::wsk {

namespace {

stream_socket& enter(PWSK_SOCKET socket, const char* function, void* caller) {
    return enter_socket<stream_socket>(socket, function, caller);
}

NTSTATUS WSKAPI wsk_control_socket(PWSK_SOCKET Socket, WSK_CONTROL_SOCKET_TYPE RequestType, ULONG ControlCode,
                                   ULONG Level, SIZE_T InputSize, PVOID InputBuffer, SIZE_T OutputSize,
                                   PVOID OutputBuffer, SIZE_T* OutputSizeReturned, PIRP Irp) {
    stream_socket& s = enter(Socket, "WskControlSocket", WSKEMU_CALLER());
    return run_call(operation::control_socket, &s, Irp, "WskControlSocket", [=, &s] {
        return s.control(RequestType, ControlCode, Level, InputSize, InputBuffer, OutputSize, OutputBuffer,
                         OutputSizeReturned, Irp);
    });
}

NTSTATUS WSKAPI wsk_close_socket(PWSK_SOCKET Socket, PIRP Irp) {
    stream_socket& s = enter_socket_for_close<stream_socket>(Socket, WSKEMU_CALLER());
    return run_close(s, Irp, [](socket_base& socket, PIRP irp) { return static_cast<stream_socket&>(socket).close(irp); });
}

NTSTATUS WSKAPI wsk_bind(PWSK_SOCKET Socket, PSOCKADDR LocalAddress, ULONG Flags, PIRP Irp) {
    stream_socket& s = enter(Socket, "WskBind", WSKEMU_CALLER());
    return run_call(operation::bind, &s, Irp, "WskBind", [&s, local = address_copy(LocalAddress), Flags, Irp]() mutable {
        return s.bind(local.get(), Flags, Irp);
    });
}

NTSTATUS WSKAPI wsk_accept(PWSK_SOCKET ListenSocket, ULONG Flags, PVOID AcceptSocketContext,
                           const WSK_CLIENT_CONNECTION_DISPATCH* AcceptSocketDispatch, PSOCKADDR LocalAddress,
                           PSOCKADDR RemoteAddress, PIRP Irp) {
    stream_socket& s = enter(ListenSocket, "WskAccept", WSKEMU_CALLER());
    return run_call(operation::accept, &s, Irp, "WskAccept", [=, &s] {
        return s.accept(Flags, AcceptSocketContext, AcceptSocketDispatch, LocalAddress, RemoteAddress, Irp);
    });
}

NTSTATUS WSKAPI wsk_connect(PWSK_SOCKET Socket, PSOCKADDR RemoteAddress, ULONG Flags, PIRP Irp) {
    stream_socket& s = enter(Socket, "WskConnect", WSKEMU_CALLER());
    return run_call(operation::connect, &s, Irp, "WskConnect",
                    [&s, remote = address_copy(RemoteAddress), Flags, Irp]() mutable {
                        return s.connect(remote.get(), nullptr, Flags, Irp, "WskConnect");
                    });
}

NTSTATUS WSKAPI wsk_listen(PWSK_SOCKET Socket, PIRP Irp) {
    stream_socket& s = enter(Socket, "WskListen", WSKEMU_CALLER());
    return run_call(operation::listen, &s, Irp, "WskListen", [&s, Irp] { return s.listen(Irp); });
}

NTSTATUS WSKAPI wsk_send(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PIRP Irp) {
    stream_socket& s = enter(Socket, "WskSend", WSKEMU_CALLER());
    return run_call(operation::send, &s, Irp, "WskSend", [&s, buffer = buffer_copy(Buffer), Flags, Irp]() mutable {
        return s.send(buffer.get(), Flags, Irp);
    });
}

NTSTATUS WSKAPI wsk_receive(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PIRP Irp) {
    stream_socket& s = enter(Socket, "WskReceive", WSKEMU_CALLER());
    return run_call(operation::receive, &s, Irp, "WskReceive", [&s, buffer = buffer_copy(Buffer), Flags, Irp]() mutable {
        return s.receive(buffer.get(), Flags, Irp);
    });
}

NTSTATUS WSKAPI wsk_disconnect(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PIRP Irp) {
    stream_socket& s = enter(Socket, "WskDisconnect", WSKEMU_CALLER());
    return run_call(operation::disconnect, &s, Irp, "WskDisconnect",
                    [&s, buffer = buffer_copy(Buffer), Flags, Irp]() mutable {
                        return s.disconnect(buffer.get(), Flags, Irp);
                    });
}

// The members without an IRP or not emulated yet go to the connection side's
// own table (in listening mode: STATUS_INVALID_PARAMETER / the table's answer).
NTSTATUS WSKAPI wsk_release(PWSK_SOCKET Socket, PWSK_DATA_INDICATION DataIndication) {
    connection_socket* connection = enter(Socket, "WskRelease", WSKEMU_CALLER()).connection_side();
    return connection != nullptr ? connection_dispatch().WskRelease(connection, DataIndication)
                                 : STATUS_INVALID_PARAMETER;
}

NTSTATUS WSKAPI wsk_get_local_address(PWSK_SOCKET Socket, PSOCKADDR LocalAddress, PIRP Irp) {
    stream_socket& s = enter(Socket, "WskGetLocalAddress", WSKEMU_CALLER());
    return run_call(operation::get_local_address, &s, Irp, "WskGetLocalAddress",
                    [&s, LocalAddress, Irp] { return s.get_local_address(LocalAddress, Irp); });
}

NTSTATUS WSKAPI wsk_get_remote_address(PWSK_SOCKET Socket, PSOCKADDR RemoteAddress, PIRP Irp) {
    stream_socket& s = enter(Socket, "WskGetRemoteAddress", WSKEMU_CALLER());
    return run_call(operation::get_remote_address, &s, Irp, "WskGetRemoteAddress",
                    [&s, RemoteAddress, Irp] { return s.get_remote_address(RemoteAddress, Irp); });
}

NTSTATUS WSKAPI wsk_connect_ex(PWSK_SOCKET Socket, PSOCKADDR RemoteAddress, PWSK_BUF Buffer, ULONG Flags, PIRP Irp) {
    stream_socket& s = enter(Socket, "WskConnectEx", WSKEMU_CALLER());
    return run_call(operation::connect, &s, Irp, "WskConnectEx",
                    [&s, remote = address_copy(RemoteAddress), buffer = buffer_copy(Buffer), Flags, Irp]() mutable {
                        return s.connect(remote.get(), buffer.get(), Flags, Irp, "WskConnectEx");
                    });
}

NTSTATUS WSKAPI wsk_send_ex(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, ULONG ControlInfoLength,
                            PCMSGHDR ControlInfo, PIRP Irp) {
    stream_socket& s = enter(Socket, "WskSendEx", WSKEMU_CALLER());
    connection_socket* connection = s.connection_side();
    if (connection == nullptr) {
        return run_call(operation::send, &s, Irp, "WskSendEx", [Irp] {
            return NT_SUCCESS(take_irp(Irp, "WskSendEx")) ? complete_irp(Irp, STATUS_INVALID_DEVICE_STATE, 0)
                                                          : STATUS_INVALID_PARAMETER;
        });
    }
    return connection_dispatch().WskSendEx(connection, Buffer, Flags, ControlInfoLength, ControlInfo, Irp);
}

NTSTATUS WSKAPI wsk_receive_ex(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PULONG ControlInfoLength,
                               PCMSGHDR ControlInfo, PULONG ControlFlags, PIRP Irp) {
    stream_socket& s = enter(Socket, "WskReceiveEx", WSKEMU_CALLER());
    connection_socket* connection = s.connection_side();
    if (connection == nullptr) {
        return run_call(operation::receive, &s, Irp, "WskReceiveEx", [Irp] {
            return NT_SUCCESS(take_irp(Irp, "WskReceiveEx")) ? complete_irp(Irp, STATUS_INVALID_DEVICE_STATE, 0)
                                                             : STATUS_INVALID_PARAMETER;
        });
    }
    return connection_dispatch().WskReceiveEx(connection, Buffer, Flags, ControlInfoLength, ControlInfo,
                                              ControlFlags, Irp);
}

const WSK_PROVIDER_STREAM_DISPATCH dispatch_table = {
    {
        wsk_control_socket,  // WskControlSocket
        wsk_close_socket,    // WskCloseSocket
    },
    wsk_bind,                // WskBind
    wsk_accept,              // WskAccept
    wsk_connect,             // WskConnect
    wsk_listen,              // WskListen
    wsk_send,                // WskSend
    wsk_receive,             // WskReceive
    wsk_disconnect,          // WskDisconnect
    wsk_release,             // WskRelease
    wsk_get_local_address,   // WskGetLocalAddress
    wsk_get_remote_address,  // WskGetRemoteAddress
    wsk_connect_ex,          // WskConnectEx
    wsk_send_ex,             // WskSendEx
    wsk_receive_ex,          // WskReceiveEx
};

}  // namespace

const WSK_PROVIDER_STREAM_DISPATCH& stream_dispatch() noexcept { return dispatch_table; }

}  // namespace wskemu::wsk
