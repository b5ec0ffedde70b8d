// wskemu: the receive indications of WSK connection sockets: the records
// that hold received bytes, WskReceiveEvent with its WSK_DATA_INDICATION
// chains and its three answers, and WskRelease (docs/semantics.md,
// "WskReceiveEvent", "WskRelease (connection sockets)"). When and why they
// are delivered: wsk_socket_events.cpp.
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
#include "wsk/wsk_trace.hpp"
#include "wsk/wsk_verifier.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <atomic>
#include <new>
#include <unordered_set>
#include <utility>

namespace wskemu::wsk {

namespace {

using socket_limits::record_tag;
using socket_limits::release_asap_bytes;

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

namespace {

// Room for the MDL of a payload of `capacity` bytes wherever it starts.
constexpr std::size_t mdl_room(std::size_t capacity) noexcept {
    return sizeof(MDL) + (capacity / PAGE_SIZE + 2) * sizeof(PFN_NUMBER);
}

constexpr std::size_t payload_offset(std::size_t capacity) noexcept {
    constexpr std::size_t alignment = 16;
    return (sizeof(data_record) + mdl_room(capacity) + alignment - 1) / alignment * alignment;
}

}  // namespace

data_record* connection_socket::allocate_record(std::size_t capacity) {
    void* block = kernel::tracked_allocate_unfilled(payload_offset(capacity) + capacity, record_tag, WSKEMU_CALLER());
    if (block == nullptr) {
        return nullptr;
    }
    auto* record = new (block) data_record{};
    record->capacity = capacity;
    record->data = static_cast<unsigned char*>(block) + payload_offset(capacity);
    return record;
}

void connection_socket::finish_record(data_record* record, std::size_t bytes, bool push) {
    record->size = bytes;
    record->push = push;
    auto* mdl = reinterpret_cast<PMDL>(record + 1);
    MmInitializeMdl(mdl, record->data, bytes);
    MmBuildMdlForNonPagedPool(mdl);
    record->indication.Next = nullptr;
    record->indication.Buffer.Mdl = mdl;
    record->indication.Buffer.Offset = 0;
    record->indication.Buffer.Length = bytes;
}

void connection_socket::free_record(data_record* record) {
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

namespace {

// The buffer a read-ahead lands in, lent for the read: one kept between
// reads for the whole process, and one of its own for a thread that finds
// it lent. Not per socket (a connection keeps only the bytes it read
// ahead, in a record of their size), and not thread_local: under MinGW a
// thread_local whose destructor frees memory corrupts the heap at thread
// exit (docs/windows.md, "thread_local destructors under MinGW").
std::atomic<unsigned char*> spare_scratch{nullptr};

class scratch_lease {
public:
    scratch_lease() : buffer_(spare_scratch.exchange(nullptr, std::memory_order_acquire)) {
        if (buffer_ == nullptr) {
            buffer_ = new unsigned char[socket_limits::receive_read_ahead_size];
        }
    }
    ~scratch_lease() {
        unsigned char* none = nullptr;
        if (!spare_scratch.compare_exchange_strong(none, buffer_, std::memory_order_release)) {
            delete[] buffer_;
        }
    }
    scratch_lease(const scratch_lease&) = delete;
    scratch_lease& operator=(const scratch_lease&) = delete;

    unsigned char* get() const noexcept { return buffer_; }

private:
    unsigned char* buffer_;
};

}  // namespace

net::io_result connection_socket::receive_ahead_locked(const std::vector<net::mutable_buffer>& pieces, bool quiet) {
    const scratch_lease scratch;
    const net::mutable_buffer into{scratch.get(), socket_limits::receive_read_ahead_size};
    const std::span<const net::mutable_buffer> read(&into, 1);
    const net::io_result r = host_.try_receive(read);
    if (!quiet || r.err != net::error::would_block) {
        trace_received(*this, read, r.bytes, r.err);
    }
    if (r.err != net::error::none) {
        return r;
    }
    const std::size_t copied = copy_into(pieces, scratch.get(), r.bytes);
    const std::size_t surplus = r.bytes - copied;
    if (surplus == 0) {
        return {net::error::none, copied};
    }
    data_record* record = allocate_record(surplus);
    if (record == nullptr) {
        kernel::log().error("WSK connection socket {}: no memory to keep {} bytes read ahead; the connection is "
                            "aborted (STATUS_INSUFFICIENT_RESOURCES)",
                            static_cast<void*>(static_cast<WSK_SOCKET*>(this)), surplus);
        break_connection_locked(STATUS_INSUFFICIENT_RESOURCES);
        return {net::error::none, copied};
    }
    std::memcpy(record->payload(), scratch.get() + copied, surplus);
    finish_record(record, surplus, r.bytes < socket_limits::receive_read_ahead_size);
    kept_.push_back(record);
    kept_bytes_ += surplus;
    return {net::error::none, copied};
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
        if (event_record_ != nullptr) {
            free_record(std::exchange(event_record_, nullptr));
        }
        retained = retained_.size();
    }
    if (retained != 0) {
        kernel::log().warn("WskCloseSocket: connection socket {} closed with {} data indication(s) retained and not "
                           "released; WskCloseSocket does not release them (call WskRelease first): they stay "
                           "allocated",
                           static_cast<void*>(static_cast<WSK_SOCKET*>(this)), retained);
    }
}

// ---- WskReceiveEvent ----------------------------------------------------------------------------

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
