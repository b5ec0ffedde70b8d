// wskemu: the provider's WSK_PROVIDER_DATAGRAM_DISPATCH. Each function checks
// the IRQL, maps the PWSK_SOCKET to its live datagram socket and delegates
// (wsk_datagram.cpp, wsk_datagram_receive.cpp, wsk_datagram_control.cpp).
#include "wsk/wsk_datagram.hpp"

#include "kernel/caller_address.hpp"
#include "wsk/wsk_call.hpp"

namespace wskemu::wsk {

namespace {

// The IRQL check and the socket's mapping (wsk_socket_base.hpp).
datagram_socket& enter(PWSK_SOCKET socket, const char* function, void* caller) {
    return enter_socket<datagram_socket>(socket, function, caller);
}

NTSTATUS WSKAPI wsk_control_socket(PWSK_SOCKET Socket, WSK_CONTROL_SOCKET_TYPE RequestType, ULONG ControlCode,
                                   ULONG Level, SIZE_T InputSize, PVOID InputBuffer, SIZE_T OutputSize,
                                   PVOID OutputBuffer, SIZE_T* OutputSizeReturned, PIRP Irp) {
    datagram_socket& s = enter(Socket, "WskControlSocket", WSKEMU_CALLER());
    return run_call(operation::control_socket, &s, Irp, "WskControlSocket", [=, &s] {
        return s.control(RequestType, ControlCode, Level, InputSize, InputBuffer, OutputSize, OutputBuffer,
                         OutputSizeReturned, Irp);
    });
}

NTSTATUS WSKAPI wsk_close_socket(PWSK_SOCKET Socket, PIRP Irp) {
    datagram_socket& s = enter_socket_for_close<datagram_socket>(Socket, WSKEMU_CALLER());
    return run_close(s, Irp, [](socket_base& socket, PIRP irp) { return static_cast<datagram_socket&>(socket).close(irp); });
}

NTSTATUS WSKAPI wsk_bind(PWSK_SOCKET Socket, PSOCKADDR LocalAddress, ULONG Flags, PIRP Irp) {
    datagram_socket& s = enter(Socket, "WskBind", WSKEMU_CALLER());
    return run_call(operation::bind, &s, Irp, "WskBind", [&s, local = address_copy(LocalAddress), Flags, Irp]() mutable {
        return s.bind(local.get(), Flags, Irp);
    });
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

NTSTATUS WSKAPI wsk_get_local_address(PWSK_SOCKET Socket, PSOCKADDR LocalAddress, PIRP Irp) {
    datagram_socket& s = enter(Socket, "WskGetLocalAddress", WSKEMU_CALLER());
    return run_call(operation::get_local_address, &s, Irp, "WskGetLocalAddress",
                    [&s, LocalAddress, Irp] { return s.get_local_address(LocalAddress, Irp); });
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

const WSK_PROVIDER_DATAGRAM_DISPATCH dispatch_table = {
    {
        wsk_control_socket,  // WskControlSocket
        wsk_close_socket,    // WskCloseSocket
    },
    wsk_bind,               // WskBind
    wsk_send_to,            // WskSendTo
    wsk_receive_from,       // WskReceiveFrom
    wsk_release,            // WskRelease
    wsk_get_local_address,  // WskGetLocalAddress
    wsk_send_messages,      // WskSendMessages
};

}  // namespace

const WSK_PROVIDER_DATAGRAM_DISPATCH& datagram_dispatch() noexcept { return dispatch_table; }

}  // namespace wskemu::wsk
