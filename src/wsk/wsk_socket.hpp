// wskemu: the WSK connection socket object (WSK_FLAG_CONNECTION_SOCKET over
// TCP, IPv4 and IPv6).
//
// Each socket has one mutex, held for state changes and for starting
// host operations (so bytes of concurrent sends never interleave), never
// while a driver's completion routine runs.
#pragma once

#include <wsk.h>

#include "common/sleep_lock.hpp"
#include "net/tcp_socket.hpp"
#include "wsk/wsk_events.hpp"
#include "wsk/wsk_socket_base.hpp"

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <unordered_set>
#include <vector>

namespace wskemu::wsk {

/// Where a connection socket is in its life.
enum class socket_phase {
    open,            // created, not bound
    bound,           // WskBind succeeded
    connecting,      // WskConnect pending
    connected,       // connected (sends and receives allowed)
    connect_failed,  // a connect failed or was cancelled: only close (decision, docs/semantics.md)
    closing,         // WskCloseSocket called
};

/// Verifier sub-codes (parameter 1 of DRIVER_VERIFIER_DETECTED_VIOLATION) for
/// connection sockets; parameter 2 is the PWSK_SOCKET.
enum connection_violation : ULONG_PTR {
    // WskReceiveEvent returned other than SUCCESS, PENDING, DATA_NOT_ACCEPTED (P3: the status).
    receive_event_bad_status = 0x3120,
    // WskReceiveEvent returned SUCCESS with *BytesAccepted > BytesIndicated (P3: accepted, P4: indicated).
    receive_event_accepted_too_much = 0x3121,
};

struct data_record;

class connection_socket final : public socket_base {
public:
    static constexpr socket_category category_of = socket_category::connection;

    /// WskSocket for WSK_FLAG_CONNECTION_SOCKET: validates, creates, and
    /// completes the IRP with Information = the PWSK_SOCKET.
    static NTSTATUS create(registration_state& registration, ADDRESS_FAMILY family, USHORT socket_type,
                           ULONG protocol, PVOID context, const WSK_CLIENT_CONNECTION_DISPATCH* dispatch, PIRP irp);

    /// WskSocketConnect: creates, binds and connects; the IRP completes when
    /// the connect does, with Information = the PWSK_SOCKET on success. On
    /// failure the socket is freed again.
    static NTSTATUS create_connected(registration_state& registration, USHORT socket_type, ULONG protocol,
                                     PSOCKADDR local, PSOCKADDR remote, ULONG flags, PVOID context,
                                     const WSK_CLIENT_CONNECTION_DISPATCH* dispatch, PIRP irp);

    /// A connection accepted on a listening socket (wsk_socket_accept.cpp):
    /// connected over `host`, of the listener's `family`, counted on
    /// `registration` and published, every event disabled.
    static connection_socket* adopt_accepted(registration_state& registration, net::address_family family,
                                             net::tcp_socket host, PVOID context,
                                             const WSK_CLIENT_CONNECTION_DISPATCH* dispatch);
    /// WskAcceptEvent accepted the socket: the context and dispatch it returned.
    void set_client(PVOID context, const WSK_CLIENT_CONNECTION_DISPATCH* dispatch);
    /// WskAcceptEvent refused the socket (or failed it): the connection is
    /// reset and the socket freed as a close would, without an IRP.
    void discard_accepted();
    /// WskAcceptEvent is about to get the socket: a close the driver makes
    /// from then on waits (as for a pending IRP) until release_accept_hold().
    void hold_for_accept();
    /// The callback accepted the socket and it is set up: the hold ends, and a
    /// close made meanwhile finishes.
    void release_accept_hold();
    /// The callback refused the socket: the hold ends without finishing any
    /// close (the driver had no socket to close).
    void drop_accept_hold();
    /// The connection events (WSK_EVENT_RECEIVE, _DISCONNECT, _SEND_BACKLOG)
    /// enabled on the listening socket that accepted this socket through
    /// WskAcceptEvent: the socket starts with them enabled (reference §4,
    /// "Inheritance"). Called once, before the socket's first event could
    /// be delivered.
    void inherit_listener_events(ULONG events);
    /// What inherit_listener_events stored (0: none). Read under the socket's
    /// lock: the provider stores it after WskAcceptEvent returns, on its thread.
    ULONG inherited_events();
    /// The context and dispatch WskAcceptEvent returned, read under the
    /// socket's lock (nullptr until the provider has stored them).
    PVOID accepted_context();
    const WSK_CLIENT_CONNECTION_DISPATCH* accepted_dispatch();

    /// The connection side of a stream socket (wsk_stream.cpp): an open,
    /// unbound socket, counted and published; nullptr with `status` set if
    /// the host refuses one.
    static connection_socket* open_for_stream(registration_state& registration, net::address_family family,
                                              PVOID context, const WSK_CLIENT_CONNECTION_DISPATCH* dispatch,
                                              NTSTATUS& status);
    /// WskListen on a stream socket: a socket that is bound and nothing more
    /// gives up its host socket (for a listener) and is freed; otherwise
    /// STATUS_INVALID_DEVICE_STATE (or the usable status) and nothing changes.
    NTSTATUS give_up_bound_host(net::tcp_socket& out);
    /// True while the socket is bound and has not begun to connect.
    bool bound_only();

    NTSTATUS bind(PSOCKADDR local, ULONG flags, PIRP irp);
    NTSTATUS connect(PSOCKADDR remote, ULONG flags, PIRP irp);
    /// WskConnectEx: WskConnect, then `buffer` (at most 65,535 bytes) is sent
    /// before the IRP completes.
    NTSTATUS connect_ex(PSOCKADDR remote, PWSK_BUF buffer, ULONG flags, PIRP irp, const char* function);
    NTSTATUS get_local_address(PSOCKADDR out, PIRP irp);
    NTSTATUS get_remote_address(PSOCKADDR out, PIRP irp);
    NTSTATUS send(PWSK_BUF buffer, ULONG flags, PIRP irp);
    NTSTATUS receive(PWSK_BUF buffer, ULONG flags, PIRP irp);
    NTSTATUS disconnect(PWSK_BUF buffer, ULONG flags, PIRP irp);
    NTSTATUS close(PIRP irp);
    NTSTATUS control(WSK_CONTROL_SOCKET_TYPE type, ULONG code, ULONG level, SIZE_T input_size, PVOID input,
                     SIZE_T output_size, PVOID output, SIZE_T* output_size_returned, PIRP irp);

    /// WskRelease: returns a WSK_DATA_INDICATION list the driver kept by
    /// returning STATUS_PENDING from WskReceiveEvent.
    NTSTATUS release(PWSK_DATA_INDICATION list);

    /// Enables the connection events in `event_mask` (WSK_EVENT_RECEIVE,
    /// WSK_EVENT_DISCONNECT, WSK_EVENT_SEND_BACKLOG) on a connected socket, as
    /// SO_WSK_EVENT_CALLBACK does, without a driver call: for a socket
    /// accepted through WskAcceptEvent, which inherits the connection events
    /// enabled on its listener (reference §4, "Inheritance"). Call it once the
    /// socket is published (callbacks go only to live sockets) and connected,
    /// before the driver can see it. Events whose callback the socket's client
    /// dispatch lacks stay off. STATUS_SUCCESS (also for an empty mask);
    /// STATUS_INVALID_PARAMETER for a bit that is not a connection event;
    /// STATUS_INVALID_DEVICE_STATE when not connected or closing.
    NTSTATUS enable_inherited_events(ULONG event_mask);

    /// The client dispatch given to WskSocket (its event callbacks).
    const WSK_CLIENT_CONNECTION_DISPATCH* client_dispatch() const noexcept { return client_dispatch_; }

    void injected_failure(operation op, NTSTATUS status) override;

    /// For tests: the host socket.
    net::tcp_socket& host_socket() noexcept { return host_; }
    /// For tests: indication elements the driver retains (not yet released).
    std::size_t retained_indications();
    /// For tests: bytes the provider holds for the next WskReceive or
    /// indication (refused, partly accepted, or read ahead).
    std::size_t kept_bytes();

    connection_socket(const connection_socket&) = delete;
    connection_socket& operator=(const connection_socket&) = delete;

private:
    // WskGetLocalAddress / WskGetRemoteAddress.
    NTSTATUS report_address(PSOCKADDR out, PIRP irp, bool remote);

    // How much of one send or receive test control lets move, and what ends
    // it once that much moved (wsk_socket_transfer.cpp).
    struct transfer_limit {
        std::size_t bytes;                      // at most this many bytes move
        NTSTATUS then = STATUS_SUCCESS;         // then the call fails with this, breaking the connection
        bool end_of_stream = false;             // receive: the peer's FIN is due now
    };
    transfer_limit send_limit_locked(std::size_t total) const;
    transfer_limit receive_limit_locked(std::size_t total, bool wait_all) const;
    // A receive completed with `bytes`: account for it against the plan's
    // byte marks (a close mark reached means the peer's FIN). Lock held.
    void received_locked(std::size_t reserved, std::size_t bytes);
    // Whether a receive about to pend polls the host first, and how the poll
    // went (wsk_socket_transfer.cpp). Lock held.
    bool may_poll_before_pending_locked();
    void poll_ended_locked(bool found_data) noexcept;
    // Ends the connection as a host failure with `status` would: the peer
    // sees a reset, pending operations complete with `status`, later calls
    // with STATUS_FILE_FORCED_CLOSED. Lock held.
    void break_connection_locked(NTSTATUS status);
    // The status a host operation ended by break_connection_locked reports
    // instead of its host error (cancelled), or `natural`. Lock held.
    NTSTATUS ended_status_locked(net::error e, bool cancelled_by_driver, NTSTATUS natural) const noexcept;
    struct io_operation;
    struct send_operation;
    struct receive_operation;
    struct connect_operation;
    struct disconnect_operation;

    connection_socket(registration_state& registration, net::address_family family, PVOID context,
                      const WSK_CLIENT_CONNECTION_DISPATCH* dispatch, ULONG static_events);
    ~connection_socket() override;

    // The status every call but close gets in the current state, or
    // STATUS_SUCCESS. Lock held.
    NTSTATUS usable_locked() const noexcept;
    // After an operation's IRP completed: one pending IRP fewer; the last one
    // finishes a close that waits for it.
    void operation_finished();
    // Frees the socket, reports it closed, completes the close IRP (pending:
    // from an engine thread); what the close call returns.
    NTSTATUS finish_close(PIRP irp, bool pending);
    void start_receive_locked(receive_operation* op);
    // Starts the host connect for `irp` (taken); lock held. With
    // `creates_socket` the IRP carries the socket out (WskSocketConnect);
    // `initial` is WskConnectEx's data.
    NTSTATUS start_connect_locked(const net::endpoint& remote, PIRP irp, bool creates_socket,
                                  std::vector<net::const_buffer> initial);
    // A receive IRP completed or failed (taken out of every list): completes
    // it, lets indications resume, releases its hold.
    void finish_receive(receive_operation* op, NTSTATUS status, std::size_t bytes);

    // ---- event callbacks (wsk_socket_events.cpp)
    // WskControlSocket(SO_WSK_EVENT_CALLBACK).
    NTSTATUS control_events(SIZE_T input_size, PVOID input, PIRP irp);
    // The events the client dispatch has a callback for.
    ULONG deliverable_events() const noexcept;
    // After `enabled_now` were turned on: delivery starts.
    void events_enabled(ULONG enabled_now);
    // The connect completed: static events start. Lock held.
    void connected_locked();
    // The ideal send backlog may have changed (enabled, connected, SO_SNDBUF):
    // WskSendBacklogEvent hears a new value. Lock held.
    void send_backlog_changed_locked();
    // What the event side does next: serve waiting receives, indicate kept
    // data, report the peer's disconnect, or read ahead. Any thread; lock held.
    void pump_locked();
    // True while the event side owns the next bytes of the stream (a host
    // read of its own, a chain on its way to the driver, a serve task): a
    // WskReceive then waits for it. Lock held.
    bool event_side_busy_locked() const noexcept;
    // Queues a WskReceive behind the event side. Lock held; returns STATUS_PENDING.
    NTSTATUS wait_for_event_side_locked(PIRP irp, std::vector<net::mutable_buffer> pieces, bool wait_all,
                                        bool drain);
    // Copies kept bytes into `pieces` (advanced past them); the count. Lock held.
    std::size_t take_kept_locked(std::vector<net::mutable_buffer>& pieces);
    // One host read for a small WskReceive (kept_ empty): up to
    // receive_read_ahead_size bytes into a lent scratch buffer, copied
    // into `pieces` (not advanced), the rest kept as a record. The bytes
    // copied, or the host's error. Traces the host read unless `quiet` (a
    // poll's read that found nothing). Lock held.
    net::io_result receive_ahead_locked(const std::vector<net::mutable_buffer>& pieces, bool quiet);
    // Frees every kept record (WSK_FLAG_DRAIN, close). Lock held.
    void drop_kept_locked();
    // A WskReceive completed: indications resume (kept data first).
    void resume_after_receive();
    // False when resume_after_receive has nothing to do (no event callback,
    // indications not stopped): an inline receive then skips it. Lock held.
    bool may_resume_events_locked() const noexcept;
    void request_serve_locked();
    void start_event_receive_locked();
    void on_event_received(net::error e, std::size_t n);
    // The task behind request_serve_locked: waiting receives, then one chain.
    void serve();
    void deliver_chain(std::vector<data_record*> chain);
    void deliver_disconnect(bool abortive);
    void deliver_send_backlog();
    // A record with room for `capacity` payload bytes, none received yet;
    // nullptr if pool is exhausted (or the fault plan fails it).
    static data_record* allocate_record(std::size_t capacity);
    // Its first `bytes` payload bytes were received: the indication describes them.
    static void finish_record(data_record* record, std::size_t bytes, bool push);
    static void free_record(data_record* record);
    // Keeps the `bytes` the event side's read put in event_record_; false
    // (the connection aborted) if there is no memory for them. Lock held.
    bool keep_event_read_locked(std::size_t bytes, bool push);
    // At the close's end: kept data freed, retained lists reported.
    void release_event_side();

    const net::address_family family_;
    const WSK_CLIENT_CONNECTION_DISPATCH* client_dispatch_;
    net::tcp_socket host_;
    socket_events events_;
    ULONG inherited_events_ = 0;  // inherit_listener_events

    common::sleep_lock mutex_;  // held across the host call of an inline send or receive
    socket_phase phase_ = socket_phase::open;
    bool forced_closed_ = false;  // the connection broke: every call but close fails
    bool peer_closed_ = false;    // a receive saw the peer's FIN
    bool send_shut_ = false;      // WskDisconnect (graceful) was called: no more sends
    bool fin_sent_ = false;       // the graceful disconnect's FIN went out
    std::size_t pending_ = 0;     // IRPs pending (any kind)
    std::size_t pending_sends_ = 0;
    std::size_t pending_receives_ = 0;
    PIRP close_irp_ = nullptr;    // a close waiting for pending IRPs
    // Test control (fault plans, held calls completed with an outcome).
    NTSTATUS injected_end_ = STATUS_SUCCESS;  // set by break_connection_locked
    std::uint64_t bytes_sent_ = 0;            // handed to the host, for peer_reset_after_sent
    std::uint64_t bytes_received_ = 0;        // completed receives, for the receive marks
    std::uint64_t receive_reserved_ = 0;      // bytes pending receives may still bring
    // Event callbacks (wsk_socket_events.cpp); guarded by mutex_.
    bool events_closed_ = false;        // close: no callback runs any more
    bool event_receive_ = false;        // the event side's host read is in flight
    net::op_id event_op_ = 0;
    bool chain_in_flight_ = false;      // records out of kept_, on their way to WskReceiveEvent
    bool serve_posted_ = false;         // a serve task is queued
    bool receive_stopped_ = false;      // partial accept / DATA_NOT_ACCEPTED: no indication until a WskReceive
    bool peer_aborted_ = false;         // the peer reset the connection
    bool disconnect_indicated_ = false;
    bool dead_indicated_ = false;       // a NULL indication went out
    std::size_t backlog_indicated_ = 0; // the ideal send backlog last indicated
    // Lists, not deques: a libstdc++ deque allocates about 600 bytes as soon
    // as it exists, and most sockets never queue anything (docs/performance.md).
    std::list<data_record*> kept_;      // read, not consumed: first to the next WskReceive or indication
    std::size_t kept_bytes_ = 0;
    std::unordered_set<data_record*> retained_;  // indicated with STATUS_PENDING, not released
    std::size_t retained_bytes_ = 0;
    std::list<receive_operation*> waiting_receives_;  // WskReceive IRPs behind the event side
    data_record* event_record_ = nullptr;  // the event side's host reads land in its payload
    // The descriptor lists of the send or receive running under mutex_, kept
    // so that their memory is reused: no allocation per call.
    std::vector<net::const_buffer> send_pieces_;
    std::vector<net::mutable_buffer> receive_pieces_;
    // The poll before a receive pends (wsk_socket_transfer.cpp): how many
    // polls in a row found nothing, and how many receives skip it still.
    unsigned receive_poll_misses_ = 0;
    unsigned receive_poll_skips_ = 0;
};

/// The provider's WSK_PROVIDER_CONNECTION_DISPATCH (wsk_connection.cpp).
const WSK_PROVIDER_CONNECTION_DISPATCH& connection_dispatch() noexcept;

}  // namespace wskemu::wsk
