// wskemu: the runtime's scheduler of deferred work (scheduler.hpp).
#include "runtime/scheduler.hpp"

#include "kernel/ke_dispatcher.hpp"
#include "kernel/work_queue.hpp"
#include "net/io_engine.hpp"
#include "runtime/control.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace wskemu::rt {

namespace {

struct entry {
    std::uint64_t sequence;
    lane where;
    clock::time_point due;
    task work;
};

bool same_lane(const lane& a, const lane& b) { return a.socket == b.socket && a.kind == b.kind; }

struct scheduler_state {
    std::mutex mutex;
    std::condition_variable finished;  // a task finished (flush_socket waits for running ones)
    std::deque<entry> queued;          // submission order
    std::uint64_t next_sequence = 1;
    std::unordered_map<const void*, std::size_t> running;  // tasks running now, per socket
    std::vector<lane> running_lanes;   // lanes with a task running now (deterministic order)
    std::atomic<bool> deterministic{false};
    std::recursive_mutex drive;        // one driving thread at a time
};

scheduler_state& state() {
    static auto* s = new scheduler_state;  // never destroyed: completions may arrive at exit
    return *s;
}

// Sockets whose tasks the calling thread is running (innermost last), so a
// flush from inside one of them does not wait for itself.
thread_local std::vector<const void*> running_here;

void run_entry(scheduler_state& s, entry& e) {
    running_here.push_back(e.where.socket);
    struct done {
        scheduler_state& s;
        const lane where;
        ~done() {
            running_here.pop_back();
            std::lock_guard lock(s.mutex);
            if (--s.running[where.socket] == 0) {
                s.running.erase(where.socket);
            }
            auto it = std::find_if(s.running_lanes.begin(), s.running_lanes.end(),
                                   [&](const lane& l) { return same_lane(l, where); });
            if (it != s.running_lanes.end()) {
                s.running_lanes.erase(it);
            }
            s.finished.notify_all();
        }
    } guard{s, e.where};
    e.work();
}

// Takes the entry with `sequence` if it is still queued. Caller holds the lock.
bool take_locked(scheduler_state& s, std::uint64_t sequence, entry& out) {
    for (auto it = s.queued.begin(); it != s.queued.end(); ++it) {
        if (it->sequence == sequence) {
            out = std::move(*it);
            s.queued.erase(it);
            ++s.running[out.where.socket];
            s.running_lanes.push_back(out.where);
            return true;
        }
    }
    return false;
}

// Threaded mode: the engine runs this when an entry is due.
void run_sequence(std::uint64_t sequence) {
    auto& s = state();
    entry e;
    {
        std::lock_guard lock(s.mutex);
        if (!take_locked(s, sequence, e)) {
            return;  // flushed, or run by a poll
        }
    }
    run_entry(s, e);
}

// Deterministic mode: picks one ready lane head, chosen by the seed. Caller
// holds the lock.
bool pick_locked(scheduler_state& s, entry& out) {
    const auto now = clock::now();
    std::vector<std::size_t> heads;
    std::vector<lane> seen;
    for (std::size_t i = 0; i < s.queued.size(); ++i) {
        const entry& e = s.queued[i];
        const bool lane_seen = std::any_of(seen.begin(), seen.end(), [&](const lane& l) { return same_lane(l, e.where); });
        if (lane_seen) {
            continue;  // not the head of its lane
        }
        seen.push_back(e.where);
        const bool lane_busy = std::any_of(s.running_lanes.begin(), s.running_lanes.end(),
                                           [&](const lane& l) { return same_lane(l, e.where); });
        if (!lane_busy && e.due <= now) {
            heads.push_back(i);
        }
    }
    if (heads.empty()) {
        return false;
    }
    const std::size_t chosen = heads[heads.size() == 1 ? 0 : next_order_random() % heads.size()];
    return take_locked(s, s.queued[chosen].sequence, out);
}

// Runs one ready task; false if none was ready.
bool run_one_ready() {
    auto& s = state();
    entry e;
    {
        std::lock_guard lock(s.mutex);
        if (!pick_locked(s, e)) {
            return false;
        }
    }
    run_entry(s, e);
    return true;
}

// When the earliest queued task falls due (max() if none).
clock::time_point next_due() {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    clock::time_point earliest = clock::time_point::max();
    for (const entry& e : s.queued) {
        earliest = std::min(earliest, e.due);
    }
    return earliest;
}

// The wait pump of the deterministic mode: KeWaitForSingleObject on a thread
// that may drive runs one step while it waits.
bool pump_step() {
    auto& s = state();
    std::unique_lock drive(s.drive, std::try_to_lock);
    if (!drive.owns_lock()) {
        return false;  // another thread drives; this wait sleeps a slice
    }
    auto& engine = net::io_engine::instance();
    engine.poll();
    if (run_one_ready()) {
        return true;
    }
    // Nothing ready: block briefly for host I/O instead of spinning.
    if (engine.run_one_for(std::chrono::milliseconds(1)) > 0) {
        return true;
    }
    return run_one_ready();
}

// Work items go through the scheduler in deterministic mode.
bool route_work(std::function<void()>& work) {
    if (!deterministic()) {
        return false;
    }
    schedule(lane{nullptr, 0xFFFFu}, clock::now(), [w = std::move(work)]() mutable { w(); });
    return true;
}

}  // namespace

void schedule(lane where, clock::time_point due, task work) {
    auto& s = state();
    std::uint64_t sequence;
    {
        std::lock_guard lock(s.mutex);
        sequence = s.next_sequence++;
        s.queued.push_back(entry{sequence, where, due, std::move(work)});
    }
    if (s.deterministic.load(std::memory_order_acquire)) {
        return;  // the driving thread runs it
    }
    const auto now = clock::now();
    auto& engine = net::io_engine::instance();
    if (due <= now) {
        engine.post([sequence] { run_sequence(sequence); });
    } else {
        engine.post_after(due - now, [sequence] { run_sequence(sequence); });
    }
}

bool deterministic() noexcept { return state().deterministic.load(std::memory_order_acquire); }

void set_deterministic(bool on) {
    auto& s = state();
    auto& engine = net::io_engine::instance();
    if (on == s.deterministic.load(std::memory_order_acquire)) {
        return;
    }
    if (on) {
        engine.configure_manual();
        s.deterministic.store(true, std::memory_order_release);
        kernel::set_global_wait_pump(&pump_step);
        kernel::set_work_router(&route_work);
    } else {
        kernel::set_global_wait_pump(nullptr);
        s.deterministic.store(false, std::memory_order_release);
        engine.configure_threaded();
        // What the driving thread left queued now runs on the engine.
        std::vector<std::pair<std::uint64_t, clock::time_point>> left;
        {
            std::lock_guard lock(s.mutex);
            for (const entry& e : s.queued) {
                left.emplace_back(e.sequence, e.due);
            }
        }
        const auto now = clock::now();
        for (const auto& [sequence, due] : left) {
            const auto id = sequence;
            if (due <= now) {
                engine.post([id] { run_sequence(id); });
            } else {
                engine.post_after(due - now, [id] { run_sequence(id); });
            }
        }
    }
    refresh_active();
}

void flush_socket(const void* socket) {
    auto& s = state();
    for (;;) {
        entry e;
        bool found = false;
        {
            std::lock_guard lock(s.mutex);
            for (const entry& candidate : s.queued) {
                if (candidate.where.socket == socket) {
                    found = take_locked(s, candidate.sequence, e);
                    break;
                }
            }
        }
        if (!found) {
            break;
        }
        run_entry(s, e);
    }
    const auto own = static_cast<std::size_t>(std::count(running_here.begin(), running_here.end(), socket));
    std::unique_lock lock(s.mutex);
    s.finished.wait(lock, [&] {
        auto it = s.running.find(socket);
        return it == s.running.end() || it->second <= own;
    });
}

std::size_t poll_ready() {
    auto& s = state();
    std::lock_guard drive(s.drive);
    auto& engine = net::io_engine::instance();
    std::size_t ran = 0;
    for (;;) {
        if (deterministic()) {
            ran += engine.poll();
        }
        if (!run_one_ready()) {
            return ran;
        }
        ++ran;
    }
}

std::size_t run_until_idle(std::chrono::milliseconds timeout) {
    auto& s = state();
    std::lock_guard drive(s.drive);
    const auto deadline = clock::now() + timeout;
    std::size_t ran = 0;
    for (;;) {
        const std::size_t n = poll_ready();
        ran += n;
        if (n > 0) {
            continue;
        }
        // Known future work (delays) counts as not idle; host I/O does not.
        const auto due = next_due();
        const auto now = clock::now();
        if (due == clock::time_point::max() || now >= deadline) {
            return ran;
        }
        std::this_thread::sleep_until(std::min(due, deadline));
    }
}

bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    auto& s = state();
    const auto deadline = clock::now() + timeout;
    if (!deterministic()) {
        while (!done()) {
            if (clock::now() >= deadline) {
                return done();
            }
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        return true;
    }
    std::lock_guard drive(s.drive);
    auto& engine = net::io_engine::instance();
    while (!done()) {
        const auto now = clock::now();
        if (now >= deadline) {
            return done();
        }
        if (poll_ready() > 0) {
            continue;
        }
        clock::duration wait = std::min<clock::duration>(deadline - now, std::chrono::milliseconds(5));
        if (const auto due = next_due(); due != clock::time_point::max()) {
            wait = std::max(std::min(wait, due - now), clock::duration::zero());
        }
        engine.run_one_for(wait);
    }
    return true;
}

std::size_t queued_tasks() {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    return s.queued.size();
}

}  // namespace wskemu::rt
