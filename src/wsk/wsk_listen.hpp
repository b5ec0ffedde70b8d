// wskemu: the WSK listening socket (WSK_FLAG_LISTEN_SOCKET over TCP, IPv4,
// IPv6 and dual stack): WskBind starts listening, WskAccept, WskAcceptEvent,
// conditional accept (WskInspectEvent, WskInspectComplete, WskAbortEvent)
// (docs/semantics.md, "Listening sockets").
//
// Once bound, the listener keeps one host accept in flight while fewer than
// `backlog_limit` connections wait in the provider: accepted host connections
// wait in `ready_` (or, with conditional accept and WskInspectPend, in
// `inspecting_`) until a WskAccept or the accept event takes them. A pending
// WskAccept takes a connection before the event does.
//
// Life: every pending IRP, host accept in flight, host wait, posted task and
// event delivery holds the socket ("busy"); WskCloseSocket completes once
// nothing does and no callback runs.
#pragma once

#include <wsk.h>

#include "net/tcp_socket.hpp"
#include "wsk/wsk_events.hpp"
#include "wsk/wsk_socket_base.hpp"

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace wskemu::wsk {

class connection_socket;

/// Verifier sub-codes (parameter 1 of DRIVER_VERIFIER_DETECTED_VIOLATION) for
/// listening sockets; parameter 2 is the PWSK_SOCKET, parameter 3 the value returned.
enum listen_violation : ULONG_PTR {
    accept_event_bad_status = 0x3120,   // WskAcceptEvent returned other than SUCCESS or REQUEST_NOT_ACCEPTED
    inspect_event_bad_action = 0x3121,  // WskInspectEvent returned other than Reject, Accept, Pend
};

/// One host connection the listener holds before a driver has it.
struct waiting_connection;

class listen_socket final : public socket_base {
public:
    static constexpr socket_category category_of = socket_category::listen;
    /// At most this many connections wait in the provider (ready or being
    /// inspected); beyond it they wait in the host's backlog.
    static constexpr std::size_t backlog_limit = 256;

    /// WskSocket for WSK_FLAG_LISTEN_SOCKET: validates, creates, and
    /// completes the IRP with Information = the PWSK_SOCKET.
    static NTSTATUS create(registration_state& registration, ADDRESS_FAMILY family, USHORT socket_type,
                           ULONG protocol, PVOID context, const WSK_CLIENT_LISTEN_DISPATCH* dispatch, PIRP irp);

    /// The listening side of a stream socket (wsk_stream.cpp): listens on
    /// `bound`, the stream socket's bound host socket; counted and published.
    /// nullptr with `status` set if the host refuses.
    static listen_socket* listen_for_stream(registration_state& registration, net::address_family family,
                                            net::tcp_socket& bound, PVOID context,
                                            const WSK_CLIENT_LISTEN_DISPATCH* dispatch, NTSTATUS& status);

    NTSTATUS bind(PSOCKADDR local, ULONG flags, PIRP irp);
    NTSTATUS accept(ULONG flags, PVOID accept_context, const WSK_CLIENT_CONNECTION_DISPATCH* accept_dispatch,
                    PSOCKADDR local, PSOCKADDR remote, PIRP irp);
    NTSTATUS inspect_complete(PWSK_INSPECT_ID id, WSK_INSPECT_ACTION action, PIRP irp);
    NTSTATUS get_local_address(PSOCKADDR out, PIRP irp);
    NTSTATUS close(PIRP irp);
    NTSTATUS control(WSK_CONTROL_SOCKET_TYPE type, ULONG code, ULONG level, SIZE_T input_size, PVOID input,
                     SIZE_T output_size, PVOID output, SIZE_T* output_size_returned, PIRP irp);

    /// The connection events enabled on this listener, which sockets accepted
    /// through WskAcceptEvent inherit (connection_socket::inherit_listener_events).
    ULONG inherited_connection_events() const;

    /// For tests: connections waiting for a WskAccept or the accept event.
    std::size_t waiting_connections() const;
    /// For tests: connections whose inspection the driver pended.
    std::size_t inspecting_connections() const;
    /// For tests: the host listener (closing it makes the listener fail).
    net::tcp_listener& host_listener() noexcept { return host_; }

    listen_socket(const listen_socket&) = delete;
    listen_socket& operator=(const listen_socket&) = delete;

private:
    struct accept_operation;
    using connection_ptr = std::shared_ptr<waiting_connection>;

    listen_socket(registration_state& registration, net::address_family family, PVOID context,
                  const WSK_CLIENT_LISTEN_DISPATCH* dispatch, ULONG static_events);
    ~listen_socket() override;

    // ---- life and accepting (wsk_listen.cpp)
    // The status every call but close gets now (closing, dead), or SUCCESS. Lock held.
    NTSTATUS usable_locked() const noexcept;
    // One hold fewer; the last one (with close begun) finishes the close.
    void finished_one();
    void finish_close();
    // Keeps one host accept in flight while there is room. Lock held.
    void start_host_accept_locked();
    void on_host_accept(net::error e, net::tcp_socket socket);
    // Hands a connection to a WskAccept: the socket is made, the addresses
    // written, the IRP completed (inline from the call, or pending).
    void hand_to_accept(accept_operation* op, const connection_ptr& connection);
    void cancel_accept_locked(accept_operation* op);
    // A task serves waiting connections (to WskAccept IRPs, then the event). Lock held.
    void pump_locked();
    void serve();
    // The host listener failed: pending accepts and later calls fail with
    // STATUS_FILE_FORCED_CLOSED, the accept event hears a NULL AcceptSocket.
    void fail_listener();
    // Takes `connection` out of ready_/inspecting_; false if it is not there. Lock held.
    bool remove_locked(const connection_ptr& connection);

    // ---- events (wsk_listen_events.cpp)
    void deliver_accept(connection_ptr connection);
    void deliver_dead();
    void deliver_inspect(connection_ptr connection);
    void deliver_abort(connection_ptr connection);
    // A delivery of the accept or inspect event is over: one fewer in flight.
    void settle_delivery();
    // Conditional accept: watches a waiting connection for the peer dropping it.
    void watch_locked(const connection_ptr& connection);
    void on_watch(const connection_ptr& connection, net::error e);
    void events_enabled(ULONG events);

    const net::address_family family_;
    const WSK_CLIENT_LISTEN_DISPATCH* client_dispatch_;
    net::tcp_listener host_;
    socket_events events_;

    mutable std::mutex mutex_;
    bool bound_ = false;
    bool closing_ = false;
    bool dead_ = false;            // the host listener failed: every call but close fails
    bool conditional_ = false;     // SO_CONDITIONAL_ACCEPT (before bind)
    bool accepting_ = false;       // a host accept is in flight
    bool serving_ = false;         // a serve task is posted or running
    std::size_t busy_ = 0;         // holds on the socket (see the banner)
    std::size_t delivering_ = 0;   // connections handed to the accept or inspect event, not settled
    PIRP close_irp_ = nullptr;
    ULONG next_serial_ = 1;
    std::deque<accept_operation*> accepts_;  // pending WskAccept IRPs, oldest first
    std::deque<connection_ptr> ready_;       // waiting for a WskAccept or the accept event
    std::vector<connection_ptr> inspecting_; // WskInspectPend: waiting for WskInspectComplete
};

/// The provider's WSK_PROVIDER_LISTEN_DISPATCH (wsk_listen_dispatch.cpp).
const WSK_PROVIDER_LISTEN_DISPATCH& listen_dispatch() noexcept;

}  // namespace wskemu::wsk
