// wskemu: the dispatch-table members that several socket categories share
// with the same signature. Each one checks the IRQL, maps the PWSK_SOCKET
// to its live socket of `Socket`'s category and runs the socket's member of
// the same name under test control (copying what a held call needs later).
// A category's table takes the members it has from here and writes only its
// own; a member is instantiated only where a table names it.
#pragma once

#include <wsk.h>

#include "kernel/caller_address.hpp"
#include "wsk/wsk_call.hpp"
#include "wsk/wsk_socket_base.hpp"

namespace wskemu::wsk {

template <typename Socket>
struct socket_entries {
    static NTSTATUS WSKAPI control_socket(PWSK_SOCKET Socket_, WSK_CONTROL_SOCKET_TYPE RequestType, ULONG ControlCode,
                                          ULONG Level, SIZE_T InputSize, PVOID InputBuffer, SIZE_T OutputSize,
                                          PVOID OutputBuffer, SIZE_T* OutputSizeReturned, PIRP Irp) {
        Socket& s = enter_socket<Socket>(Socket_, "WskControlSocket", WSKEMU_CALLER());
        return run_call(operation::control_socket, &s, Irp, "WskControlSocket", [=, &s] {
            return s.control(RequestType, ControlCode, Level, InputSize, InputBuffer, OutputSize, OutputBuffer,
                             OutputSizeReturned, Irp);
        });
    }

    static NTSTATUS WSKAPI close_socket(PWSK_SOCKET Socket_, PIRP Irp) {
        Socket& s = enter_socket_for_close<Socket>(Socket_, WSKEMU_CALLER());
        return run_close(s, Irp, [](socket_base& socket, PIRP irp) { return static_cast<Socket&>(socket).close(irp); });
    }

    static NTSTATUS WSKAPI bind(PWSK_SOCKET Socket_, PSOCKADDR LocalAddress, ULONG Flags, PIRP Irp) {
        Socket& s = enter_socket<Socket>(Socket_, "WskBind", WSKEMU_CALLER());
        return run_call(operation::bind, &s, Irp, "WskBind",
                        [&s, local = address_copy(LocalAddress), Flags, Irp]() mutable {
                            return s.bind(local.get(), Flags, Irp);
                        });
    }

    static NTSTATUS WSKAPI accept(PWSK_SOCKET ListenSocket, ULONG Flags, PVOID AcceptSocketContext,
                                  const WSK_CLIENT_CONNECTION_DISPATCH* AcceptSocketDispatch, PSOCKADDR LocalAddress,
                                  PSOCKADDR RemoteAddress, PIRP Irp) {
        Socket& s = enter_socket<Socket>(ListenSocket, "WskAccept", WSKEMU_CALLER());
        return run_call(operation::accept, &s, Irp, "WskAccept", [=, &s] {
            return s.accept(Flags, AcceptSocketContext, AcceptSocketDispatch, LocalAddress, RemoteAddress, Irp);
        });
    }

    static NTSTATUS WSKAPI get_local_address(PWSK_SOCKET Socket_, PSOCKADDR LocalAddress, PIRP Irp) {
        Socket& s = enter_socket<Socket>(Socket_, "WskGetLocalAddress", WSKEMU_CALLER());
        return run_call(operation::get_local_address, &s, Irp, "WskGetLocalAddress",
                        [&s, LocalAddress, Irp] { return s.get_local_address(LocalAddress, Irp); });
    }

    static NTSTATUS WSKAPI get_remote_address(PWSK_SOCKET Socket_, PSOCKADDR RemoteAddress, PIRP Irp) {
        Socket& s = enter_socket<Socket>(Socket_, "WskGetRemoteAddress", WSKEMU_CALLER());
        return run_call(operation::get_remote_address, &s, Irp, "WskGetRemoteAddress",
                        [&s, RemoteAddress, Irp] { return s.get_remote_address(RemoteAddress, Irp); });
    }

    static NTSTATUS WSKAPI send(PWSK_SOCKET Socket_, PWSK_BUF Buffer, ULONG Flags, PIRP Irp) {
        return transfer(Socket_, Buffer, Flags, Irp, operation::send, "WskSend", &Socket::send, WSKEMU_CALLER());
    }

    static NTSTATUS WSKAPI receive(PWSK_SOCKET Socket_, PWSK_BUF Buffer, ULONG Flags, PIRP Irp) {
        return transfer(Socket_, Buffer, Flags, Irp, operation::receive, "WskReceive", &Socket::receive, WSKEMU_CALLER());
    }

    static NTSTATUS WSKAPI disconnect(PWSK_SOCKET Socket_, PWSK_BUF Buffer, ULONG Flags, PIRP Irp) {
        return transfer(Socket_, Buffer, Flags, Irp, operation::disconnect, "WskDisconnect", &Socket::disconnect, WSKEMU_CALLER());
    }

private:
    using buffer_member = NTSTATUS (Socket::*)(PWSK_BUF, ULONG, PIRP);

    // `caller`: the driver's return address, taken by the entry point.
    static NTSTATUS transfer(PWSK_SOCKET socket, PWSK_BUF buffer, ULONG flags, PIRP irp, operation op,
                             const char* function, buffer_member member, void* caller);
};

template <typename Socket>
NTSTATUS socket_entries<Socket>::transfer(PWSK_SOCKET socket, PWSK_BUF buffer, ULONG flags, PIRP irp, operation op,
                                          const char* function, buffer_member member, void* caller) {
    Socket& s = enter_socket<Socket>(socket, function, caller);
    return run_call(op, &s, irp, function, [&s, copy = buffer_copy(buffer), flags, irp, member]() mutable {
        return (s.*member)(copy.get(), flags, irp);
    });
}

}  // namespace wskemu::wsk
