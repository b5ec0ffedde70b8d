// wskemu: event callbacks of WSK connection sockets: SO_WSK_EVENT_CALLBACK,
// the event side's reads and its hand-over to WskReceive, WskDisconnectEvent,
// WskSendBacklogEvent, and the inheritance of connection events by accepted
// sockets (docs/semantics.md, "Connection-socket events"). The indications
// themselves and WskRelease: wsk_socket_indications.cpp.
//
// The event side. While the receive or disconnect event is on and no
// WskReceive is pending, the socket keeps one host read of its own in flight
// into the payload of a record (the memory an indication describes; a small
// read is copied into a record of its size). Records wait in kept_ and go to
// WskReceiveEvent by a serve task, a chain at a time. Bytes the driver
// refuses or leaves (DATA_NOT_ACCEPTED, a partial accept) go back to the
// front of kept_, and every WskReceive takes kept_ bytes first. While the
// event side owns the next bytes (its read in flight, a chain with the
// driver, a serve task queued), a WskReceive waits in waiting_receives_ and
// the serve task hands it kept bytes or starts its host read, so the
// stream's order never breaks.
//
// Every host read, posted task and waiting receive holds the socket
// (pending_); deliveries run through socket_events, which serialises them and
// lets the close wait for a running callback.
#include "wsk/wsk_socket_ops.hpp"

#include "kernel/irql.hpp"
#include "kernel/log.hpp"
#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_verifier.hpp"

#include <cstring>
#include <memory>

namespace wskemu::wsk {

namespace {

using socket_limits::drain_buffer_size;
using socket_limits::max_chain;
using socket_limits::read_ahead_limit;
using socket_limits::event_read_copied_below;
using socket_limits::event_read_size;

constexpr ULONG connection_events = WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT | WSK_EVENT_SEND_BACKLOG;

// Everything this file runs later goes through here.
void run_later(net::task task) { net::io_engine::instance().post(std::move(task)); }

}  // namespace

// ---- SO_WSK_EVENT_CALLBACK -----------------------------------------------------------------

ULONG connection_socket::deliverable_events() const noexcept {
    if (client_dispatch_ == nullptr) {
        return 0;
    }
    return (client_dispatch_->WskReceiveEvent != nullptr ? ULONG{WSK_EVENT_RECEIVE} : 0) |
           (client_dispatch_->WskDisconnectEvent != nullptr ? ULONG{WSK_EVENT_DISCONNECT} : 0) |
           (client_dispatch_->WskSendBacklogEvent != nullptr ? ULONG{WSK_EVENT_SEND_BACKLOG} : 0);
}

NTSTATUS connection_socket::control_events(SIZE_T input_size, PVOID input, PIRP irp) {
    bool ready;
    NTSTATUS usable;
    {
        std::lock_guard lock(mutex_);
        usable = usable_locked();
        ready = phase_ == socket_phase::connected;
    }
    if (!NT_SUCCESS(usable)) {
        if (irp == nullptr) {
            return usable;
        }
        if (NTSTATUS taken = take_irp(irp, "WskControlSocket"); !NT_SUCCESS(taken)) {
            return taken;
        }
        return complete_irp(irp, usable, 0);
    }
    ULONG enabled_now = 0;
    const NTSTATUS status =
        events_.control(category_of, input_size, input, irp, ready, deliverable_events(), enabled_now);
    if (status == STATUS_INVALID_DEVICE_STATE && !ready) {
        kernel::log().warn("WskControlSocket(SO_WSK_EVENT_CALLBACK): connection socket {} is not connected; its "
                           "events can be enabled or disabled only once WskConnect has completed: "
                           "STATUS_INVALID_DEVICE_STATE",
                           static_cast<void*>(static_cast<WSK_SOCKET*>(this)));
    }
    if (enabled_now != 0) {
        events_enabled(enabled_now);
    }
    return status;
}

NTSTATUS connection_socket::enable_inherited_events(ULONG event_mask) {
    if ((event_mask & ~connection_events) != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    {
        std::lock_guard lock(mutex_);
        if (!NT_SUCCESS(usable_locked()) || phase_ != socket_phase::connected) {
            return STATUS_INVALID_DEVICE_STATE;
        }
    }
    const ULONG events = event_mask & deliverable_events();
    if (events == 0) {
        return STATUS_SUCCESS;
    }
    WSK_EVENT_CALLBACK_CONTROL control{const_cast<PNPIID>(&NPI_WSK_INTERFACE_ID), events};
    ULONG enabled_now = 0;
    const NTSTATUS status = events_.control(category_of, sizeof(control), &control, nullptr, true, events, enabled_now);
    if (enabled_now != 0) {
        events_enabled(enabled_now);
    }
    return status;
}

void connection_socket::events_enabled(ULONG enabled_now) {
    std::lock_guard lock(mutex_);
    pump_locked();
    if ((enabled_now & WSK_EVENT_SEND_BACKLOG) != 0) {
        send_backlog_changed_locked();
    }
}

void connection_socket::connected_locked() {
    pump_locked();
    if (events_.enabled(WSK_EVENT_SEND_BACKLOG)) {
        send_backlog_changed_locked();  // a static event: the first ideal size
    }
}

void connection_socket::send_backlog_changed_locked() {
    if (phase_ != socket_phase::connected) {
        return;
    }
    ++pending_;
    run_later([this] {
        deliver_send_backlog();
        operation_finished();
    });
}

// ---- what the event side does next -----------------------------------------------------------

bool connection_socket::event_side_busy_locked() const noexcept {
    return event_receive_ || chain_in_flight_ || serve_posted_ || !waiting_receives_.empty();
}

void connection_socket::request_serve_locked() {
    if (serve_posted_) {
        return;
    }
    serve_posted_ = true;
    ++pending_;
    run_later([this] {
        serve();
        operation_finished();
    });
}

void connection_socket::pump_locked() {
    if (phase_ != socket_phase::connected || chain_in_flight_ || serve_posted_ || event_receive_) {
        return;  // not (or no longer) connected, or the event side pumps again when it is done
    }
    if (!waiting_receives_.empty()) {
        request_serve_locked();
        return;
    }
    if (pending_receives_ > 0 || (forced_closed_ && !peer_aborted_)) {
        return;  // host receives have the stream, or the driver ended the connection itself
    }
    const ULONG deliverable = deliverable_events();
    const bool receive_on = (deliverable & WSK_EVENT_RECEIVE) != 0 && events_.enabled(WSK_EVENT_RECEIVE);
    const bool disconnect_on = (deliverable & WSK_EVENT_DISCONNECT) != 0 && events_.enabled(WSK_EVENT_DISCONNECT);
    const bool indicating = receive_on && !receive_stopped_ && !dead_indicated_;
    if (indicating && !kept_.empty()) {
        request_serve_locked();
        return;
    }
    if (peer_closed_ || peer_aborted_) {
        // Reported once every byte before it was indicated (or the driver
        // stopped indications, or only receives it posts will see them).
        if (disconnect_on && !disconnect_indicated_ && (kept_.empty() || !indicating)) {
            disconnect_indicated_ = true;
            const bool abortive = peer_aborted_;
            ++pending_;
            run_later([this, abortive] {
                deliver_disconnect(abortive);
                operation_finished();
            });
        }
        return;
    }
    if (forced_closed_ || dead_indicated_ || !(receive_on || disconnect_on) || kept_bytes_ >= read_ahead_limit) {
        return;
    }
    start_event_receive_locked();
}

void connection_socket::start_event_receive_locked() {
    if (event_record_ == nullptr) {
        event_record_ = allocate_record(event_read_size);
        if (event_record_ == nullptr) {
            kernel::log().error("WSK connection socket {}: no memory for the event side's receive buffer; the "
                                "connection is aborted (STATUS_INSUFFICIENT_RESOURCES)",
                                static_cast<void*>(static_cast<WSK_SOCKET*>(this)));
            break_connection_locked(STATUS_INSUFFICIENT_RESOURCES);
            return;
        }
    }
    event_receive_ = true;
    ++pending_;
    const net::mutable_buffer into{event_record_->payload(), event_record_->capacity};
    event_op_ = host_.async_receive(std::span(&into, 1), net::receive_mode::some,
                                    [this](net::error e, std::size_t n) { on_event_received(e, n); });
}

bool connection_socket::keep_event_read_locked(std::size_t bytes, bool push) {
    data_record* record = event_record_;
    if (bytes < event_read_copied_below) {
        record = allocate_record(bytes);
        if (record != nullptr) {
            std::memcpy(record->payload(), event_record_->payload(), bytes);
        }
    } else {
        event_record_ = nullptr;  // the next read gets a record of its own
    }
    if (record == nullptr) {
        kernel::log().error("WSK connection socket {}: no memory to keep {} received bytes; the connection is "
                            "aborted (STATUS_INSUFFICIENT_RESOURCES)",
                            static_cast<void*>(static_cast<WSK_SOCKET*>(this)), bytes);
        break_connection_locked(STATUS_INSUFFICIENT_RESOURCES);
        return false;
    }
    finish_record(record, bytes, push);
    kept_.push_back(record);
    kept_bytes_ += bytes;
    return true;
}

void connection_socket::on_event_received(net::error e, std::size_t n) {
    {
        std::lock_guard lock(mutex_);
        event_receive_ = false;
        event_op_ = 0;
        bool more = n > 0 && keep_event_read_locked(n, e != net::error::none);
        // What else is there now rides in the same chain, unless a receive
        // waits for the stream.
        while (more && e == net::error::none && phase_ == socket_phase::connected && waiting_receives_.empty() &&
               kept_.size() < max_chain && kept_bytes_ < read_ahead_limit) {
            if (event_record_ == nullptr && (event_record_ = allocate_record(event_read_size)) == nullptr) {
                break;  // the next host read reports it
            }
            const net::mutable_buffer into{event_record_->payload(), event_record_->capacity};
            const net::io_result r = host_.try_receive(std::span(&into, 1));
            if (r.err == net::error::none && r.bytes > 0) {
                more = keep_event_read_locked(r.bytes, false);
                continue;
            }
            if (r.err == net::error::would_block) {
                kept_.back()->push = true;  // everything that had arrived
            } else {
                e = r.err;
            }
            break;
        }
        if (e == net::error::end_of_stream) {
            peer_closed_ = true;
        } else if (e != net::error::none && e != net::error::cancelled && phase_ != socket_phase::closing) {
            // Any other end of the read side breaks the connection as the
            // peer's abort would (decision).
            forced_closed_ = true;
            peer_aborted_ = true;
        }
        pump_locked();
    }
    operation_finished();
}

// ---- waiting receives and the serve task -------------------------------------------------------

NTSTATUS connection_socket::wait_for_event_side_locked(PIRP irp, std::vector<net::mutable_buffer> pieces,
                                                       bool wait_all, bool drain) {
    auto* op = new receive_operation(*this, irp);
    for (const net::mutable_buffer& piece : pieces) {
        op->length += piece.size;
    }
    op->pieces = std::move(pieces);
    op->mode = wait_all ? net::receive_mode::all : net::receive_mode::some;
    if (drain) {
        op->drain_buffer = std::make_unique<unsigned char[]>(drain_buffer_size);
    }
    op->waiting = true;
    waiting_receives_.push_back(op);
    ++pending_;
    ++pending_receives_;
    mark_pending(irp);
    if (event_receive_) {
        host_.cancel(event_op_);  // the event's read hands over what it has
    }
    pump_locked();
    if (!arm_cancel(*op)) {
        op->cancelled = true;  // the next serve task completes it, cancelled
    }
    return STATUS_PENDING;
}

bool connection_socket::may_resume_events_locked() const noexcept {
    return receive_stopped_ || deliverable_events() != 0 || !waiting_receives_.empty();
}

void connection_socket::resume_after_receive() {
    std::lock_guard lock(mutex_);
    receive_stopped_ = false;
    pump_locked();
}

void connection_socket::serve() {
    struct finished {
        receive_operation* op;
        NTSTATUS status;
        std::size_t bytes;
    };
    std::vector<finished> done;
    std::vector<data_record*> chain;
    {
        std::lock_guard lock(mutex_);
        serve_posted_ = false;
        const bool closing = phase_ == socket_phase::closing;
        if (chain_in_flight_ && !closing) {
            return;  // the chain's end pumps again
        }
        while (!waiting_receives_.empty()) {
            receive_operation* op = waiting_receives_.front();
            waiting_receives_.pop_front();
            op->waiting = false;
            if (op->cancelled || closing) {
                done.push_back({op, STATUS_CANCELLED, op->done});
                continue;
            }
            const bool drain = op->drain_buffer != nullptr;  // runs until the FIN: never satisfied by bytes
            if (drain) {
                drop_kept_locked();
            } else {
                op->done += take_kept_locked(op->pieces);
            }
            const bool satisfied =
                !drain && (op->done == op->length || (op->mode == net::receive_mode::some && op->done > 0));
            if (satisfied || (peer_closed_ && kept_.empty())) {
                done.push_back({op, STATUS_SUCCESS, drain ? 0 : op->done});
            } else if (forced_closed_) {
                done.push_back({op, usable_locked(), op->done});
            } else {
                start_receive_locked(op);  // the rest comes from the host, in order
            }
        }
        for (const finished& f : done) {
            --pending_receives_;
            received_locked(f.op->reserved, f.bytes);
        }
        if (!done.empty()) {
            receive_stopped_ = false;
        }
        const bool receive_on = (deliverable_events() & WSK_EVENT_RECEIVE) != 0 && events_.enabled(WSK_EVENT_RECEIVE);
        if (!closing && pending_receives_ == 0 && receive_on && !receive_stopped_ && !dead_indicated_) {
            while (!kept_.empty() && chain.size() < max_chain) {
                chain.push_back(kept_.front());
                kept_bytes_ -= kept_.front()->remaining();
                kept_.pop_front();
            }
            chain_in_flight_ = !chain.empty();
        }
    }
    for (const finished& f : done) {
        finish_receive(f.op, f.status, f.bytes);
    }
    if (!chain.empty()) {
        deliver_chain(std::move(chain));
    }
    std::lock_guard lock(mutex_);
    pump_locked();
}

// ---- deliveries ------------------------------------------------------------------------------

void connection_socket::deliver_disconnect(bool abortive) {
    events_.deliver(WSK_EVENT_DISCONNECT, [this, abortive](bool run) {
        if (!run || !events_.enabled(WSK_EVENT_DISCONNECT) || client_dispatch_->WskDisconnectEvent == nullptr ||
            !event_callback_allowed(this, "WskDisconnectEvent")) {
            return;
        }
        const ULONG flags = WSK_FLAG_AT_DISPATCH_LEVEL | (abortive ? ULONG{WSK_FLAG_ABORTIVE} : 0);
        NTSTATUS status;
        {
            kernel::irql_scope scope(DISPATCH_LEVEL, "WskDisconnectEvent");
            status = client_dispatch_->WskDisconnectEvent(context(), flags);
        }
        if (status != STATUS_SUCCESS) {
            kernel::log().warn("WskDisconnectEvent of socket {} returned {:#010x}; it must return STATUS_SUCCESS "
                               "(ignored)",
                               static_cast<void*>(static_cast<WSK_SOCKET*>(this)), static_cast<ULONG>(status));
        }
    });
}

void connection_socket::deliver_send_backlog() {
    int ideal = 0;
    if (host_.get_option(net::socket_option::send_buffer_size, ideal) != net::error::none || ideal <= 0) {
        return;
    }
    {
        std::lock_guard lock(mutex_);
        if (static_cast<std::size_t>(ideal) == backlog_indicated_) {
            return;  // unchanged since the last indication
        }
        backlog_indicated_ = static_cast<std::size_t>(ideal);
    }
    events_.deliver(WSK_EVENT_SEND_BACKLOG, [this, ideal](bool run) {
        if (!run || !events_.enabled(WSK_EVENT_SEND_BACKLOG) || client_dispatch_->WskSendBacklogEvent == nullptr ||
            !event_callback_allowed(this, "WskSendBacklogEvent")) {
            return;
        }
        NTSTATUS status;
        {
            kernel::irql_scope scope(DISPATCH_LEVEL, "WskSendBacklogEvent");
            status = client_dispatch_->WskSendBacklogEvent(context(), static_cast<SIZE_T>(ideal));
        }
        if (status != STATUS_SUCCESS) {
            kernel::log().warn("WskSendBacklogEvent of socket {} returned {:#010x}; it must return STATUS_SUCCESS "
                               "(ignored)",
                               static_cast<void*>(static_cast<WSK_SOCKET*>(this)), static_cast<ULONG>(status));
        }
    });
}

}  // namespace wskemu::wsk
