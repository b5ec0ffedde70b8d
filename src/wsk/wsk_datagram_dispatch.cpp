// wskemu: the provider's WSK_PROVIDER_DATAGRAM_DISPATCH. Each function checks
// the IRQL, maps the PWSK_SOCKET to its live datagram socket and delegates
// (wsk_datagram.cpp, wsk_datagram_receive.cpp, wsk_datagram_control.cpp).
#include "wsk/wsk_datagram.hpp"

#include "kernel/caller_address.hpp"
#include "wsk/wsk_call.hpp"
#include "wsk/wsk_dispatch_entries.hpp"

namespace wskemu::wsk {

namespace {

// The IRQL check and the socket's mapping (wsk_socket_base.hpp).
datagram_socket& enter(PWSK_SOCKET socket, const char* function, void* caller) {
    return enter_socket<datagram_socket>(socket, function, caller);
}

NTSTATUS WSKAPI wsk_send_to(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PSOCKADDR RemoteAddress,
                            ULONG ControlInfoLength, PCMSGHDR ControlInfo, PIRP Irp) {
    datagram_socket& s = enter(Socket, "WskSendTo", WSKEMU_CALLER());
    return run_call(operation::send_to, &s, Irp, "WskSendTo",
                    [&s, buffer = buffer_copy(Buffer), Flags, remote = address_copy(RemoteAddress), ControlInfoLength,
                     ControlInfo, Irp]() mutable {
                        return s.send_to(buffer.get(), Flags, remote.get(), ControlInfoLength, ControlInfo, Irp);
                    });
}

NTSTATUS WSKAPI wsk_receive_from(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PSOCKADDR RemoteAddress,
                                 PULONG ControlLength, PCMSGHDR ControlInfo, PULONG ControlFlags, PIRP Irp) {
    datagram_socket& s = enter(Socket, "WskReceiveFrom", WSKEMU_CALLER());
    return run_call(operation::receive_from, &s, Irp, "WskReceiveFrom",
                    [&s, buffer = buffer_copy(Buffer), Flags, RemoteAddress, ControlLength, ControlInfo, ControlFlags,
                     Irp]() mutable {
                        return s.receive_from(buffer.get(), Flags, RemoteAddress, ControlLength, ControlInfo,
                                              ControlFlags, Irp);
                    });
}

NTSTATUS WSKAPI wsk_release(PWSK_SOCKET Socket, PWSK_DATAGRAM_INDICATION DatagramIndication) {
    return enter(Socket, "WskRelease", WSKEMU_CALLER()).release(DatagramIndication);
}

NTSTATUS WSKAPI wsk_send_messages(PWSK_SOCKET Socket, PWSK_BUF_LIST BufferList, ULONG Flags,
                                  PSOCKADDR RemoteAddress, ULONG ControlInfoLength, PCMSGHDR ControlInfo, PIRP Irp) {
    datagram_socket& s = enter(Socket, "WskSendMessages", WSKEMU_CALLER());
    return run_call(operation::send_messages, &s, Irp, "WskSendMessages",
                    [&s, BufferList, Flags, remote = address_copy(RemoteAddress), ControlInfoLength, ControlInfo,
                     Irp]() mutable {
                        return s.send_messages(BufferList, Flags, remote.get(), ControlInfoLength, ControlInfo, Irp);
                    });
}

// The members this category shares with others (wsk_dispatch_entries.hpp).
using entries = socket_entries<datagram_socket>;

const WSK_PROVIDER_DATAGRAM_DISPATCH dispatch_table = {
    {
        entries::control_socket,  // WskControlSocket
        entries::close_socket,    // WskCloseSocket
    },
    entries::bind,               // WskBind
    wsk_send_to,                 // WskSendTo
    wsk_receive_from,            // WskReceiveFrom
    wsk_release,                 // WskRelease
    entries::get_local_address,  // WskGetLocalAddress
    wsk_send_messages,           // WskSendMessages
};

}  // namespace

const WSK_PROVIDER_DATAGRAM_DISPATCH& datagram_dispatch() noexcept { return dispatch_table; }

}  // namespace wskemu::wsk
