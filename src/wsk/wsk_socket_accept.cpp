// wskemu: connection sockets born from a listening socket's accept
// (docs/semantics.md, "Accepted sockets").
#include "wsk/wsk_socket_ops.hpp"

#include "runtime/scheduler.hpp"

namespace wskemu::wsk {

connection_socket* connection_socket::adopt_accepted(registration_state& registration, net::address_family family,
                                                     net::tcp_socket host, PVOID context,
                                                     const WSK_CLIENT_CONNECTION_DISPATCH* dispatch) {
    auto* socket = new connection_socket(registration, family, context, dispatch);
    socket->host_ = std::move(host);
    socket->phase_ = socket_phase::connected;
    socket->Dispatch = &connection_dispatch();
    registration.socket_opened();
    socket->publish();
    return socket;
}

void connection_socket::set_client(PVOID context, const WSK_CLIENT_CONNECTION_DISPATCH* dispatch) {
    std::lock_guard lock(mutex_);
    set_context(context);
    client_dispatch_ = dispatch;
}

void connection_socket::inherit_listener_events(ULONG events) {
    std::lock_guard lock(mutex_);
    inherited_events_ = events;
}

void connection_socket::discard_accepted() {
    {
        std::lock_guard lock(mutex_);
        phase_ = socket_phase::closing;
        host_.close_abortive();
    }
    rt::flush_socket(key());
    registration_state& reg = registration();
    withdraw();
    delete this;
    reg.socket_closed();
}

}  // namespace wskemu::wsk
