// wskemu: WSK connection sockets over net::tcp_socket (docs/semantics.md,
// "Connection sockets").
#include "wsk/wsk_socket.hpp"

#include "kernel/bug_check.hpp"
#include "kernel/log.hpp"
#include "kernel/mm_mdl.hpp"
#include "wsk/wsk_address.hpp"
#include "wsk/wsk_buf.hpp"
#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_status.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <vector>

namespace wskemu::wsk {

// ---- pending operations --------------------------------------------------------

struct connection_socket::operation : pending_irp {
    operation(connection_socket& owner, PIRP irp) noexcept : pending_irp(irp), socket(owner) {}
    connection_socket& socket;
    net::op_id id = 0;       // the host operation, for IoCancelIrp (guarded by the socket's mutex)
    std::size_t done = 0;    // bytes moved inline before the host operation started
    bool cancelled = false;  // IoCancelIrp seen (guarded by the socket's mutex)

    void cancel_requested() noexcept override {
        std::lock_guard lock(socket.mutex_);
        cancelled = true;
        if (id != 0) {
            socket.host_.cancel(id);
        }
    }

    // Completes the IRP, frees the operation, and lets a waiting close go on.
    template <typename Op>
    static void finish(Op* op, NTSTATUS status, ULONG_PTR information) {
        connection_socket& owner = op->socket;
        PIRP irp = op->irp();
        complete_pending(irp, status, information);
        delete op;
        owner.operation_finished();
    }
};

struct connection_socket::send_operation final : operation {
    using operation::operation;
};

struct connection_socket::receive_operation final : operation {
    using operation::operation;
    std::vector<net::mutable_buffer> pieces;
    net::receive_mode mode = net::receive_mode::some;
    std::unique_ptr<unsigned char[]> drain_buffer;  // WSK_FLAG_DRAIN: bytes read and dropped
};

struct connection_socket::connect_operation final : operation {
    using operation::operation;
    bool creates_socket = false;  // WskSocketConnect
    std::vector<net::const_buffer> initial;  // WskConnectEx data, sent once connected

    // A connect has no op id in src/net: cancel the host socket's operations,
    // which while connecting are only this one.
    void cancel_requested() noexcept override {
        std::lock_guard lock(socket.mutex_);
        cancelled = true;
        if (id != 0) {
            socket.host_.cancel(id);  // WskConnectEx's data is being sent
        } else if (socket.phase_ == socket_phase::connecting) {
            socket.host_.cancel();
        }
    }
};

struct connection_socket::disconnect_operation final : operation {
    using operation::operation;
    NTSTATUS send_status = STATUS_SUCCESS;  // of the final buffer (guarded by the socket's mutex)
    bool irp_completed = false;             // guarded by the socket's mutex
    bool cancel_posted = false;             // guarded by the socket's mutex
    int owners = 1;                         // the FIN handler, plus a posted cancel (socket's mutex)

    // The FIN is queued behind the sends before it and cannot be taken out of
    // the queue: a cancel completes the IRP now, from an engine thread, and
    // the FIN still goes when its turn comes. Whichever of the two runs first
    // completes the IRP; the last one frees the operation.
    void cancel_requested() noexcept override {
        std::lock_guard lock(socket.mutex_);
        cancelled = true;
        if (id != 0) {
            socket.host_.cancel(id);
        }
        if (irp_completed || cancel_posted) {
            return;
        }
        cancel_posted = true;
        ++owners;
        net::io_engine::instance().post([this] { settle(STATUS_CANCELLED); });
    }

    // One owner is done: complete the IRP if nobody has, free the operation
    // if this was the last owner.
    void settle(NTSTATUS status) {
        connection_socket& owner = socket;
        bool complete;
        bool last;
        ULONG_PTR bytes;
        {
            std::lock_guard lock(owner.mutex_);
            complete = !irp_completed;
            irp_completed = true;
            last = --owners == 0;
            bytes = done;
        }
        if (complete) {
            complete_pending(irp(), status, bytes);
        }
        if (last) {
            delete this;
            owner.operation_finished();
        }
    }
};

namespace {
constexpr std::size_t drain_buffer_size = 4096;
constexpr std::size_t max_connect_data = 65535;  // WskConnectEx's limit
}

// ---- life ----------------------------------------------------------------------

connection_socket::connection_socket(registration_state& registration, net::address_family family, PVOID context,
                                     const WSK_CLIENT_CONNECTION_DISPATCH* dispatch)
    : socket_base(socket_category::connection, registration, context), family_(family), client_dispatch_(dispatch) {}

connection_socket::~connection_socket() = default;

NTSTATUS connection_socket::create(registration_state& registration, ADDRESS_FAMILY family, USHORT socket_type,
                                   ULONG protocol, PVOID context, const WSK_CLIENT_CONNECTION_DISPATCH* dispatch,
                                   PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskSocket"); !NT_SUCCESS(taken)) {
        return taken;
    }
    const auto net_family = to_net_family(family);
    if (!net_family || socket_type != SOCK_STREAM || protocol != IPPROTO_TCP) {
        return complete_irp(irp, STATUS_INVALID_PARAMETER, 0);
    }
    auto* socket = new connection_socket(registration, *net_family, context, dispatch);
    if (const net::error e = socket->host_.open(*net_family); e != net::error::none) {
        delete socket;
        return complete_irp(irp, to_ntstatus(e), 0);
    }
    socket->Dispatch = &connection_dispatch();
    registration.socket_opened();
    socket->publish();
    WSK_SOCKET* handle = socket;
    return complete_irp(irp, STATUS_SUCCESS, reinterpret_cast<ULONG_PTR>(handle));
}

NTSTATUS connection_socket::usable_locked() const noexcept {
    if (phase_ == socket_phase::closing) {
        return STATUS_INVALID_DEVICE_STATE;
    }
    if (forced_closed_) {
        return STATUS_FILE_FORCED_CLOSED;
    }
    return STATUS_SUCCESS;
}

void connection_socket::operation_finished() {
    PIRP close_irp = nullptr;
    {
        std::lock_guard lock(mutex_);
        --pending_;
        if (pending_ == 0 && close_irp_ != nullptr) {
            close_irp = close_irp_;
            close_irp_ = nullptr;
        }
    }
    if (close_irp != nullptr) {
        finish_close(close_irp, true);
    }
}

void connection_socket::finish_close(PIRP irp, bool pending) {
    registration_state& reg = registration();
    withdraw();
    delete this;
    reg.socket_closed();  // the last touch of the registration
    // Completed after the socket is gone: once the driver sees the close
    // complete, it may deregister at once.
    if (pending) {
        complete_pending(irp, STATUS_SUCCESS, 0);
    } else {
        complete_irp(irp, STATUS_SUCCESS, 0);
    }
}

NTSTATUS connection_socket::close(PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskCloseSocket"); !NT_SUCCESS(taken)) {
        return taken;  // the socket stays open
    }
    std::unique_lock lock(mutex_);
    const socket_phase was = phase_;
    phase_ = socket_phase::closing;
    // Not fully disconnected both ways: abort (the peer sees a reset).
    // Closing the host socket cancels every pending host operation; their
    // handlers complete the IRPs with STATUS_CANCELLED.
    const bool fully_disconnected = fin_sent_ && peer_closed_;
    if ((was == socket_phase::connected && !fully_disconnected) || was == socket_phase::connecting) {
        host_.close_abortive();
    } else {
        host_.close_graceful();
    }
    if (pending_ == 0) {
        lock.unlock();
        finish_close(irp, false);
        return STATUS_SUCCESS;
    }
    mark_pending(irp);
    close_irp_ = irp;  // the last pending IRP's completion finishes the close
    return STATUS_PENDING;
}

// ---- bind, connect, addresses --------------------------------------------------

NTSTATUS connection_socket::bind(PSOCKADDR local, ULONG flags, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskBind"); !NT_SUCCESS(taken)) {
        return taken;
    }
    std::unique_lock lock(mutex_);
    NTSTATUS status = usable_locked();
    net::endpoint ep;
    if (NT_SUCCESS(status) && phase_ != socket_phase::open) {
        status = STATUS_INVALID_DEVICE_STATE;  // bound already
    }
    if (NT_SUCCESS(status) && flags != 0) {
        status = STATUS_INVALID_PARAMETER;  // reserved
    }
    if (NT_SUCCESS(status)) {
        status = from_sockaddr(local, ep);
    }
    if (NT_SUCCESS(status) && ep.family != family_) {
        status = STATUS_INVALID_PARAMETER;
    }
    if (NT_SUCCESS(status)) {
        status = to_ntstatus(host_.bind(ep));
    }
    if (NT_SUCCESS(status)) {
        phase_ = socket_phase::bound;
    }
    lock.unlock();
    return complete_irp(irp, status, 0);
}

NTSTATUS connection_socket::connect(PSOCKADDR remote, ULONG flags, PIRP irp) {
    return connect_ex(remote, nullptr, flags, irp, "WskConnect");
}

NTSTATUS connection_socket::connect_ex(PSOCKADDR remote, PWSK_BUF buffer, ULONG flags, PIRP irp,
                                       const char* function) {
    if (NTSTATUS taken = take_irp(irp, function); !NT_SUCCESS(taken)) {
        return taken;
    }
    std::vector<net::const_buffer> initial;
    std::size_t total = 0;
    std::unique_lock lock(mutex_);
    NTSTATUS status = usable_locked();
    net::endpoint ep;
    if (NT_SUCCESS(status) && phase_ != socket_phase::bound) {
        status = STATUS_INVALID_DEVICE_STATE;  // not bound (no implicit bind), or connected or failed already
    }
    if (NT_SUCCESS(status) && flags != 0) {
        status = STATUS_INVALID_PARAMETER;
    }
    if (NT_SUCCESS(status)) {
        status = from_sockaddr(remote, ep);
    }
    if (NT_SUCCESS(status) && ep.family != family_) {
        status = STATUS_INVALID_PARAMETER;
    }
    if (NT_SUCCESS(status) && buffer != nullptr) {
        status = map_wsk_buf<net::const_buffer, const unsigned char>(buffer, initial, total);
        if (NT_SUCCESS(status) && total > max_connect_data) {
            status = STATUS_BUFFER_OVERFLOW;
        }
    }
    if (!NT_SUCCESS(status)) {
        lock.unlock();
        return complete_irp(irp, status, 0);
    }
    return start_connect_locked(ep, irp, false, std::move(initial));
}

NTSTATUS connection_socket::start_connect_locked(const net::endpoint& remote, PIRP irp, bool creates_socket,
                                                 std::vector<net::const_buffer> initial) {
    phase_ = socket_phase::connecting;
    auto* op = new connect_operation(*this, irp);
    op->creates_socket = creates_socket;
    op->initial = std::move(initial);
    ++pending_;
    mark_pending(irp);
    host_.async_connect(remote, [op](net::error e) {
        connection_socket& s = op->socket;
        NTSTATUS result = to_ntstatus(e);
        {
            std::lock_guard relock(s.mutex_);
            if (s.phase_ == socket_phase::connecting) {
                s.phase_ = e == net::error::none ? socket_phase::connected : socket_phase::connect_failed;
                if (e == net::error::none && !op->initial.empty() && !op->cancelled) {
                    // WskConnectEx: the initial data goes first, before any
                    // WskSend the driver issues once it sees the connect.
                    ++s.pending_sends_;
                    op->id = s.host_.async_send_all(op->initial, [op](net::error se, std::size_t n) {
                        connection_socket& owner = op->socket;
                        NTSTATUS sent = STATUS_SUCCESS;
                        {
                            std::lock_guard lock(owner.mutex_);
                            --owner.pending_sends_;
                            if (se != net::error::none) {
                                sent = to_ntstatus(se);
                                if (is_connection_fatal(se)) {
                                    owner.forced_closed_ = true;
                                } else if (se == net::error::cancelled && n > 0 &&
                                           owner.phase_ != socket_phase::closing) {
                                    owner.forced_closed_ = true;  // a partial message: abort, as for WskSend
                                    owner.host_.close_abortive();
                                }
                            }
                        }
                        operation::finish(op, sent, n);
                    });
                    return;
                }
                if (e == net::error::none && !op->initial.empty()) {
                    result = STATUS_CANCELLED;  // connected, but cancelled before the data went
                }
            } else if (s.phase_ == socket_phase::closing && e == net::error::none) {
                result = STATUS_CANCELLED;  // closed while the connect finished
            }
        }
        if (!op->creates_socket) {
            operation::finish(op, result, 0);
            return;
        }
        PIRP irp = op->irp();
        if (NT_SUCCESS(result)) {
            s.publish();
            WSK_SOCKET* handle = &s;
            operation::finish(op, STATUS_SUCCESS, reinterpret_cast<ULONG_PTR>(handle));
            return;
        }
        // The driver never saw this socket: free it as a close would, then
        // complete the IRP with the failure.
        if (IoSetCancelRoutine(irp, nullptr) == nullptr) {
            KIRQL irql;  // a cancel routine is running: let it return first
            IoAcquireCancelSpinLock(&irql);
            IoReleaseCancelSpinLock(irql);
        }
        delete op;
        registration_state& registration = s.registration();
        s.host_.close_abortive();
        delete &s;
        registration.socket_closed();
        complete_pending(irp, result, 0);
    });
    if (!arm_cancel(*op)) {
        host_.cancel();
    }
    return STATUS_PENDING;
}

NTSTATUS connection_socket::create_connected(registration_state& registration, USHORT socket_type, ULONG protocol,
                                             PSOCKADDR local, PSOCKADDR remote, ULONG flags, PVOID context,
                                             const WSK_CLIENT_CONNECTION_DISPATCH* dispatch, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskSocketConnect"); !NT_SUCCESS(taken)) {
        return taken;
    }
    net::endpoint local_ep;
    net::endpoint remote_ep;
    NTSTATUS status = STATUS_SUCCESS;
    if (flags != 0 || socket_type != SOCK_STREAM || protocol != IPPROTO_TCP) {
        status = STATUS_INVALID_PARAMETER;
    }
    if (NT_SUCCESS(status)) {
        status = from_sockaddr(local, local_ep);
    }
    if (NT_SUCCESS(status)) {
        status = from_sockaddr(remote, remote_ep);
    }
    if (NT_SUCCESS(status) && local_ep.family != remote_ep.family) {
        status = STATUS_INVALID_PARAMETER;
    }
    if (!NT_SUCCESS(status)) {
        return complete_irp(irp, status, 0);
    }
    auto* socket = new connection_socket(registration, local_ep.family, context, dispatch);
    net::error e = socket->host_.open(local_ep.family);
    if (e == net::error::none) {
        e = socket->host_.bind(local_ep);
    }
    if (e != net::error::none) {
        delete socket;
        return complete_irp(irp, to_ntstatus(e), 0);
    }
    socket->Dispatch = &connection_dispatch();
    socket->phase_ = socket_phase::bound;
    registration.socket_opened();
    std::lock_guard lock(socket->mutex_);
    return socket->start_connect_locked(remote_ep, irp, true, {});
}

NTSTATUS connection_socket::get_local_address(PSOCKADDR out, PIRP irp) {
    return report_address(out, irp, false);
}

NTSTATUS connection_socket::get_remote_address(PSOCKADDR out, PIRP irp) {
    return report_address(out, irp, true);
}

// WskGetLocalAddress (not bound: INVALID_DEVICE_STATE) and
// WskGetRemoteAddress (not connected: INVALID_DEVICE_STATE).
NTSTATUS connection_socket::report_address(PSOCKADDR out, PIRP irp, bool remote) {
    if (NTSTATUS taken = take_irp(irp, remote ? "WskGetRemoteAddress" : "WskGetLocalAddress"); !NT_SUCCESS(taken)) {
        return taken;
    }
    std::unique_lock lock(mutex_);
    NTSTATUS status = usable_locked();
    net::endpoint ep;
    const bool available = remote ? phase_ == socket_phase::connected : phase_ != socket_phase::open;
    if (NT_SUCCESS(status) && !available) {
        status = STATUS_INVALID_DEVICE_STATE;
    }
    if (NT_SUCCESS(status) && out == nullptr) {
        status = STATUS_INVALID_PARAMETER;
    }
    if (NT_SUCCESS(status)) {
        status = to_ntstatus(remote ? host_.remote_endpoint(ep) : host_.local_endpoint(ep));
    }
    lock.unlock();
    if (NT_SUCCESS(status)) {
        to_sockaddr(ep, out);
    }
    return complete_irp(irp, status, 0);
}

// ---- send ----------------------------------------------------------------------

NTSTATUS connection_socket::send(PWSK_BUF buffer, ULONG flags, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskSend"); !NT_SUCCESS(taken)) {
        return taken;
    }
    std::vector<net::const_buffer> pieces;
    std::size_t total = 0;
    std::unique_lock lock(mutex_);
    NTSTATUS status = usable_locked();
    if (NT_SUCCESS(status) && phase_ != socket_phase::connected) {
        status = STATUS_INVALID_DEVICE_STATE;
    }
    if (NT_SUCCESS(status) && send_shut_) {
        status = STATUS_INVALID_DEVICE_STATE;  // after WskDisconnect
    }
    if (NT_SUCCESS(status) && (flags & ~ULONG{WSK_FLAG_NODELAY}) != 0) {
        status = STATUS_NOT_SUPPORTED;
    }
    if (NT_SUCCESS(status)) {
        status = map_wsk_buf<net::const_buffer, const unsigned char>(buffer, pieces, total);
    }
    if (!NT_SUCCESS(status) || total == 0) {
        lock.unlock();
        return complete_irp(irp, status, 0);
    }
    if ((flags & WSK_FLAG_NODELAY) != 0) {
        // No per-send flush exists on the host: Nagle is switched off for
        // the socket from now on (it can only make later sends leave sooner).
        host_.set_option(net::socket_option::no_delay, 1);
    }
    std::size_t sent = 0;
    // Inline only when no send is queued (bytes and completions keep their
    // order) and not from inside one of our completions (no nesting).
    if (pending_sends_ == 0 && !in_completion()) {
        const net::io_result r = host_.try_send(pieces);
        if (r.err == net::error::none && r.bytes == total) {
            lock.unlock();
            return complete_irp(irp, STATUS_SUCCESS, total);
        }
        if (r.err != net::error::none && r.err != net::error::would_block) {
            if (is_connection_fatal(r.err)) {
                forced_closed_ = true;
            }
            lock.unlock();
            return complete_irp(irp, to_ntstatus(r.err), 0);
        }
        sent = r.bytes;
        advance_pieces(pieces, sent);
    }
    auto* op = new send_operation(*this, irp);
    op->done = sent;
    ++pending_;
    ++pending_sends_;
    mark_pending(irp);
    op->id = host_.async_send_all(pieces, [op](net::error e, std::size_t n) {
        connection_socket& s = op->socket;
        const std::size_t bytes = op->done + n;
        NTSTATUS result = STATUS_SUCCESS;
        {
            std::lock_guard relock(s.mutex_);
            --s.pending_sends_;
            if (e != net::error::none) {
                result = to_ntstatus(e);
                if (is_connection_fatal(e)) {
                    s.forced_closed_ = true;
                } else if (e == net::error::cancelled && bytes > 0 && s.phase_ != socket_phase::closing) {
                    // Part of the message is on the stream: the connection
                    // cannot carry the rest in order any more; abort it, as
                    // Windows' providers do.
                    s.forced_closed_ = true;
                    s.host_.close_abortive();
                }
            }
        }
        operation::finish(op, result, bytes);
    });
    if (!arm_cancel(*op)) {
        host_.cancel(op->id);
    }
    return STATUS_PENDING;
}

// ---- disconnect ----------------------------------------------------------------

NTSTATUS connection_socket::disconnect(PWSK_BUF buffer, ULONG flags, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskDisconnect"); !NT_SUCCESS(taken)) {
        return taken;
    }
    std::vector<net::const_buffer> pieces;
    std::size_t total = 0;
    std::unique_lock lock(mutex_);
    NTSTATUS status = usable_locked();
    if (NT_SUCCESS(status) && phase_ != socket_phase::connected) {
        status = STATUS_INVALID_DEVICE_STATE;
    }
    if (NT_SUCCESS(status) && flags != 0 && flags != WSK_FLAG_ABORTIVE) {
        status = STATUS_NOT_SUPPORTED;
    }
    if (NT_SUCCESS(status) && flags == WSK_FLAG_ABORTIVE) {
        if (buffer != nullptr) {
            status = STATUS_INVALID_PARAMETER;
        } else {
            // Pending sends and receives complete with STATUS_CANCELLED; the
            // peer sees a reset; nothing more can be done but close.
            forced_closed_ = true;
            fin_sent_ = true;
            peer_closed_ = true;  // nothing left to abort at close
            host_.close_abortive();
        }
        lock.unlock();
        return complete_irp(irp, status, 0);
    }
    if (NT_SUCCESS(status) && send_shut_) {
        status = STATUS_INVALID_DEVICE_STATE;  // disconnected already
    }
    if (NT_SUCCESS(status) && buffer != nullptr) {
        status = map_wsk_buf<net::const_buffer, const unsigned char>(buffer, pieces, total);
    }
    if (!NT_SUCCESS(status)) {
        lock.unlock();
        return complete_irp(irp, status, 0);
    }
    send_shut_ = true;
    auto* op = new disconnect_operation(*this, irp);
    ++pending_;
    mark_pending(irp);
    if (total > 0) {
        ++pending_sends_;
        op->id = host_.async_send_all(pieces, [op](net::error e, std::size_t n) {
            connection_socket& s = op->socket;
            std::lock_guard relock(s.mutex_);
            --s.pending_sends_;
            op->done = n;
            op->id = 0;
            if (e != net::error::none) {
                op->send_status = to_ntstatus(e);
                if (is_connection_fatal(e)) {
                    s.forced_closed_ = true;
                }
            }
        });
    }
    // The FIN goes after every send queued before it, the final buffer included.
    host_.async_shutdown_send([op](net::error e) {
        connection_socket& s = op->socket;
        NTSTATUS result;
        {
            std::lock_guard relock(s.mutex_);
            result = op->send_status;
            if (NT_SUCCESS(result) && op->cancelled) {
                result = STATUS_CANCELLED;
            }
            if (NT_SUCCESS(result) && e != net::error::none) {
                result = to_ntstatus(e);
            }
            if (e == net::error::none) {
                s.fin_sent_ = true;
            }
        }
        op->settle(result);
    });
    if (!arm_cancel(*op)) {
        op->cancelled = true;
        if (op->id != 0) {
            host_.cancel(op->id);
        }
    }
    return STATUS_PENDING;
}

// ---- receive -------------------------------------------------------------------

void connection_socket::start_receive_locked(receive_operation* op) {
    auto handler = [op](net::error e, std::size_t n) {
        connection_socket& s = op->socket;
        NTSTATUS result = STATUS_SUCCESS;
        std::size_t bytes = op->done + n;
        {
            std::lock_guard relock(s.mutex_);
            if (op->drain_buffer && e == net::error::none && !op->cancelled && s.phase_ != socket_phase::closing) {
                s.start_receive_locked(op);  // drop what came and read on
                return;
            }
            --s.pending_receives_;
            if (op->drain_buffer) {
                bytes = 0;  // nothing was copied to the driver
            }
            if (e == net::error::end_of_stream) {
                s.peer_closed_ = true;
            } else if (e == net::error::none && op->drain_buffer) {
                result = STATUS_CANCELLED;  // stopped by cancel or close between two reads
            } else if (e != net::error::none) {
                result = to_ntstatus(e);
                if (is_connection_fatal(e)) {
                    s.forced_closed_ = true;
                }
            }
        }
        operation::finish(op, result, bytes);
    };
    if (op->drain_buffer) {
        const net::mutable_buffer scratch{op->drain_buffer.get(), drain_buffer_size};
        op->id = host_.async_receive(std::span(&scratch, 1), net::receive_mode::some, std::move(handler));
    } else {
        op->id = host_.async_receive(op->pieces, op->mode, std::move(handler));
    }
}

NTSTATUS connection_socket::receive(PWSK_BUF buffer, ULONG flags, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskReceive"); !NT_SUCCESS(taken)) {
        return taken;
    }
    std::vector<net::mutable_buffer> pieces;
    std::size_t total = 0;
    const bool wait_all = (flags & WSK_FLAG_WAITALL) != 0;
    const bool drain = (flags & WSK_FLAG_DRAIN) != 0;
    std::unique_lock lock(mutex_);
    NTSTATUS status = usable_locked();
    if (NT_SUCCESS(status) && phase_ != socket_phase::connected) {
        status = STATUS_INVALID_DEVICE_STATE;
    }
    if (NT_SUCCESS(status) && (flags & ~ULONG{WSK_FLAG_WAITALL | WSK_FLAG_DRAIN}) != 0) {
        status = STATUS_NOT_SUPPORTED;
    }
    if (NT_SUCCESS(status) && wait_all && drain) {
        status = STATUS_INVALID_PARAMETER;  // mutually exclusive
    }
    if (NT_SUCCESS(status)) {
        status = map_wsk_buf<net::mutable_buffer, unsigned char>(buffer, pieces, total);
    }
    if (NT_SUCCESS(status) && drain && total != 0) {
        status = STATUS_INVALID_PARAMETER;
    }
    if (!NT_SUCCESS(status) || (total == 0 && !drain) || peer_closed_) {
        // A zero-length receive, or one after the peer's FIN: completes now,
        // with 0 bytes.
        lock.unlock();
        return complete_irp(irp, status, 0);
    }
    std::size_t received = 0;
    if (!drain && pending_receives_ == 0 && !in_completion()) {
        const net::io_result r = host_.try_receive(pieces);
        if (r.err == net::error::none && (!wait_all || r.bytes == total)) {
            lock.unlock();
            return complete_irp(irp, STATUS_SUCCESS, r.bytes);
        }
        if (r.err == net::error::end_of_stream) {
            peer_closed_ = true;
            lock.unlock();
            return complete_irp(irp, STATUS_SUCCESS, 0);
        }
        if (r.err != net::error::none && r.err != net::error::would_block) {
            if (is_connection_fatal(r.err)) {
                forced_closed_ = true;
            }
            lock.unlock();
            return complete_irp(irp, to_ntstatus(r.err), 0);
        }
        received = r.bytes;
        advance_pieces(pieces, received);
    }
    auto* op = new receive_operation(*this, irp);
    op->done = received;
    op->pieces = std::move(pieces);
    op->mode = wait_all ? net::receive_mode::all : net::receive_mode::some;
    if (drain) {
        op->drain_buffer = std::make_unique<unsigned char[]>(drain_buffer_size);
    }
    ++pending_;
    ++pending_receives_;
    mark_pending(irp);
    start_receive_locked(op);
    if (!arm_cancel(*op)) {
        op->cancelled = true;
        host_.cancel(op->id);
    }
    return STATUS_PENDING;
}

}  // namespace wskemu::wsk

namespace wskemu::wsk {

// ---- WskControlSocket ------------------------------------------------------------

namespace {

// The options connection sockets support now: Windows (level, option) to
// net::socket_option.
struct option_entry {
    ULONG level;
    ULONG code;
    net::socket_option option;
    bool boolean;
    bool before_bind;  // only settable before WskBind
};

constexpr option_entry options[] = {
    {SOL_SOCKET, SO_KEEPALIVE, net::socket_option::keep_alive, true, false},
    {SOL_SOCKET, SO_REUSEADDR, net::socket_option::reuse_address, true, true},
    {SOL_SOCKET, static_cast<ULONG>(SO_EXCLUSIVEADDRUSE), net::socket_option::exclusive_address_use, true, true},
    {SOL_SOCKET, SO_RCVBUF, net::socket_option::receive_buffer_size, false, false},
    {SOL_SOCKET, SO_SNDBUF, net::socket_option::send_buffer_size, false, false},
    {IPPROTO_TCP, TCP_NODELAY, net::socket_option::no_delay, true, false},
};

const option_entry* find_option(ULONG level, ULONG code) {
    for (const option_entry& entry : options) {
        if (entry.level == level && entry.code == code) {
            return &entry;
        }
    }
    return nullptr;
}

}  // namespace

NTSTATUS connection_socket::control(WSK_CONTROL_SOCKET_TYPE type, ULONG code, ULONG level, SIZE_T input_size,
                                    PVOID input, SIZE_T output_size, PVOID output, SIZE_T* output_size_returned,
                                    PIRP irp) {
    (void)output_size_returned;  // every supported request needs an IRP; the size goes to Information
    const option_entry* entry =
        (type == WskSetOption || type == WskGetOption) ? find_option(level, code) : nullptr;
    if (entry == nullptr) {
        static std::atomic<bool> logged{false};
        if (!logged.exchange(true)) {
            kernel::log().warn("WskControlSocket: request type {}, level {:#x}, code {:#x} is not implemented yet: "
                               "returning STATUS_NOT_IMPLEMENTED (logged once)",
                               static_cast<int>(type), level, code);
        }
        if (irp == nullptr) {
            return STATUS_NOT_IMPLEMENTED;
        }
        if (NTSTATUS taken = take_irp(irp, "WskControlSocket"); !NT_SUCCESS(taken)) {
            return taken;
        }
        return complete_irp(irp, STATUS_NOT_IMPLEMENTED, 0);
    }
    // The standard options require an IRP for set and get (reference §5).
    if (NTSTATUS taken = take_irp(irp, "WskControlSocket"); !NT_SUCCESS(taken)) {
        return taken;
    }
    std::unique_lock lock(mutex_);
    NTSTATUS status = usable_locked();
    ULONG_PTR information = 0;
    if (NT_SUCCESS(status) && type == WskSetOption) {
        ULONG value = 0;
        if (input == nullptr || input_size < sizeof(ULONG)) {
            status = STATUS_INVALID_PARAMETER;
        } else {
            std::memcpy(&value, input, sizeof(value));
            if (entry->before_bind && phase_ != socket_phase::open) {
                status = STATUS_INVALID_DEVICE_STATE;
            } else if (!entry->boolean && value > 0x7FFFFFFFu) {
                status = STATUS_INVALID_PARAMETER;
            } else {
                const int host_value = entry->boolean ? (value != 0 ? 1 : 0) : static_cast<int>(value);
                status = to_ntstatus(host_.set_option(entry->option, host_value));
            }
        }
    } else if (NT_SUCCESS(status)) {
        int value = 0;
        if (output == nullptr || output_size < sizeof(ULONG)) {
            status = STATUS_INVALID_PARAMETER;
        } else {
            status = to_ntstatus(host_.get_option(entry->option, value));
        }
        if (NT_SUCCESS(status)) {
            const ULONG out = static_cast<ULONG>(value);
            std::memcpy(output, &out, sizeof(out));
            information = sizeof(ULONG);
        }
    }
    lock.unlock();
    return complete_irp(irp, status, information);
}

}  // namespace wskemu::wsk
