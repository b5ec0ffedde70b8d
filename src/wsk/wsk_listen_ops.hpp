// wskemu, internal to the listening socket's files: a connection the
// listener holds, and a pending WskAccept.
#pragma once

#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_listen.hpp"

namespace wskemu::wsk {

struct waiting_connection {
    net::tcp_socket host{nullptr};
    net::endpoint local;
    net::endpoint remote;
    WSK_INSPECT_ID id{};   // conditional accept: what WskInspectEvent was given
    bool watched = false;  // a wait for the peer dropping it is in flight (listener's mutex)
};

struct listen_socket::accept_operation final : pending_irp {
    accept_operation(listen_socket& owner, PIRP irp) noexcept : pending_irp(irp), socket(owner) {}
    listen_socket& socket;
    PVOID context = nullptr;
    const WSK_CLIENT_CONNECTION_DISPATCH* dispatch = nullptr;
    PSOCKADDR local = nullptr;
    PSOCKADDR remote = nullptr;

    void cancel_requested() noexcept override {
        std::lock_guard lock(socket.mutex_);
        socket.cancel_accept_locked(this);
    }
};

// The pseudo event under which conditional-accept callbacks (inspect, abort)
// are serialised with the accept event; not a WSK_EVENT_* bit a driver can name.
constexpr ULONG conditional_accept_callbacks = 0x40000000;

}  // namespace wskemu::wsk
