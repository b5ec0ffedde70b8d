// wskemu: the provider's WSK_PROVIDER_LISTEN_DISPATCH. Each function checks
// the IRQL, maps the PWSK_SOCKET to its live listening socket and delegates
// under test control (wsk_listen.cpp, wsk_listen_control.cpp).
#include "wsk/wsk_listen.hpp"

#include "kernel/caller_address.hpp"
#include "wsk/wsk_call.hpp"
#include "wsk/wsk_dispatch_entries.hpp"

namespace wskemu::wsk {

namespace {

listen_socket& enter(PWSK_SOCKET socket, const char* function, void* caller) {
    return enter_socket<listen_socket>(socket, function, caller);
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

// The members this category shares with others (wsk_dispatch_entries.hpp).
using entries = socket_entries<listen_socket>;

const WSK_PROVIDER_LISTEN_DISPATCH dispatch_table = {
    {
        entries::control_socket,  // WskControlSocket
        entries::close_socket,    // WskCloseSocket
    },
    entries::bind,               // WskBind
    entries::accept,             // WskAccept
    wsk_inspect_complete,        // WskInspectComplete
    entries::get_local_address,  // WskGetLocalAddress
};

}  // namespace

const WSK_PROVIDER_LISTEN_DISPATCH& listen_dispatch() noexcept { return dispatch_table; }

}  // namespace wskemu::wsk
