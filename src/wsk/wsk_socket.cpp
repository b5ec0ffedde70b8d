// wskemu: WSK connection sockets over net::tcp_socket (docs/semantics.md,
// "Connection sockets").
#include "wsk/wsk_socket_ops.hpp"

#include "kernel/bug_check.hpp"
#include "kernel/log.hpp"
#include "kernel/mm_mdl.hpp"
#include "runtime/scheduler.hpp"
#include "wsk/wsk_address.hpp"
#include "wsk/wsk_buf.hpp"
#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_status.hpp"
#include "wsk/wsk_trace.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <vector>

namespace wskemu::wsk {

using socket_limits::max_connect_data;

// ---- life ----------------------------------------------------------------------

connection_socket::connection_socket(registration_state& registration, net::address_family family, PVOID context,
                                     const WSK_CLIENT_CONNECTION_DISPATCH* dispatch, ULONG static_events)
    : socket_base(socket_category::connection, registration, context),
      family_(family),
      client_dispatch_(dispatch),
      events_(static_events) {}

connection_socket::~connection_socket() {
    if (event_record_ != nullptr) {
        free_record(event_record_);  // a socket freed without its close (a failed create)
    }
}

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
    auto* socket = new connection_socket(registration, *net_family, context, dispatch,
                                         static_events_for(registration, category_of));
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
        if (pending_ == 0 && events_closed_ && close_irp_ != nullptr) {
            close_irp = close_irp_;
            close_irp_ = nullptr;
        }
    }
    if (close_irp != nullptr) {
        finish_close(close_irp, true);
    }
}

NTSTATUS connection_socket::finish_close(PIRP irp, bool pending) {
    // Completions of this socket's calls that test control deferred come
    // before the close's own: no completion follows a completed close.
    rt::flush_socket(key());
    release_event_side();
    registration_state& reg = registration();
    withdraw();
    delete this;
    reg.socket_closed();  // the last touch of the registration
    // Completed after the socket is gone: once the driver sees the close
    // complete, it may deregister at once.
    if (pending) {
        complete_pending(irp, STATUS_SUCCESS, 0);
        return STATUS_PENDING;
    }
    return complete_irp(irp, STATUS_SUCCESS, 0);
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
    // Receives waiting behind the event side have no host operation to cancel.
    for (receive_operation* op : waiting_receives_) {
        op->cancelled = true;
    }
    if (!waiting_receives_.empty()) {
        request_serve_locked();
    }
    lock.unlock();
    // No callback starts from now on; the close goes on once none runs.
    events_.close([this] {
        PIRP close_irp = nullptr;
        {
            std::lock_guard relock(mutex_);
            events_closed_ = true;
            if (pending_ == 0 && close_irp_ != nullptr) {
                close_irp = close_irp_;
                close_irp_ = nullptr;
            }
        }
        if (close_irp != nullptr) {
            finish_close(close_irp, true);
        }
    });
    lock.lock();
    if (pending_ == 0 && events_closed_) {
        lock.unlock();
        return finish_close(irp, false);
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
                trace_connected(s, e);
                if (e == net::error::none && !op->creates_socket) {
                    s.connected_locked();  // static events start
                }
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
                            trace_sent(owner, op->initial, n, se);
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
                        io_operation::finish(op, sent, n);
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
            io_operation::finish(op, result, 0);
            return;
        }
        PIRP irp = op->irp();
        if (NT_SUCCESS(result)) {
            s.publish();
            {
                // Static events start once the socket is live (their
                // callbacks check that it is).
                std::lock_guard relock(s.mutex_);
                s.connected_locked();
            }
            WSK_SOCKET* handle = &s;
            io_operation::finish(op, STATUS_SUCCESS, reinterpret_cast<ULONG_PTR>(handle));
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
    auto* socket = new connection_socket(registration, local_ep.family, context, dispatch,
                                         static_events_for(registration, category_of));
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

}  // namespace wskemu::wsk
