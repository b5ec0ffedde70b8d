// wskemu: connection sockets made by other sockets: those a listening
// socket accepted, and the connection side of stream sockets
// (docs/semantics.md, "Accepted sockets", "Stream sockets").
#include "wsk/wsk_socket_ops.hpp"

#include "wsk/wsk_status.hpp"

namespace wskemu::wsk {

connection_socket* connection_socket::adopt_accepted(registration_state& registration, net::address_family family,
                                                     net::tcp_socket host, PVOID context,
                                                     const WSK_CLIENT_CONNECTION_DISPATCH* dispatch) {
    auto* socket = new connection_socket(registration, family, context, dispatch, 0);
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
    {
        std::lock_guard lock(mutex_);
        inherited_events_ = events;
    }
    // The socket is live and connected: the events start now, those the
    // accepting driver's dispatch has callbacks for.
    if (events != 0) {
        enable_inherited_events(events);
    }
}

ULONG connection_socket::inherited_events() {
    std::lock_guard lock(mutex_);
    return inherited_events_;
}

PVOID connection_socket::accepted_context() {
    std::lock_guard lock(mutex_);
    return context();
}

const WSK_CLIENT_CONNECTION_DISPATCH* connection_socket::accepted_dispatch() {
    std::lock_guard lock(mutex_);
    return client_dispatch_;
}

void connection_socket::hold_for_accept() {
    std::lock_guard lock(mutex_);
    ++pending_;
}

void connection_socket::release_accept_hold() { operation_finished(); }

void connection_socket::drop_accept_hold() {
    std::lock_guard lock(mutex_);
    --pending_;
}

void connection_socket::discard_accepted() {
    {
        std::lock_guard lock(mutex_);
        phase_ = socket_phase::closing;
        if (host_.is_open()) {
            host_.close_abortive();
        }
    }
    retire();
}

connection_socket* connection_socket::open_for_stream(registration_state& registration, net::address_family family,
                                                      PVOID context, const WSK_CLIENT_CONNECTION_DISPATCH* dispatch,
                                                      NTSTATUS& status) {
    auto* socket = new connection_socket(registration, family, context, dispatch, 0);
    if (const net::error e = socket->host_.open(family); e != net::error::none) {
        delete socket;
        status = to_ntstatus(e);
        return nullptr;
    }
    socket->Dispatch = &connection_dispatch();
    registration.socket_opened();
    socket->publish();
    status = STATUS_SUCCESS;
    return socket;
}

bool connection_socket::bound_only() {
    std::lock_guard lock(mutex_);
    return phase_ == socket_phase::bound && NT_SUCCESS(usable_locked());
}

NTSTATUS connection_socket::give_up_bound_host(net::tcp_socket& out) {
    {
        std::lock_guard lock(mutex_);
        if (NTSTATUS usable = usable_locked(); !NT_SUCCESS(usable)) {
            return usable;
        }
        if (phase_ != socket_phase::bound || pending_ != 0) {
            return STATUS_INVALID_DEVICE_STATE;
        }
        out = std::move(host_);
    }
    discard_accepted();  // no host socket left to reset
    return STATUS_SUCCESS;
}

}  // namespace wskemu::wsk
