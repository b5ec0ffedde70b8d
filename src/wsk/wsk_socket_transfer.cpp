// wskemu: the data path of WSK connection sockets: WskSend, WskDisconnect,
// WskReceive (docs/semantics.md, "Connection sockets").
#include "wsk/wsk_socket_ops.hpp"

#include "kernel/irql.hpp"
#include "kernel/log.hpp"
#include "runtime/faults.hpp"
#include "runtime/scheduler.hpp"
#include "wsk/wsk_buf.hpp"
#include "wsk/wsk_call.hpp"
#include "wsk/wsk_status.hpp"
#include "wsk/wsk_trace.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace wskemu::wsk {

using socket_limits::drain_buffer_size;

// ---- test control's limits -------------------------------------------------------

namespace {

// The inline policy's wait for the host, if the running call may block for it.
std::chrono::milliseconds grace_for_call() {
    const call_context* call = current_call();
    if (call == nullptr || !call->choice.grace_wait || kernel::current_irql() >= DISPATCH_LEVEL) {
        return std::chrono::milliseconds{0};
    }
    return std::chrono::milliseconds{rt::inline_grace_ms()};
}

const call_context* limited_call(const connection_socket* socket) {
    const call_context* call = current_call();
    return call != nullptr && call->limited && call->socket == socket ? call : nullptr;
}

std::uint64_t remaining_before(std::uint64_t mark, std::uint64_t used) { return mark > used ? mark - used : 0; }

// The end of the inline policy's wait; the clock is read only when there is one.
std::chrono::steady_clock::time_point grace_deadline(std::chrono::milliseconds grace) {
    return grace.count() > 0 ? std::chrono::steady_clock::now() + grace : std::chrono::steady_clock::time_point{};
}

// Waits within the grace period for the host socket to be ready; false when
// there is no grace, it is over, or the socket did not become ready.
bool wait_for_host(net::tcp_socket& host, bool for_send, std::chrono::milliseconds grace,
                   std::chrono::steady_clock::time_point deadline) {
    if (grace.count() == 0) {
        return false;
    }
    const auto now = std::chrono::steady_clock::now();
    return now < deadline && host.wait_ready(for_send, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                           deadline - now)) == net::error::none;
}

// How long a receive about to pend polls the host socket on the calling
// thread. A pending receive is completed by an engine thread, which then
// wakes the driver's thread: two wake-ups where a blocking recv() has one.
// The reply of a request/response exchange on loopback usually arrives
// within this window (docs/performance.md).
constexpr std::chrono::microseconds receive_poll_window{50};
// The poll spins on the socket's readiness, not on recv(): a recv() takes
// the host socket's lock, and the segments that arrive while it is held are
// queued to its backlog, then processed on this thread. Streaming into a
// receiver that polled this way cost a fifth more recv() calls and half
// again the kernel time per byte (docs/performance.md, sixth session).
void await_readable(net::tcp_socket& host, std::chrono::steady_clock::time_point end) {
    while (host.wait_ready(false, std::chrono::milliseconds{0}) == net::error::would_block &&
           std::chrono::steady_clock::now() < end) {
    }
}

// After polls that found nothing, a socket skips the next 1, 3, 7 ... 63
// receives' polls, so a socket whose data comes slowly (or a busy machine)
// pays for almost none.
constexpr unsigned receive_poll_max_backoff = 6;

}  // namespace

bool connection_socket::may_poll_before_pending_locked() {
    // Not on an engine thread, which serves every socket; not in
    // deterministic mode, where completions wait for the test's order.
    if (host_.on_engine_thread() || rt::deterministic()) {
        return false;
    }
    if (receive_poll_skips_ > 0) {
        --receive_poll_skips_;
        return false;
    }
    return true;
}

void connection_socket::poll_ended_locked(bool found_data) noexcept {
    if (found_data) {
        receive_poll_misses_ = 0;
        return;
    }
    receive_poll_misses_ = std::min(receive_poll_misses_ + 1, receive_poll_max_backoff);
    receive_poll_skips_ = (1U << receive_poll_misses_) - 1;
}

connection_socket::transfer_limit connection_socket::send_limit_locked(std::size_t total) const {
    transfer_limit limit{total};
    if (const call_context* call = limited_call(this)) {
        limit.bytes = static_cast<std::size_t>(std::min<std::uint64_t>(total, call->byte_limit));
        limit.then = call->then_status;
    }
    if (rt::active()) {
        const rt::byte_marks marks = rt::marks_for(key());
        if (marks.reset_after_sent != rt::byte_marks::none) {
            const std::uint64_t remaining = remaining_before(marks.reset_after_sent, bytes_sent_);
            if (remaining < limit.bytes) {
                limit.bytes = static_cast<std::size_t>(remaining);  // this send crosses the mark
                limit.then = STATUS_CONNECTION_RESET;
            }
        }
    }
    return limit;
}

connection_socket::transfer_limit connection_socket::receive_limit_locked(std::size_t total, bool wait_all) const {
    transfer_limit limit{total};
    if (const call_context* call = limited_call(this)) {
        limit.bytes = static_cast<std::size_t>(std::min<std::uint64_t>(total, call->byte_limit));
        limit.then = call->then_status;
    }
    if (!rt::active()) {
        return limit;
    }
    const rt::byte_marks marks = rt::marks_for(key());
    if (marks.short_receive != rt::byte_marks::none && !wait_all) {
        limit.bytes = static_cast<std::size_t>(std::min<std::uint64_t>(limit.bytes, marks.short_receive));
    }
    const std::uint64_t used = bytes_received_ + receive_reserved_;
    if (marks.reset_after_received != rt::byte_marks::none) {
        const std::uint64_t remaining = remaining_before(marks.reset_after_received, used);
        if (remaining == 0) {
            limit.bytes = 0;
            limit.then = STATUS_CONNECTION_RESET;  // the data before the reset has been delivered
            return limit;
        }
        limit.bytes = static_cast<std::size_t>(std::min<std::uint64_t>(limit.bytes, remaining));
    }
    if (marks.close_after_received != rt::byte_marks::none) {
        const std::uint64_t remaining = remaining_before(marks.close_after_received, used);
        if (remaining == 0) {
            limit.bytes = 0;
            limit.end_of_stream = true;
            return limit;
        }
        limit.bytes = static_cast<std::size_t>(std::min<std::uint64_t>(limit.bytes, remaining));
    }
    return limit;
}

void connection_socket::received_locked(std::size_t reserved, std::size_t bytes) {
    receive_reserved_ -= reserved;
    bytes_received_ += bytes;
    if (rt::active()) {
        const rt::byte_marks marks = rt::marks_for(key());
        if (marks.close_after_received != rt::byte_marks::none && bytes_received_ >= marks.close_after_received) {
            peer_closed_ = true;  // the simulated FIN: later receives complete with 0 bytes
        }
    }
}

void connection_socket::break_connection_locked(NTSTATUS status) {
    if (injected_end_ == STATUS_SUCCESS) {
        injected_end_ = status;
    }
    forced_closed_ = true;
    trace_reset(*this);
    host_.close_abortive();
}

NTSTATUS connection_socket::ended_status_locked(net::error e, bool cancelled_by_driver, NTSTATUS natural) const
    noexcept {
    if (e == net::error::cancelled && !cancelled_by_driver && injected_end_ != STATUS_SUCCESS &&
        phase_ != socket_phase::closing) {
        return injected_end_;
    }
    return natural;
}

void connection_socket::injected_failure(operation op, NTSTATUS status) {
    std::lock_guard lock(mutex_);
    if (op == operation::connect && (phase_ == socket_phase::bound || phase_ == socket_phase::connecting)) {
        phase_ = socket_phase::connect_failed;  // as a host connect failure: only close is left
    } else if (breaks_connection(status) && phase_ == socket_phase::connected) {
        break_connection_locked(status);
    }
}

// ---- send ----------------------------------------------------------------------

NTSTATUS connection_socket::send(PWSK_BUF buffer, ULONG flags, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskSend"); !NT_SUCCESS(taken)) {
        return taken;
    }
    std::size_t total = 0;
    std::unique_lock lock(mutex_);
    std::vector<net::const_buffer>& pieces = send_pieces_;  // used only under the lock
    pieces.clear();
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
    const transfer_limit limit = send_limit_locked(total);
    if (limit.bytes < total) {
        truncate_pieces(pieces, limit.bytes);
        total = limit.bytes;
    }
    if (total == 0) {
        // The connection breaks before any of this send goes.
        NTSTATUS result = limit.then;
        if (!NT_SUCCESS(result)) {
            break_connection_locked(result);
        }
        lock.unlock();
        return complete_irp(irp, result, 0);
    }
    bytes_sent_ += total;
    if ((flags & WSK_FLAG_NODELAY) != 0) {
        // No per-send flush exists on the host: Nagle is switched off for
        // the socket from now on (it can only make later sends leave sooner).
        host_.set_option(net::socket_option::no_delay, 1);
    }
    std::size_t sent = 0;
    // Inline only when no send is queued (bytes and completions keep their
    // order) and, unless the policy allows nesting, not from inside one of
    // our completions.
    if (pending_sends_ == 0 && may_complete_inline()) {
        const auto grace = grace_for_call();
        const auto deadline = grace_deadline(grace);
        for (;;) {
            net::io_result r = host_.try_send(pieces);
            if (r.err == net::error::would_block) {
                r.err = net::error::none;
            }
            trace_sent(*this, pieces, r.bytes, r.err);
            if (r.err != net::error::none) {
                if (is_connection_fatal(r.err)) {
                    forced_closed_ = true;
                }
                lock.unlock();
                return complete_irp(irp, to_ntstatus(r.err), sent);
            }
            sent += r.bytes;
            advance_pieces(pieces, r.bytes);
            if (sent == total) {
                NTSTATUS result = STATUS_SUCCESS;
                if (!NT_SUCCESS(limit.then)) {
                    result = limit.then;
                    break_connection_locked(result);
                }
                lock.unlock();
                return complete_irp(irp, result, total);
            }
            if (!wait_for_host(host_, true, grace, deadline)) {
                break;
            }
        }
    }
    auto* op = new send_operation(*this, irp);
    op->done = sent;
    op->then = limit.then;
    ++pending_;
    ++pending_sends_;
    mark_pending(irp);
    keep_for_trace(op->kept, pieces);
    op->id = host_.async_send_all(pieces, [op](net::error e, std::size_t n) {
        connection_socket& s = op->socket;
        const std::size_t bytes = op->done + n;
        NTSTATUS result = STATUS_SUCCESS;
        {
            std::lock_guard relock(s.mutex_);
            --s.pending_sends_;
            trace_sent(s, op->kept, n, e);
            if (e == net::error::none && !NT_SUCCESS(op->then)) {
                result = op->then;  // every byte before the break went
                s.break_connection_locked(result);
            } else if (e != net::error::none) {
                result = s.ended_status_locked(e, op->cancelled, to_ntstatus(e));
                if (is_connection_fatal(e)) {
                    s.forced_closed_ = true;
                } else if (e == net::error::cancelled && bytes > 0 && s.phase_ != socket_phase::closing &&
                           !s.forced_closed_) {
                    // Part of the message is on the stream: the connection
                    // cannot carry the rest in order any more; abort it, as
                    // Windows' providers do.
                    s.forced_closed_ = true;
                    s.host_.close_abortive();
                }
            }
        }
        io_operation::finish(op, result, bytes);
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
            trace_reset(*this);
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
        keep_for_trace(op->kept, pieces);
        op->id = host_.async_send_all(pieces, [op](net::error e, std::size_t n) {
            connection_socket& s = op->socket;
            std::lock_guard relock(s.mutex_);
            --s.pending_sends_;
            trace_sent(s, op->kept, n, e);
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
                trace_fin_sent(s);
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
            trace_receive_finished(s, *op, n, e);
            if (op->drain_buffer && e == net::error::none && !op->cancelled && s.phase_ != socket_phase::closing) {
                s.start_receive_locked(op);  // drop what came and read on
                return;
            }
            --s.pending_receives_;
            if (op->drain_buffer) {
                bytes = 0;  // nothing was copied to the driver
            }
            s.received_locked(op->reserved, bytes);
            if (e == net::error::end_of_stream) {
                s.peer_closed_ = true;
            } else if (e == net::error::none && op->drain_buffer) {
                result = STATUS_CANCELLED;  // stopped by cancel or close between two reads
            } else if (e == net::error::none && !NT_SUCCESS(op->then)) {
                result = op->then;  // the bytes before the break arrived
                s.break_connection_locked(result);
            } else if (e != net::error::none) {
                result = s.ended_status_locked(e, op->cancelled, to_ntstatus(e));
                if (is_connection_fatal(e)) {
                    s.forced_closed_ = true;
                    s.peer_aborted_ = true;
                }
            }
        }
        s.finish_receive(op, result, bytes);
    };
    if (op->drain_buffer) {
        const net::mutable_buffer scratch{op->drain_buffer.get(), drain_buffer_size};
        op->id = host_.async_receive(std::span(&scratch, 1), net::receive_mode::some, std::move(handler));
    } else {
        op->id = host_.async_receive(op->pieces, op->mode, std::move(handler));
    }
}

void connection_socket::finish_receive(receive_operation* op, NTSTATUS status, std::size_t bytes) {
    complete_pending(op->irp(), status, bytes);
    delete op;
    resume_after_receive();
    operation_finished();
}

NTSTATUS connection_socket::receive(PWSK_BUF buffer, ULONG flags, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskReceive"); !NT_SUCCESS(taken)) {
        return taken;
    }
    std::size_t total = 0;
    const bool wait_all = (flags & WSK_FLAG_WAITALL) != 0;
    const bool drain = (flags & WSK_FLAG_DRAIN) != 0;
    std::unique_lock lock(mutex_);
    std::vector<net::mutable_buffer>& pieces = receive_pieces_;  // used only under the lock
    pieces.clear();
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
    if (!NT_SUCCESS(status)) {
        lock.unlock();
        return complete_irp(irp, status, 0);
    }
    // The event side owns the next bytes (its read, or a chain the driver is
    // being shown): this receive waits for it, and gets what it leaves first.
    if (event_side_busy_locked() || (!kept_.empty() && !may_complete_inline())) {
        return wait_for_event_side_locked(irp, std::move(pieces), wait_all, drain);
    }
    if (drain) {
        drop_kept_locked();
    }
    if ((total == 0 && !drain) || (peer_closed_ && kept_.empty())) {
        // A zero-length receive, or one after the peer's FIN: completes now,
        // with 0 bytes (and lets indications resume).
        const bool resume = may_resume_events_locked();
        lock.unlock();
        const NTSTATUS completed = complete_irp(irp, status, 0);
        if (resume) {
            resume_after_receive();
        }
        return completed;
    }
    // Initialised, not assigned: an assignment copies the 13 bytes of the
    // struct as two overlapping 8-byte moves right after the call stored it,
    // and each of the loads waits for the stores to leave the store buffer.
    const transfer_limit limit = drain ? transfer_limit{total} : receive_limit_locked(total, wait_all);
    if (!drain) {
        if (limit.end_of_stream) {
            peer_closed_ = true;
            lock.unlock();
            return complete_irp(irp, STATUS_SUCCESS, 0);
        }
        if (limit.bytes == 0 && !NT_SUCCESS(limit.then)) {
            break_connection_locked(limit.then);
            lock.unlock();
            return complete_irp(irp, limit.then, 0);
        }
        if (limit.bytes < total) {
            truncate_pieces(pieces, limit.bytes);
            total = limit.bytes;
        }
        receive_reserved_ += total;
    }
    // A receive that ends in a break first fills its (limited) buffer.
    const bool fill = wait_all || !NT_SUCCESS(limit.then);
    const std::size_t reserved = drain ? 0 : total;
    // Completes inline (WAITALL: once the buffer is full).
    auto finish_inline = [&](NTSTATUS result, std::size_t bytes) {
        received_locked(reserved, bytes);
        if (NT_SUCCESS(result) && !NT_SUCCESS(limit.then) && bytes == total) {
            result = limit.then;
            break_connection_locked(result);
        }
        const bool resume = may_resume_events_locked();
        lock.unlock();
        const NTSTATUS completed = complete_irp(irp, result, bytes);
        if (resume) {
            resume_after_receive();
        }
        return completed;
    };
    // Bytes the provider kept (refused by the receive event, or read ahead) come first.
    std::size_t received = drain ? 0 : take_kept_locked(pieces);
    if (received > 0 && (received == total || !fill || peer_closed_)) {
        return finish_inline(STATUS_SUCCESS, received);
    }
    if (!drain && pending_receives_ == 0 && may_complete_inline()) {
        const auto grace = grace_for_call();
        const auto deadline = grace_deadline(grace);
        // Set while the poll before pending runs (no grace, nothing received).
        bool polling = false;
        std::chrono::steady_clock::time_point poll_end{};
        // A small receive reads ahead, where nothing else may see the
        // stream's next bytes first: no event, no test control (its byte
        // marks and faults count bytes per call), nothing kept.
        const bool read_ahead = total < socket_limits::read_ahead_below && !fill && kept_.empty() &&
                                !rt::active() && !events_.enabled(WSK_EVENT_RECEIVE) &&
                                !events_.enabled(WSK_EVENT_DISCONNECT);
        for (;;) {
            net::io_result r;
            if (read_ahead) {
                r = receive_ahead_locked(pieces, polling);
            } else {
                r = host_.try_receive(pieces);
                if (!polling || r.err != net::error::would_block) {
                    trace_received(*this, pieces, r.bytes, r.err);
                }
            }
            if (polling && r.err != net::error::would_block) {
                poll_ended_locked(true);
                polling = false;
            }
            if (r.err == net::error::none) {
                received += r.bytes;
                advance_pieces(pieces, r.bytes);
                if (received == total || (!fill && received > 0)) {
                    return finish_inline(STATUS_SUCCESS, received);
                }
            } else if (r.err == net::error::end_of_stream) {
                peer_closed_ = true;
                return finish_inline(STATUS_SUCCESS, received);
            } else if (r.err != net::error::would_block) {
                if (is_connection_fatal(r.err)) {
                    forced_closed_ = true;
                    peer_aborted_ = true;
                }
                return finish_inline(to_ntstatus(r.err), received);
            }
            if (wait_for_host(host_, false, grace, deadline)) {
                continue;
            }
            // Bytes already received end the poll for good (it never restarts).
            if (grace.count() != 0 || received > 0) {
                break;
            }
            if (!polling) {
                if (!may_poll_before_pending_locked()) {
                    break;
                }
                polling = true;
                poll_end = std::chrono::steady_clock::now() + receive_poll_window;
            } else if (std::chrono::steady_clock::now() >= poll_end) {
                poll_ended_locked(false);
                break;
            }
            await_readable(host_, poll_end);
        }
    }
    auto* op = new receive_operation(*this, irp);
    op->done = received;
    op->length = total;
    op->pieces = pieces;
    op->mode = fill ? net::receive_mode::all : net::receive_mode::some;
    op->reserved = reserved;
    op->then = limit.then;
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
