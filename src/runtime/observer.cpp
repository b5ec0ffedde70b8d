// wskemu: observation (observer.hpp). Each socket's counters have their own
// lock (a short_lock: every completion takes it); only creation, reset and
// queries take the registry's.
#include "runtime/observer.hpp"

#include "common/short_lock.hpp"
#include "runtime/holds.hpp"
#include "runtime/scheduler.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace wskemu::rt {

struct socket_record {
    struct pending_entry {
        const void* irp;
        operation op;
        clock::time_point since;
    };

    common::short_lock mutex;
    const void* socket = nullptr;
    std::uint64_t serial = 0;
    bool open = true;
    std::uint64_t bytes_sent = 0;
    std::uint64_t bytes_received = 0;
    std::vector<call_count> calls;
    std::vector<pending_entry> pending;

    socket_stats snapshot() {
        std::lock_guard lock(mutex);
        return socket_stats{socket, serial, open, bytes_sent, bytes_received, calls};
    }
    void clear() {
        std::lock_guard lock(mutex);
        bytes_sent = bytes_received = 0;
        calls.clear();
    }
};

namespace {

struct registry {
    std::mutex mutex;
    std::vector<std::unique_ptr<socket_record>> records;  // creation order
    std::unordered_map<const void*, socket_record*> latest;
    std::uint64_t next_serial = 1;
    socket_record client;  // client-level calls (no socket)

    std::atomic<bool> recording{false};
    std::mutex record_mutex;
    std::vector<completion_record> completions;
};

registry& the_registry() {
    static auto* r = new registry;  // never destroyed: completions arrive at exit
    return *r;
}

bool sends_bytes(operation op) {
    return op == operation::send || op == operation::send_to || op == operation::send_messages ||
           op == operation::disconnect || op == operation::connect;
}

bool receives_bytes(operation op) { return op == operation::receive || op == operation::receive_from; }

}  // namespace

socket_record* open_socket_record(const void* socket) {
    auto& r = the_registry();
    auto record = std::make_unique<socket_record>();
    record->socket = socket;
    std::lock_guard lock(r.mutex);
    record->serial = r.next_serial++;
    socket_record* raw = record.get();
    r.records.push_back(std::move(record));
    r.latest[socket] = raw;
    return raw;
}

void close_socket_record(socket_record* record) {
    std::lock_guard lock(record->mutex);
    record->open = false;
}

void note_pending(socket_record* record, const void* irp, operation op) {
    socket_record& target = record != nullptr ? *record : the_registry().client;
    std::lock_guard lock(target.mutex);
    target.pending.push_back(socket_record::pending_entry{irp, op, clock::now()});
}

void note_completion(socket_record* record, const void* irp, operation op, std::int32_t status,
                     std::uint64_t information, bool pending) {
    auto& r = the_registry();
    socket_record& target = record != nullptr ? *record : r.client;
    {
        std::lock_guard lock(target.mutex);
        if (pending) {
            auto it = std::find_if(target.pending.begin(), target.pending.end(),
                                   [&](const socket_record::pending_entry& e) { return e.irp == irp; });
            if (it != target.pending.end()) {
                target.pending.erase(it);
            }
        }
        // Information is the bytes moved, whatever the status (a send cut by
        // a reset reports what went before it).
        if (sends_bytes(op)) {
            target.bytes_sent += information;
        } else if (receives_bytes(op)) {
            target.bytes_received += information;
        }
        auto it = std::find_if(target.calls.begin(), target.calls.end(),
                               [&](const call_count& c) { return c.op == op && c.status == status; });
        if (it != target.calls.end()) {
            ++it->count;
        } else {
            target.calls.push_back(call_count{op, status, 1});
        }
    }
    if (r.recording.load(std::memory_order_relaxed)) {
        std::lock_guard lock(r.record_mutex);
        completion_record c;
        c.sequence = r.completions.size() + 1;
        c.irp = irp;
        c.socket = record != nullptr ? record->socket : nullptr;
        c.op = op;
        c.status = status;
        c.information = information;
        c.pending = pending;
        r.completions.push_back(c);
    }
}

void note_bytes_received(socket_record* record, std::uint64_t bytes) {
    if (record == nullptr) {
        return;
    }
    std::lock_guard lock(record->mutex);
    record->bytes_received += bytes;
}

socket_stats stats_of(const void* socket) {
    auto& r = the_registry();
    std::lock_guard lock(r.mutex);
    auto it = r.latest.find(socket);
    if (it == r.latest.end()) {
        socket_stats none;
        none.socket = socket;
        return none;
    }
    return it->second->snapshot();
}

std::vector<socket_stats> all_socket_stats() {
    auto& r = the_registry();
    std::lock_guard lock(r.mutex);
    std::vector<socket_stats> out;
    out.reserve(r.records.size());
    for (const auto& record : r.records) {
        out.push_back(record->snapshot());
    }
    return out;
}

std::uint64_t completed_calls(operation op) {
    auto& r = the_registry();
    std::uint64_t total = 0;
    auto add = [&](socket_record& record) {
        std::lock_guard lock(record.mutex);
        for (const call_count& c : record.calls) {
            if (c.op == op) {
                total += c.count;
            }
        }
    };
    std::lock_guard lock(r.mutex);
    for (const auto& record : r.records) {
        add(*record);
    }
    add(r.client);
    return total;
}

std::vector<pending_irp_info> pending_irps_now() {
    auto& r = the_registry();
    const auto now = clock::now();
    const auto held = held_now();
    std::vector<std::pair<clock::time_point, pending_irp_info>> found;
    auto collect = [&](socket_record& record) {
        std::lock_guard lock(record.mutex);
        for (const auto& e : record.pending) {
            if (std::any_of(held.begin(), held.end(), [&](const held_info& h) { return h.irp == e.irp; })) {
                continue;  // listed below, as held
            }
            pending_irp_info info;
            info.irp = e.irp;
            info.socket = &record == &r.client ? nullptr : record.socket;
            info.op = e.op;
            info.age = now - e.since;
            found.emplace_back(e.since, info);
        }
    };
    {
        std::lock_guard lock(r.mutex);
        for (const auto& record : r.records) {
            collect(*record);
        }
        collect(r.client);
    }
    for (const held_info& h : held) {
        pending_irp_info info;
        info.irp = h.irp;
        info.socket = h.socket;
        info.op = h.op;
        info.age = now - h.since;
        info.held = true;
        found.emplace_back(h.since, info);
    }
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<pending_irp_info> out;
    out.reserve(found.size());
    for (auto& f : found) {
        out.push_back(f.second);
    }
    return out;
}

void set_recording(bool on) {
    auto& r = the_registry();
    std::lock_guard lock(r.record_mutex);
    if (on) {
        r.completions.clear();
    }
    r.recording.store(on, std::memory_order_relaxed);
}

bool recording() noexcept { return the_registry().recording.load(std::memory_order_relaxed); }

std::vector<completion_record> recorded_completions() {
    auto& r = the_registry();
    std::lock_guard lock(r.record_mutex);
    return r.completions;
}

void reset_observations() {
    auto& r = the_registry();
    {
        std::lock_guard lock(r.mutex);
        std::vector<std::unique_ptr<socket_record>> kept;
        for (auto& record : r.records) {
            bool open;
            {
                std::lock_guard record_lock(record->mutex);
                open = record->open;
            }
            if (open) {
                record->clear();
                kept.push_back(std::move(record));
            } else {
                // Closed: no socket or IRP refers to it any more.
                auto it = r.latest.find(record->socket);
                if (it != r.latest.end() && it->second == record.get()) {
                    r.latest.erase(it);
                }
            }
        }
        r.records = std::move(kept);
        r.client.clear();
    }
    set_recording(false);
}

}  // namespace wskemu::rt
