// wskemu: the provider's WSK_PROVIDER_LISTEN_DISPATCH. Each function checks
// the IRQL, maps the PWSK_SOCKET to its live listening socket and delegates
// under test control (wsk_listen.cpp, wsk_listen_control.cpp).
#include "wsk/wsk_listen.hpp"

#include "kernel/caller_address.hpp"
#include "wsk/wsk_call.hpp"

namespace wskemu::wsk {

namespace {

listen_socket& enter(PWSK_SOCKET socket, const char* function, void* caller) {
    return enter_socket<listen_socket>(socket, function, caller);
}

NTSTATUS WSKAPI wsk_control_socket(PWSK_SOCKET Socket, WSK_CONTROL_SOCKET_TYPE RequestType, ULONG ControlCode,
                                   ULONG Level, SIZE_T InputSize, PVOID InputBuffer, SIZE_T OutputSize,
                                   PVOID OutputBuffer, SIZE_T* OutputSizeReturned, PIRP Irp) {
    listen_socket& s = enter(Socket, "WskControlSocket", WSKEMU_CALLER());
    return run_call(operation::control_socket, &s, Irp, "WskControlSocket", [=, &s] {
        return s.control(RequestType, ControlCode, Level, InputSize, InputBuffer, OutputSize, OutputBuffer,
                         OutputSizeReturned, Irp);
    });
}

NTSTATUS WSKAPI wsk_close_socket(PWSK_SOCKET Socket, PIRP Irp) {
    listen_socket& s = enter_socket_for_close<listen_socket>(Socket, WSKEMU_CALLER());
    return run_close(s, Irp, [](socket_base& socket, PIRP irp) { return static_cast<listen_socket&>(socket).close(irp); });
}

NTSTATUS WSKAPI wsk_bind(PWSK_SOCKET Socket, PSOCKADDR LocalAddress, ULONG Flags, PIRP Irp) {
    listen_socket& s = enter(Socket, "WskBind", WSKEMU_CALLER());
    return run_call(operation::bind, &s, Irp, "WskBind", [&s, local = address_copy(LocalAddress), Flags, Irp]() mutable {
        return s.bind(local.get(), Flags, Irp);
    });
}

NTSTATUS WSKAPI wsk_accept(PWSK_SOCKET ListenSocket, ULONG Flags, PVOID AcceptSocketContext,
                           const WSK_CLIENT_CONNECTION_DISPATCH* AcceptSocketDispatch, PSOCKADDR LocalAddress,
                           PSOCKADDR RemoteAddress, PIRP Irp) {
    listen_socket& s = enter(ListenSocket, "WskAccept", WSKEMU_CALLER());
    return run_call(operation::accept, &s, Irp, "WskAccept", [=, &s] {
        return s.accept(Flags, AcceptSocketContext, AcceptSocketDispatch, LocalAddress, RemoteAddress, Irp);
    });
}

NTSTATUS WSKAPI wsk_inspect_complete(PWSK_SOCKET ListenSocket, PWSK_INSPECT_ID InspectID, WSK_INSPECT_ACTION Action,
                                     PIRP Irp) {
    listen_socket& s = enter(ListenSocket, "WskInspectComplete", WSKEMU_CALLER());
    // The ID's contents are what counts; a held call runs later, so keep a copy.
    const bool has_id = InspectID != nullptr;
    WSK_INSPECT_ID id = has_id ? *InspectID : WSK_INSPECT_ID{};
    return run_call(operation::inspect_complete, &s, Irp, "WskInspectComplete", [&s, has_id, id, Action, Irp]() mutable {
        return s.inspect_complete(has_id ? &id : nullptr, Action, Irp);
    });
}

NTSTATUS WSKAPI wsk_get_local_address(PWSK_SOCKET Socket, PSOCKADDR LocalAddress, PIRP Irp) {
    listen_socket& s = enter(Socket, "WskGetLocalAddress", WSKEMU_CALLER());
    return run_call(operation::get_local_address, &s, Irp, "WskGetLocalAddress",
                    [&s, LocalAddress, Irp] { return s.get_local_address(LocalAddress, Irp); });
}

const WSK_PROVIDER_LISTEN_DISPATCH dispatch_table = {
    {
        wsk_control_socket,  // WskControlSocket
        wsk_close_socket,    // WskCloseSocket
    },
    wsk_bind,               // WskBind
    wsk_accept,             // WskAccept
    wsk_inspect_complete,   // WskInspectComplete
    wsk_get_local_address,  // WskGetLocalAddress
};

}  // namespace

const WSK_PROVIDER_LISTEN_DISPATCH& listen_dispatch() noexcept { return dispatch_table; }

}  // namespace wskemu::wsk
