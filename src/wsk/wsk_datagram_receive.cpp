// wskemu: the receive side of WSK datagram sockets: WskReceiveFrom, the
// receive-from event with its indication lists, WskRelease
// (docs/semantics.md, "WskReceiveFrom", "WskReceiveFromEvent").
//
// At most one host receive is in flight per socket: into the first waiting
// WskReceiveFrom IRP's own buffer (no copy), or, when no IRP waits and the
// event is on, into the socket's scratch buffer, from which each datagram is
// copied into a record of its own (the memory an indication describes).
// Datagrams read but not delivered (refused by the event, or the start of the
// next chain) wait in `kept_` and go first to the next WskReceiveFrom or
// indication.
#include "wsk/wsk_datagram.hpp"

#include "kernel/bug_check.hpp"
#include "kernel/caller_address.hpp"
#include "kernel/ex_pool.hpp"
#include "kernel/irql.hpp"
#include "kernel/log.hpp"
#include "kernel/mm_mdl.hpp"
#include "runtime/control.hpp"
#include "runtime/faults.hpp"
#include "wsk/wsk_address.hpp"
#include "wsk/wsk_buf.hpp"
#include "wsk/wsk_control_info.hpp"
#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_status.hpp"
#include "wsk/wsk_trace.hpp"
#include "wsk/wsk_verifier.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <unordered_set>

namespace wskemu::wsk {

/// One datagram the provider holds: the WSK_DATAGRAM_INDICATION the driver
/// sees first (so a PWSK_DATAGRAM_INDICATION is its record), then what is
/// known of the datagram, the remote address and control information the
/// indication points at, and the payload (its MDL allocated on its own).
struct datagram_record {
    WSK_DATAGRAM_INDICATION indication;
    net::datagram_result facts;
    SOCKADDR_STORAGE remote;
    alignas(8) unsigned char control[max_control_info];

    unsigned char* payload() noexcept { return reinterpret_cast<unsigned char*>(this + 1); }
    ULONG event_flags() const noexcept {
        return (facts.broadcast ? ULONG{MSG_BCAST} : 0) | (facts.multicast ? ULONG{MSG_MCAST} : 0);
    }
};

struct datagram_socket::receive_operation final : pending_irp {
    receive_operation(datagram_socket& owner, PIRP irp) noexcept : pending_irp(irp), socket(owner) {}
    datagram_socket& socket;
    std::vector<net::mutable_buffer> pieces;
    std::size_t length = 0;
    receive_outputs outputs;
    bool cancelled = false;  // IoCancelIrp seen (guarded by the socket's mutex)

    void cancel_requested() noexcept override {
        std::lock_guard lock(socket.mutex_);
        socket.cancel_receive_locked(this);
    }
};

namespace {

// The tag of the provider's datagram records ("WskD").
constexpr ULONG record_tag = 0x446B7357;
// Most datagrams one indication chain carries.
constexpr std::size_t max_chain = 32;
// Big enough for any UDP datagram (65,527 bytes over IPv6): never truncated.
constexpr std::size_t scratch_size = 65536;

// Everything this file runs later goes through here.
void run_later(net::task task) { net::io_engine::instance().post(std::move(task)); }

// Every call of the driver's WskReceiveFromEvent: at DISPATCH_LEVEL, and an
// instant on the timeline once it returned (`bytes`: the chain's payload).
NTSTATUS call_receive_from_event(const WSK_CLIENT_DATAGRAM_DISPATCH* dispatch, PVOID context, const void* socket,
                                 ULONG flags, PWSK_DATAGRAM_INDICATION list, std::uint64_t bytes) {
    NTSTATUS status;
    {
        kernel::irql_scope scope(DISPATCH_LEVEL, "WskReceiveFromEvent");
        status = dispatch->WskReceiveFromEvent(context, flags, list);
    }
    trace::event_callback(socket, operation::receive_from_event, status, bytes);
    return status;
}

// ICMP-induced errors some hosts report on a later receive: WSK datagram
// sockets do not fail a receive for an earlier send's fate (decision).
bool transient_receive_error(net::error e) noexcept {
    switch (e) {
    case net::error::connection_refused:
    case net::error::connection_reset:
    case net::error::host_unreachable:
    case net::error::network_unreachable: return true;
    default: return false;
    }
}

// Copies a held datagram into receive buffers; the facts of the copy.
net::datagram_result copy_record(datagram_record& record, const std::vector<net::mutable_buffer>& pieces) {
    net::datagram_result facts = record.facts;
    std::size_t copied = 0;
    for (const net::mutable_buffer& piece : pieces) {
        const std::size_t take = std::min(piece.size, record.facts.bytes - copied);
        std::memcpy(piece.data, record.payload() + copied, take);
        copied += take;
        if (copied == record.facts.bytes) {
            break;
        }
    }
    facts.bytes = copied;
    facts.truncated = copied < record.facts.bytes;
    return facts;
}

}  // namespace

// ---- records -----------------------------------------------------------------------

datagram_record* datagram_socket::record_from_scratch_locked(const net::datagram_result& r) {
    void* block = kernel::tracked_allocate(kernel::block_kind::pool, sizeof(datagram_record) + r.bytes, record_tag,
                                           false, WSKEMU_CALLER());
    if (block == nullptr) {
        kernel::log().warn("WSK datagram socket: no memory for a received datagram of {} bytes; dropped", r.bytes);
        return nullptr;
    }
    auto* record = new (block) datagram_record;
    std::memset(&record->indication, 0, sizeof(record->indication));
    record->facts = r;
    std::memcpy(record->payload(), scratch_.data(), r.bytes);
    std::memset(&record->remote, 0, sizeof(record->remote));
    to_sockaddr(r.source, reinterpret_cast<SOCKADDR*>(&record->remote));
    bool truncated = false;
    const ULONG control = write_control_info(r, family_, want_ip_packet_info_, want_ipv6_packet_info_,
                                             record->control, max_control_info, truncated);
    record->indication.ControlInfo = control != 0 ? reinterpret_cast<PCMSGHDR>(record->control) : nullptr;
    record->indication.ControlInfoLength = control;
    record->indication.RemoteAddress = reinterpret_cast<PSOCKADDR>(&record->remote);
    record->indication.Buffer.Offset = 0;
    record->indication.Buffer.Length = r.bytes;
    if (r.bytes != 0) {
        // A zero-length datagram is indicated with a NULL Mdl and Length 0.
        PMDL mdl = IoAllocateMdl(record->payload(), static_cast<ULONG>(r.bytes), FALSE, FALSE, nullptr);
        if (mdl == nullptr) {
            kernel::tracked_free(block, kernel::block_kind::pool, record_tag, true, "WskReceiveFromEvent");
            return nullptr;
        }
        MmBuildMdlForNonPagedPool(mdl);
        record->indication.Buffer.Mdl = mdl;
    }
    return record;
}

void datagram_socket::free_record(datagram_record* record) {
    if (record->indication.Buffer.Mdl != nullptr) {
        IoFreeMdl(record->indication.Buffer.Mdl);
    }
    record->~datagram_record();
    kernel::tracked_free(record, kernel::block_kind::pool, record_tag, true, "WskRelease");
}

std::size_t datagram_socket::retained_indications() {
    std::lock_guard lock(mutex_);
    return retained_.size();
}

bool datagram_socket::accepted_locked(const net::endpoint& source) const noexcept {
    return !remote_filter_ || (remote_filter_->address == source.address && remote_filter_->port == source.port);
}

// ---- WskReceiveFrom ------------------------------------------------------------------

ULONG_PTR datagram_socket::write_outputs_locked(const receive_outputs& out, const net::datagram_result& facts) {
    if (out.remote != nullptr) {
        to_sockaddr(facts.source, out.remote);
    }
    if (out.control_length != nullptr) {
        bool control_truncated = false;
        const ULONG written = write_control_info(facts, family_, want_ip_packet_info_, want_ipv6_packet_info_,
                                                 out.control, out.control_capacity, control_truncated);
        *out.control_length = written;
        if (out.control_flags != nullptr) {
            *out.control_flags = (facts.truncated ? ULONG{MSG_TRUNC} : 0) |
                                 (control_truncated ? ULONG{MSG_CTRUNC} : 0) |
                                 (facts.broadcast ? ULONG{MSG_BCAST} : 0) | (facts.multicast ? ULONG{MSG_MCAST} : 0);
        }
    }
    return facts.bytes;
}

NTSTATUS datagram_socket::receive_from(PWSK_BUF buffer, ULONG flags, PSOCKADDR remote, PULONG control_length,
                                       PCMSGHDR control, PULONG control_flags, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskReceiveFrom"); !NT_SUCCESS(taken)) {
        return taken;
    }
    std::size_t total = 0;
    std::unique_lock lock(mutex_);
    std::vector<net::mutable_buffer>& pieces = receive_pieces_;  // reused under the lock: no allocation inline
    NTSTATUS status = usable_locked();
    if (NT_SUCCESS(status) && !bound_) {
        status = STATUS_INVALID_DEVICE_STATE;
    }
    if (NT_SUCCESS(status) && flags != 0) {
        status = STATUS_INVALID_PARAMETER;  // reserved
    }
    if (NT_SUCCESS(status)) {
        status = map_wsk_buf<net::mutable_buffer, unsigned char>(buffer, pieces, total);
    }
    if (NT_SUCCESS(status) && control_length != nullptr && *control_length != 0 && control == nullptr) {
        status = STATUS_INVALID_PARAMETER;
    }
    if (!NT_SUCCESS(status)) {
        lock.unlock();
        return complete_irp(irp, status, 0);
    }
    receive_outputs outputs{remote, control_length, control_length != nullptr ? *control_length : 0, control,
                            control_flags};
    // Inline: nothing waits before this receive, and it is not a call from
    // inside one of our completions (a receive loop must not nest).
    if (receives_.empty() && !in_completion()) {
        if (!kept_.empty()) {
            datagram_record* record = kept_.front();
            kept_.pop_front();
            const ULONG_PTR information = write_outputs_locked(outputs, copy_record(*record, pieces));
            lock.unlock();
            free_record(record);
            return complete_irp(irp, STATUS_SUCCESS, information);
        }
        // The event's host receive gives way to the IRP (a pending receive
        // takes precedence). Cancelled, it consumed nothing.
        const bool host_free =
            host_receive_ == host_receive::none || (host_receive_ == host_receive::event && host_.cancel(host_op_));
        while (host_free) {
            const net::datagram_result r = host_.try_receive_from(pieces);
            if (r.err == net::error::none && accepted_locked(r.source)) {
                trace_datagram_received(*this, r, pieces);
                const ULONG_PTR information = write_outputs_locked(outputs, r);
                lock.unlock();
                return complete_irp(irp, STATUS_SUCCESS, information);
            }
            if (r.err != net::error::none && !transient_receive_error(r.err)) {
                break;  // would block (or an error the host receive will report)
            }
        }
    }
    auto* op = new receive_operation(*this, irp);
    op->pieces = std::move(pieces);
    pieces.clear();  // moved from: the next call starts from an empty list
    op->length = total;
    op->outputs = outputs;
    ++busy_;
    receives_.push_back(op);
    mark_pending(irp);
    pump_locked();
    if (!arm_cancel(*op)) {
        cancel_receive_locked(op);
    }
    return STATUS_PENDING;
}

void datagram_socket::cancel_receive_locked(receive_operation* op) {
    op->cancelled = true;
    if (host_receive_ == host_receive::irp && !receives_.empty() && receives_.front() == op) {
        host_.cancel(host_op_);  // its handler completes it, cancelled, having consumed nothing
        return;
    }
    auto it = std::find(receives_.begin(), receives_.end(), op);
    if (it == receives_.end()) {
        return;  // its completion is under way: the natural result wins
    }
    receives_.erase(it);
    run_later([this, op] { complete_receive(op, STATUS_CANCELLED, 0); });
}

void datagram_socket::complete_receive(receive_operation* op, NTSTATUS status, ULONG_PTR information) {
    complete_pending(op->irp(), status, information);
    delete op;
    finished_one();
}

void datagram_socket::start_irp_receive_locked(receive_operation* op) {
    host_receive_ = host_receive::irp;
    host_op_ = host_.async_receive_from(op->pieces,
                                        [this, op](const net::datagram_result& r) { on_irp_received(op, r); });
}

void datagram_socket::on_irp_received(receive_operation* op, const net::datagram_result& r) {
    std::unique_lock lock(mutex_);
    host_receive_ = host_receive::none;
    host_op_ = 0;
    const bool stop = op->cancelled || closing_;
    if (r.err == net::error::none && (accepted_locked(r.source) || stop)) {
        receives_.pop_front();
        const bool from_peer = accepted_locked(r.source);
        if (from_peer) {
            trace_datagram_received(*this, r, op->pieces);
        }
        const ULONG_PTR information = from_peer ? write_outputs_locked(op->outputs, r) : 0;
        pump_locked();
        lock.unlock();
        complete_receive(op, from_peer ? STATUS_SUCCESS : STATUS_CANCELLED, information);
        return;
    }
    if (!stop && (r.err == net::error::none || r.err == net::error::cancelled || transient_receive_error(r.err))) {
        start_irp_receive_locked(op);  // not from the fixed peer (dropped), or an error that is not the socket's
        return;
    }
    if (stop) {
        receives_.pop_front();
        pump_locked();
        lock.unlock();
        complete_receive(op, STATUS_CANCELLED, 0);
        return;
    }
    lock.unlock();
    fail_receives(to_ntstatus(r.err));
}

void datagram_socket::fail_receives(NTSTATUS status) {
    std::deque<receive_operation*> failed;
    bool indicate = false;
    {
        std::lock_guard lock(mutex_);
        dead_ = true;
        failed.swap(receives_);
        if (!dead_indicated_ && events_.enabled(WSK_EVENT_RECEIVE_FROM)) {
            dead_indicated_ = true;
            indicate = true;
            ++busy_;
        }
    }
    kernel::log().warn("WSK datagram socket {}: the host socket failed ({:#010x}); every call but WskCloseSocket "
                       "now fails with STATUS_FILE_FORCED_CLOSED",
                       static_cast<void*>(static_cast<WSK_SOCKET*>(this)), static_cast<ULONG>(status));
    for (receive_operation* op : failed) {
        complete_receive(op, status, 0);
    }
    if (indicate) {
        deliver_dead();
        finished_one();
    }
}

// ---- the receive-from event -------------------------------------------------------------

void datagram_socket::pump_locked() {
    if (closing_ || dead_ || !bound_ || host_receive_ != host_receive::none) {
        return;
    }
    const bool event = events_.enabled(WSK_EVENT_RECEIVE_FROM);
    if (!kept_.empty() && (!receives_.empty() || event)) {
        if (!serving_) {
            serving_ = true;
            ++busy_;
            run_later([this] { serve_kept(); });
        }
        return;
    }
    if (!receives_.empty()) {
        start_irp_receive_locked(receives_.front());
        return;
    }
    if (!event || serving_) {
        return;  // datagrams wait in the host's buffer
    }
    if (scratch_.empty()) {
        scratch_.resize(scratch_size);
    }
    ++busy_;
    host_receive_ = host_receive::event;
    const net::mutable_buffer into{scratch_.data(), scratch_.size()};
    host_op_ = host_.async_receive_from(std::span(&into, 1), [this](const net::datagram_result& r) {
        on_event_received(r);
    });
}

void datagram_socket::on_event_received(const net::datagram_result& r) {
    std::unique_lock lock(mutex_);
    host_receive_ = host_receive::none;
    host_op_ = 0;
    if (closing_ || r.err == net::error::cancelled || transient_receive_error(r.err) ||
        (r.err == net::error::none && !accepted_locked(r.source))) {
        pump_locked();  // cancelled for an IRP, or nothing to deliver
        lock.unlock();
        finished_one();
        return;
    }
    if (r.err != net::error::none) {
        lock.unlock();
        fail_receives(to_ntstatus(r.err));
        finished_one();
        return;
    }
    const net::mutable_buffer arrived{scratch_.data(), scratch_.size()};
    trace_datagram_received(*this, r, std::span(&arrived, 1));
    datagram_record* first = record_from_scratch_locked(r);
    if (first != nullptr) {
        kept_.push_back(first);
    }
    // What else is there now rides in the same chain.
    while (first != nullptr && kept_.size() < max_chain && receives_.empty()) {
        const net::mutable_buffer into{scratch_.data(), scratch_.size()};
        const net::datagram_result more = host_.try_receive_from(std::span(&into, 1));
        if (more.err != net::error::none) {
            break;
        }
        if (accepted_locked(more.source)) {
            trace_datagram_received(*this, more, std::span(&into, 1));
            if (datagram_record* record = record_from_scratch_locked(more); record != nullptr) {
                kept_.push_back(record);
            }
        }
    }
    pump_locked();  // an IRP takes them, or serve_kept indicates them
    lock.unlock();
    finished_one();
}

void datagram_socket::serve_kept() {
    std::unique_lock lock(mutex_);
    // Waiting IRPs first (precedence), unless the first one's host receive is
    // in flight: then the rest wait for it.
    while (!closing_ && !kept_.empty() && !receives_.empty() && host_receive_ != host_receive::irp) {
        receive_operation* op = receives_.front();
        receives_.pop_front();
        datagram_record* record = kept_.front();
        kept_.pop_front();
        const ULONG_PTR information = write_outputs_locked(op->outputs, copy_record(*record, op->pieces));
        lock.unlock();
        free_record(record);
        complete_receive(op, STATUS_SUCCESS, information);
        lock.lock();
    }
    if (!closing_ && receives_.empty() && !kept_.empty() && events_.enabled(WSK_EVENT_RECEIVE_FROM)) {
        // One chain: the oldest datagrams, as long as their flags agree.
        std::vector<datagram_record*> chain;
        const ULONG flags = kept_.front()->event_flags();
        while (!kept_.empty() && chain.size() < max_chain && kept_.front()->event_flags() == flags) {
            chain.push_back(kept_.front());
            kept_.pop_front();
        }
        lock.unlock();
        deliver_chain(std::move(chain));
        lock.lock();
    }
    serving_ = false;
    pump_locked();
    lock.unlock();
    finished_one();
}

void datagram_socket::deliver_chain(std::vector<datagram_record*> chain) {
    events_.deliver(WSK_EVENT_RECEIVE_FROM, [this, chain = std::move(chain)](bool run) mutable {
        if (!run) {
            for (datagram_record* record : chain) {
                free_record(record);
            }
            return;
        }
        if (!events_.enabled(WSK_EVENT_RECEIVE_FROM)) {
            // Disabled while it waited its turn: back to the front, in order.
            std::lock_guard lock(mutex_);
            kept_.insert(kept_.begin(), chain.begin(), chain.end());
            return;
        }
        if (!event_callback_allowed(this, "WskReceiveFromEvent")) {
            for (datagram_record* record : chain) {
                free_record(record);
            }
            return;
        }
        if (rt::active() && rt::take_null_indication(operation::receive_from_event, key())) {
            // Test control: "the socket is dead", as the callback may be told;
            // the datagrams are dropped.
            for (datagram_record* record : chain) {
                free_record(record);
            }
            (void)call_receive_from_event(client_dispatch_, context(), key(), WSK_FLAG_AT_DISPATCH_LEVEL, nullptr, 0);
            return;
        }
        for (std::size_t i = 0; i < chain.size(); ++i) {
            chain[i]->indication.Next = i + 1 < chain.size() ? &chain[i + 1]->indication : nullptr;
        }
        {
            // The driver owns them from now on: a WskRelease may come from
            // another thread before the callback has even returned.
            std::lock_guard lock(mutex_);
            retained_.insert(chain.begin(), chain.end());
        }
        indication_retained(this, &chain.front()->indication);
        const ULONG flags = WSK_FLAG_AT_DISPATCH_LEVEL | chain.front()->event_flags();
        std::uint64_t bytes = 0;
        for (const datagram_record* record : chain) {
            bytes += record->facts.bytes;
        }
        const NTSTATUS status =
            call_receive_from_event(client_dispatch_, context(), key(), flags, &chain.front()->indication, bytes);
        if (status == STATUS_PENDING) {
            return;  // retained until WskRelease
        }
        // Taken back: the verifier forgets it (and reports a driver that
        // released what it did not keep).
        (void)indication_released(this, &chain.front()->indication);
        // Taken back: those the driver did not release (all, unless it broke the rules).
        std::vector<datagram_record*> back;
        {
            std::lock_guard lock(mutex_);
            for (datagram_record* record : chain) {
                if (retained_.erase(record) != 0) {
                    back.push_back(record);
                }
            }
        }
        if (status == STATUS_SUCCESS) {
            for (datagram_record* record : back) {
                free_record(record);
            }
        } else if (status == STATUS_DATA_NOT_ACCEPTED) {
            if (events_.suspend(WSK_EVENT_RECEIVE_FROM)) {
                // Kept, first in line, until a WskReceiveFrom or the event's
                // re-enabling takes them.
                std::lock_guard lock(mutex_);
                kept_.insert(kept_.begin(), back.begin(), back.end());
            } else {
                // A static event stays on: the refused datagrams are dropped (decision).
                kernel::log().debug("WskReceiveFromEvent (static) refused {} datagram(s): dropped", back.size());
                for (datagram_record* record : back) {
                    free_record(record);
                }
            }
        } else {
            kernel::raise_bug_check(
                DRIVER_VERIFIER_DETECTED_VIOLATION, receive_from_event_bad_status,
                reinterpret_cast<ULONG_PTR>(static_cast<WSK_SOCKET*>(this)), static_cast<ULONG>(status), 0,
                fmt::format("WskReceiveFromEvent of socket {} returned {:#010x}; it may return only STATUS_SUCCESS, "
                            "STATUS_PENDING or STATUS_DATA_NOT_ACCEPTED",
                            static_cast<void*>(static_cast<WSK_SOCKET*>(this)), static_cast<ULONG>(status)));
        }
    });
}

void datagram_socket::deliver_dead() {
    events_.deliver(WSK_EVENT_RECEIVE_FROM, [this](bool run) {
        if (!run || !events_.enabled(WSK_EVENT_RECEIVE_FROM) || !event_callback_allowed(this, "WskReceiveFromEvent")) {
            return;
        }
        (void)call_receive_from_event(client_dispatch_, context(), key(), WSK_FLAG_AT_DISPATCH_LEVEL, nullptr, 0);
    });
}

void datagram_socket::events_enabled(ULONG events) {
    if ((events & WSK_EVENT_RECEIVE_FROM) != 0) {
        std::lock_guard lock(mutex_);
        pump_locked();  // kept datagrams first, then the host's
    }
}

// ---- WskRelease ----------------------------------------------------------------------------

std::size_t datagram_socket::kept_datagrams() const {
    std::lock_guard lock(mutex_);
    return kept_.size();
}

NTSTATUS datagram_socket::release(PWSK_DATAGRAM_INDICATION list) {
    if (list == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    if (!indication_released(this, list)) {
        return STATUS_INVALID_PARAMETER;  // reported: released twice, never handed out, or another socket's
    }
    std::vector<datagram_record*> records;
    {
        std::lock_guard lock(mutex_);
        std::unordered_set<datagram_record*> seen;
        for (PWSK_DATAGRAM_INDICATION element = list; element != nullptr;) {
            auto* record = reinterpret_cast<datagram_record*>(element);
            if (retained_.count(record) == 0 || !seen.insert(record).second) {
                kernel::log().warn("WskRelease: {} is not an indication this datagram socket handed out with "
                                   "STATUS_PENDING and not released yet; STATUS_INVALID_PARAMETER, nothing released",
                                   static_cast<void*>(element));
                return STATUS_INVALID_PARAMETER;
            }
            records.push_back(record);
            element = record->indication.Next;
        }
        for (datagram_record* record : records) {
            retained_.erase(record);
        }
    }
    for (datagram_record* record : records) {
        free_record(record);
    }
    return STATUS_SUCCESS;
}

}  // namespace wskemu::wsk
