// wskemu: event callbacks of WSK connection sockets: SO_WSK_EVENT_CALLBACK,
// WskReceiveEvent with its WSK_DATA_INDICATION chains, WskRelease,
// WskDisconnectEvent, WskSendBacklogEvent, and the inheritance of connection
// events by accepted sockets (docs/semantics.md, "Connection-socket events").
//
// The event side. While the receive or disconnect event is on and no
// WskReceive is pending, the socket keeps one host read of its own in flight
// (into scratch_); what it reads is copied into records (the memory an
// indication describes) and kept in kept_, then handed to WskReceiveEvent by a
// serve task, a chain of records at a time. Bytes the driver refuses or leaves
// (DATA_NOT_ACCEPTED, a partial accept) go back to the front of kept_, and
// every WskReceive takes kept_ bytes first. While the event side owns the next
// bytes (its read in flight, a chain with the driver, a serve task queued), a
// WskReceive waits in waiting_receives_ and the serve task hands it kept bytes
// or starts its host read, so the stream's order never breaks.
//
// Every host read, posted task and waiting receive holds the socket
// (pending_); deliveries run through socket_events, which serialises them and
// lets the close wait for a running callback.
#include "wsk/wsk_socket_ops.hpp"

#include "kernel/bug_check.hpp"
#include "kernel/caller_address.hpp"
#include "kernel/ex_pool.hpp"
#include "kernel/irql.hpp"
#include "kernel/log.hpp"
#include "kernel/mm_mdl.hpp"
#include "runtime/control.hpp"
#include "runtime/faults.hpp"
#include "wsk/wsk_buf.hpp"
#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_status.hpp"
#include "wsk/wsk_verifier.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <unordered_set>

namespace wskemu::wsk {

/// Received bytes the provider holds: the WSK_DATA_INDICATION the driver sees
/// first (so a PWSK_DATA_INDICATION is its record), then the payload, which
/// the indication's MDL describes. Buffer.Offset/Length are the bytes not
/// consumed yet.
struct data_record {
    WSK_DATA_INDICATION indication;
    std::size_t size;  // payload bytes
    bool push;         // the host had nothing more right after these bytes

    unsigned char* payload() noexcept { return reinterpret_cast<unsigned char*>(this + 1); }
    std::size_t remaining() const noexcept { return indication.Buffer.Length; }
};

namespace {

using socket_limits::drain_buffer_size;

// The tag of the provider's data records ("WskC").
constexpr ULONG record_tag = 0x436B7357;
// One host read of the event side.
constexpr std::size_t scratch_size = 65536;
// Most records one indication chain carries.
constexpr std::size_t max_chain = 8;
// The event side reads ahead while the provider holds fewer bytes than this.
constexpr std::size_t read_ahead_limit = 256 * 1024;
// Bytes the driver retains on a socket from which indications carry
// WSK_FLAG_RELEASE_ASAP.
constexpr std::size_t release_asap_bytes = 1024 * 1024;

constexpr ULONG connection_events = WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT | WSK_EVENT_SEND_BACKLOG;

// Everything this file runs later goes through here.
void run_later(net::task task) { net::io_engine::instance().post(std::move(task)); }

// Copies up to `size` bytes from `from` into `pieces`; the count.
std::size_t copy_into(const std::vector<net::mutable_buffer>& pieces, const unsigned char* from, std::size_t size) {
    std::size_t copied = 0;
    for (const net::mutable_buffer& piece : pieces) {
        if (copied == size) {
            break;
        }
        const std::size_t take = std::min(piece.size, size - copied);
        std::memcpy(piece.data, from + copied, take);
        copied += take;
    }
    return copied;
}

}  // namespace

// ---- records ---------------------------------------------------------------------------

data_record* connection_socket::record_from_scratch(std::size_t bytes, bool push) {
    void* block = kernel::tracked_allocate(kernel::block_kind::pool, sizeof(data_record) + bytes, record_tag, false,
                                           WSKEMU_CALLER());
    if (block == nullptr) {
        return nullptr;
    }
    auto* record = new (block) data_record;
    std::memset(&record->indication, 0, sizeof(record->indication));
    record->size = bytes;
    record->push = push;
    std::memcpy(record->payload(), scratch_.data(), bytes);
    PMDL mdl = IoAllocateMdl(record->payload(), static_cast<ULONG>(bytes), FALSE, FALSE, nullptr);
    if (mdl == nullptr) {
        kernel::tracked_free(block, kernel::block_kind::pool, record_tag, true, "WskReceiveEvent");
        return nullptr;
    }
    MmBuildMdlForNonPagedPool(mdl);
    record->indication.Buffer.Mdl = mdl;
    record->indication.Buffer.Offset = 0;
    record->indication.Buffer.Length = bytes;
    return record;
}

void connection_socket::free_record(data_record* record) {
    IoFreeMdl(record->indication.Buffer.Mdl);
    record->~data_record();
    kernel::tracked_free(record, kernel::block_kind::pool, record_tag, true, "WskRelease");
}

std::size_t connection_socket::take_kept_locked(std::vector<net::mutable_buffer>& pieces) {
    std::size_t taken = 0;
    while (!kept_.empty()) {
        data_record* record = kept_.front();
        WSK_BUF& buffer = record->indication.Buffer;
        const std::size_t n = copy_into(pieces, record->payload() + buffer.Offset, buffer.Length);
        advance_pieces(pieces, n);
        taken += n;
        kept_bytes_ -= n;
        if (n < buffer.Length) {
            buffer.Offset += static_cast<ULONG>(n);
            buffer.Length -= n;
            break;  // the receive buffer is full
        }
        kept_.pop_front();
        free_record(record);
    }
    return taken;
}

void connection_socket::drop_kept_locked() {
    for (data_record* record : kept_) {
        free_record(record);
    }
    kept_.clear();
    kept_bytes_ = 0;
}

std::size_t connection_socket::retained_indications() {
    std::lock_guard lock(mutex_);
    return retained_.size();
}

std::size_t connection_socket::kept_bytes() {
    std::lock_guard lock(mutex_);
    return kept_bytes_;
}

void connection_socket::release_event_side() {
    std::size_t retained;
    {
        std::lock_guard lock(mutex_);
        drop_kept_locked();
        retained = retained_.size();
    }
    if (retained != 0) {
        kernel::log().warn("WskCloseSocket: connection socket {} closed with {} data indication(s) retained and not "
                           "released; WskCloseSocket does not release them (call WskRelease first): they stay "
                           "allocated",
                           static_cast<void*>(static_cast<WSK_SOCKET*>(this)), retained);
    }
}

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
    if (scratch_.empty()) {
        scratch_.resize(scratch_size);
    }
    event_receive_ = true;
    ++pending_;
    const net::mutable_buffer into{scratch_.data(), scratch_.size()};
    event_op_ = host_.async_receive(std::span(&into, 1), net::receive_mode::some,
                                    [this](net::error e, std::size_t n) { on_event_received(e, n); });
}

void connection_socket::on_event_received(net::error e, std::size_t n) {
    {
        std::lock_guard lock(mutex_);
        event_receive_ = false;
        event_op_ = 0;
        // Keeps `bytes` of scratch_; false (the connection aborted) if there
        // is no memory for them: bytes of a stream cannot be dropped.
        auto keep = [this](std::size_t bytes, bool push) {
            data_record* record = record_from_scratch(bytes, push);
            if (record == nullptr) {
                kernel::log().error("WSK connection socket {}: no memory to keep {} received bytes; the connection "
                                    "is aborted (STATUS_INSUFFICIENT_RESOURCES)",
                                    static_cast<void*>(static_cast<WSK_SOCKET*>(this)), bytes);
                break_connection_locked(STATUS_INSUFFICIENT_RESOURCES);
                return false;
            }
            kept_.push_back(record);
            kept_bytes_ += bytes;
            return true;
        };
        bool more = n > 0 && keep(n, e != net::error::none);
        // What else is there now rides in the same chain, unless a receive
        // waits for the stream.
        while (more && e == net::error::none && phase_ == socket_phase::connected && waiting_receives_.empty() &&
               kept_.size() < max_chain && kept_bytes_ < read_ahead_limit) {
            const net::mutable_buffer into{scratch_.data(), scratch_.size()};
            const net::io_result r = host_.try_receive(std::span(&into, 1));
            if (r.err == net::error::none && r.bytes > 0) {
                more = keep(r.bytes, false);
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

void connection_socket::deliver_chain(std::vector<data_record*> chain) {
    events_.deliver(WSK_EVENT_RECEIVE, [this, chain = std::move(chain)](bool run) mutable {
        // Puts records back at the front of kept_ (in order), the chain done.
        auto put_back = [this](const std::vector<data_record*>& records, bool stop) {
            std::lock_guard lock(mutex_);
            for (auto it = records.rbegin(); it != records.rend(); ++it) {
                (*it)->indication.Next = nullptr;
                kept_.push_front(*it);
                kept_bytes_ += (*it)->remaining();
            }
            receive_stopped_ = receive_stopped_ || stop;
            chain_in_flight_ = false;
            pump_locked();
        };
        auto drop = [this](const std::vector<data_record*>& records) {
            for (data_record* record : records) {
                free_record(record);
            }
            std::lock_guard lock(mutex_);
            chain_in_flight_ = false;
            pump_locked();
        };
        if (!run || !event_callback_allowed(this, "WskReceiveEvent")) {
            drop(chain);  // the socket closes
            return;
        }
        if (!events_.enabled(WSK_EVENT_RECEIVE)) {
            put_back(chain, false);  // disabled while it waited its turn: for the next WskReceive
            return;
        }
        SIZE_T accepted = 0;
        if (rt::active() && rt::take_null_indication(operation::receive_event, key())) {
            // Test control: "the socket is dead", as the callback may be told.
            // The bytes are dropped and the connection is unusable from now on.
            {
                std::lock_guard lock(mutex_);
                dead_indicated_ = true;
                break_connection_locked(STATUS_CONNECTION_ABORTED);
            }
            drop(chain);
            kernel::irql_scope scope(DISPATCH_LEVEL, "WskReceiveEvent");
            client_dispatch_->WskReceiveEvent(context(), WSK_FLAG_AT_DISPATCH_LEVEL, nullptr, 0, &accepted);
            return;
        }
        SIZE_T indicated = 0;
        for (std::size_t i = 0; i < chain.size(); ++i) {
            chain[i]->indication.Next = i + 1 < chain.size() ? &chain[i + 1]->indication : nullptr;
            indicated += chain[i]->remaining();
        }
        ULONG flags = WSK_FLAG_AT_DISPATCH_LEVEL;
        if (chain.back()->push) {
            flags |= WSK_FLAG_ENTIRE_MESSAGE;
        }
        {
            // The driver owns them from now on: a WskRelease may come from
            // another thread before the callback has even returned.
            std::lock_guard lock(mutex_);
            if (retained_bytes_ + indicated >= release_asap_bytes) {
                flags |= WSK_FLAG_RELEASE_ASAP;
            }
            retained_.insert(chain.begin(), chain.end());
            retained_bytes_ += indicated;
        }
        PWSK_DATA_INDICATION first = &chain.front()->indication;
        indication_retained(this, first);
        accepted = indicated;  // untouched: everything was consumed
        NTSTATUS status;
        {
            kernel::irql_scope scope(DISPATCH_LEVEL, "WskReceiveEvent");
            status = client_dispatch_->WskReceiveEvent(context(), flags, first, indicated, &accepted);
        }
        if (status == STATUS_PENDING) {
            std::lock_guard lock(mutex_);
            chain_in_flight_ = false;  // retained until WskRelease; indications go on
            pump_locked();
            return;
        }
        (void)indication_released(this, first);
        // Taken back: those the driver did not release (all, unless it broke the rules).
        std::vector<data_record*> back;
        {
            std::lock_guard lock(mutex_);
            for (data_record* record : chain) {
                if (retained_.erase(record) != 0) {
                    retained_bytes_ -= record->remaining();
                    back.push_back(record);
                }
            }
        }
        if (status == STATUS_SUCCESS && accepted <= indicated) {
            // Consumed from the front; a partial accept keeps the rest and
            // stops indications until a WskReceive.
            std::vector<data_record*> rest;
            SIZE_T skip = accepted;
            for (data_record* record : back) {
                WSK_BUF& buffer = record->indication.Buffer;
                if (skip >= buffer.Length) {
                    skip -= buffer.Length;
                    free_record(record);
                    continue;
                }
                buffer.Offset += static_cast<ULONG>(skip);
                buffer.Length -= skip;
                skip = 0;
                rest.push_back(record);
            }
            put_back(rest, !rest.empty());
            return;
        }
        if (status == STATUS_DATA_NOT_ACCEPTED) {
            put_back(back, true);  // kept for the next WskReceive
            return;
        }
        put_back(back, true);  // nothing is lost while the report is made
        const auto socket = reinterpret_cast<ULONG_PTR>(static_cast<WSK_SOCKET*>(this));
        if (status == STATUS_SUCCESS) {
            kernel::raise_bug_check(
                DRIVER_VERIFIER_DETECTED_VIOLATION, receive_event_accepted_too_much, socket, accepted, indicated,
                fmt::format("WskReceiveEvent of socket {} returned STATUS_SUCCESS with *BytesAccepted = {}, more than "
                            "the {} bytes indicated",
                            static_cast<void*>(static_cast<WSK_SOCKET*>(this)), accepted, indicated));
        }
        kernel::raise_bug_check(
            DRIVER_VERIFIER_DETECTED_VIOLATION, receive_event_bad_status, socket, static_cast<ULONG>(status), 0,
            fmt::format("WskReceiveEvent of socket {} returned {:#010x}; it may return only STATUS_SUCCESS, "
                        "STATUS_PENDING or STATUS_DATA_NOT_ACCEPTED",
                        static_cast<void*>(static_cast<WSK_SOCKET*>(this)), static_cast<ULONG>(status)));
    });
}

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

// ---- WskRelease --------------------------------------------------------------------------------

NTSTATUS connection_socket::release(PWSK_DATA_INDICATION list) {
    if (list == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    if (!indication_released(this, list)) {
        return STATUS_INVALID_PARAMETER;  // reported: released twice, never handed out, or another socket's
    }
    std::vector<data_record*> records;
    {
        std::lock_guard lock(mutex_);
        std::unordered_set<data_record*> seen;
        for (PWSK_DATA_INDICATION element = list; element != nullptr;) {
            auto* record = reinterpret_cast<data_record*>(element);
            if (retained_.count(record) == 0 || !seen.insert(record).second) {
                kernel::log().warn("WskRelease: {} is not a data indication this connection socket handed out with "
                                   "STATUS_PENDING and not released yet; STATUS_INVALID_PARAMETER, nothing released",
                                   static_cast<void*>(element));
                return STATUS_INVALID_PARAMETER;
            }
            records.push_back(record);
            element = record->indication.Next;
        }
        for (data_record* record : records) {
            retained_.erase(record);
            retained_bytes_ -= record->remaining();
        }
    }
    for (data_record* record : records) {
        free_record(record);
    }
    return STATUS_SUCCESS;
}

}  // namespace wskemu::wsk
