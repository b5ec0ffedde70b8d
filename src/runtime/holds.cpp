// wskemu: held calls (holds.hpp).
#include "runtime/holds.hpp"

#include "runtime/control.hpp"
#include "runtime/faults.hpp"
#include "wsk/wsk_irp.hpp"

#include <algorithm>
#include <memory>
#include <mutex>

namespace wskemu::rt {

namespace {

// Lane kind of the tasks that finish cancelled holds and end stalls.
constexpr std::uint32_t hold_lane = 0xFFFEu;

struct held_record final : wsk::pending_irp {
    explicit held_record(PIRP irp) noexcept : pending_irp(irp) {}
    std::uint64_t id = 0;
    operation op = operation::send;
    const void* socket = nullptr;
    bool stalled = false;
    clock::time_point since;
    resume_function resume;

    // IoCancelIrp took our cancel routine: this record is the cancel path's.
    void cancel_requested() noexcept override;
};

struct hold_table {
    std::mutex mutex;
    std::vector<held_record*> records;  // oldest first
    std::uint64_t next_id = 1;
};

hold_table& table() {
    static auto* t = new hold_table;  // never destroyed
    return *t;
}

void erase(held_record* record) {
    auto& t = table();
    std::lock_guard lock(t.mutex);
    t.records.erase(std::remove(t.records.begin(), t.records.end(), record), t.records.end());
}

void finish_cancel(held_record* record) {
    erase(record);
    std::unique_ptr<held_record> owned(record);
    owned->resume(hold_outcome{hold_outcome::action::cancel, 0, 0});
}

void held_record::cancel_requested() noexcept {
    held_record* self = this;
    schedule(lane{socket, hold_lane}, clock::now(), [self] { finish_cancel(self); });
}

// Takes a record out for `outcome`; nullptr if it is gone or being cancelled.
held_record* claim(std::uint64_t id) {
    auto& t = table();
    held_record* record = nullptr;
    {
        std::lock_guard lock(t.mutex);
        auto it = std::find_if(t.records.begin(), t.records.end(), [&](held_record* r) { return r->id == id; });
        if (it == t.records.end()) {
            return nullptr;
        }
        record = *it;
        // Taking the cancel routine back decides between us and IoCancelIrp.
        if (IoSetCancelRoutine(record->irp(), nullptr) == nullptr) {
            return nullptr;  // IoCancelIrp won: the cancel path completes it
        }
        t.records.erase(it);
    }
    return record;
}

std::vector<std::uint64_t> ids_where(bool (*keep)(const held_record&, const void*), const void* argument) {
    auto& t = table();
    std::lock_guard lock(t.mutex);
    std::vector<std::uint64_t> ids;
    for (const held_record* r : t.records) {
        if (keep(*r, argument)) {
            ids.push_back(r->id);
        }
    }
    return ids;
}

}  // namespace

std::uint64_t hold_call(operation op, const void* socket, PIRP irp, bool stalled, resume_function resume) {
    auto* record = new held_record(irp);
    record->op = op;
    record->socket = socket;
    record->stalled = stalled;
    record->since = clock::now();
    record->resume = std::move(resume);
    auto& t = table();
    {
        std::lock_guard lock(t.mutex);
        record->id = t.next_id++;
        t.records.push_back(record);
    }
    refresh_active();
    const std::uint64_t id = record->id;
    if (!wsk::arm_cancel(*record)) {
        // Cancelled before the routine was there: the cancel path is ours.
        schedule(lane{socket, hold_lane}, clock::now(), [record] { finish_cancel(record); });
    }
    return id;
}

bool resume_held(std::uint64_t id, const hold_outcome& outcome) {
    held_record* record = claim(id);
    if (record == nullptr) {
        return false;
    }
    std::unique_ptr<held_record> owned(record);
    owned->resume(outcome);
    return true;
}

std::vector<held_info> held_now() {
    auto& t = table();
    std::lock_guard lock(t.mutex);
    std::vector<held_info> out;
    for (const held_record* r : t.records) {
        out.push_back(held_info{r->id, r->op, r->socket, r->irp(), r->since});
    }
    return out;
}

bool has_stalled_holds(const void* socket) {
    auto& t = table();
    std::lock_guard lock(t.mutex);
    return std::any_of(t.records.begin(), t.records.end(),
                       [&](const held_record* r) { return r->stalled && r->socket == socket; });
}

void release_stalled_sends() {
    // Oldest first, until none is left whose stall is over (sends held behind
    // them meanwhile are released in the same pass, keeping the byte order).
    for (;;) {
        const auto ids = ids_where(
            [](const held_record& r, const void*) { return r.stalled && !sends_stalled(r.socket); }, nullptr);
        if (ids.empty()) {
            return;
        }
        for (const std::uint64_t id : ids) {
            resume_held(id, hold_outcome{hold_outcome::action::release, 0, 0});
        }
    }
}

void schedule_stall_release(clock::time_point when) {
    schedule(lane{nullptr, hold_lane}, when, [] { release_stalled_sends(); });
}

void cancel_socket_holds(const void* socket) {
    const auto ids = ids_where([](const held_record& r, const void* s) { return r.socket == s; }, socket);
    for (const std::uint64_t id : ids) {
        resume_held(id, hold_outcome{hold_outcome::action::cancel, 0, 0});
    }
}

void cancel_all_holds() {
    const auto ids = ids_where([](const held_record&, const void*) { return true; }, nullptr);
    for (const std::uint64_t id : ids) {
        resume_held(id, hold_outcome{hold_outcome::action::cancel, 0, 0});
    }
}

bool cancel_held(std::uint64_t id) {
    auto& t = table();
    std::lock_guard lock(t.mutex);
    auto it = std::find_if(t.records.begin(), t.records.end(), [&](held_record* r) { return r->id == id; });
    if (it == t.records.end()) {
        return false;
    }
    // The cancel routine only schedules the completion: safe under our lock.
    return IoCancelIrp((*it)->irp()) != FALSE;
}

bool holds_exist() noexcept {
    auto& t = table();
    std::lock_guard lock(t.mutex);
    return !t.records.empty();
}

}  // namespace wskemu::rt
