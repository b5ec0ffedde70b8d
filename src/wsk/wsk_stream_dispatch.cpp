// wskemu: the provider's WSK_PROVIDER_STREAM_DISPATCH. Each function checks
// the IRQL, maps the PWSK_SOCKET to its live stream socket and delegates
// under test control (wsk_stream.cpp).
#include "wsk/wsk_stream.hpp"

#include "kernel/caller_address.hpp"
#include "wsk/wsk_call.hpp"
#include "wsk/wsk_dispatch_entries.hpp"
#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_socket.hpp"

namespace wskemu::wsk {

namespace {

stream_socket& enter(PWSK_SOCKET socket, const char* function, void* caller) {
    return enter_socket<stream_socket>(socket, function, caller);
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

// The members without an IRP or not emulated yet go to the connection side's
// own table (in listening mode: STATUS_INVALID_PARAMETER / the table's answer).
NTSTATUS WSKAPI wsk_release(PWSK_SOCKET Socket, PWSK_DATA_INDICATION DataIndication) {
    connection_socket* connection = enter(Socket, "WskRelease", WSKEMU_CALLER()).connection_side();
    return connection != nullptr ? connection_dispatch().WskRelease(connection, DataIndication)
                                 : STATUS_INVALID_PARAMETER;
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

// The members this category shares with others (wsk_dispatch_entries.hpp).
using entries = socket_entries<stream_socket>;

const WSK_PROVIDER_STREAM_DISPATCH dispatch_table = {
    {
        entries::control_socket,  // WskControlSocket
        entries::close_socket,    // WskCloseSocket
    },
    entries::bind,                // WskBind
    entries::accept,              // WskAccept
    wsk_connect,                  // WskConnect
    wsk_listen,                   // WskListen
    entries::send,                // WskSend
    entries::receive,             // WskReceive
    entries::disconnect,          // WskDisconnect
    wsk_release,                  // WskRelease
    entries::get_local_address,   // WskGetLocalAddress
    entries::get_remote_address,  // WskGetRemoteAddress
    wsk_connect_ex,               // WskConnectEx
    wsk_send_ex,                  // WskSendEx
    wsk_receive_ex,               // WskReceiveEx
};

}  // namespace

const WSK_PROVIDER_STREAM_DISPATCH& stream_dispatch() noexcept { return dispatch_table; }

}  // namespace wskemu::wsk
