// wskemu: where the provider's deferred work runs: completions delivered
// later than the host finished them (forced pending, delays, holds released,
// the deterministic mode), and, in deterministic mode, every completion,
// callback and work item.
//
// Threaded mode (the default): a deferred task runs on an engine thread as
// soon as it is due. Deterministic mode: nothing runs until the driving
// thread polls (or waits in KeWaitForSingleObject); ready tasks then run one
// at a time in an order the seed chooses, except that tasks of one lane keep
// their submission order.
#pragma once

#include "net/callback.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace wskemu::rt {

using task = net::callback<void()>;
using clock = std::chrono::steady_clock;

/// Tasks with the same lane run in submission order (one socket's sends,
/// one socket's receives, one socket's callbacks); different lanes in any
/// order.
struct lane {
    const void* socket = nullptr;
    std::uint32_t kind = 0;
};

/// Runs `work` later, not before `due`. `socket` (the lane's) lets a close
/// flush it first.
void schedule(lane where, clock::time_point due, task work);

/// True in deterministic mode: every completion must be scheduled, none run
/// on the thread that finished the host operation.
bool deterministic() noexcept;
void set_deterministic(bool on);

/// Runs now, on this thread, every task queued for `socket` (in lane order),
/// then waits for its tasks running on other threads: what a close does before
/// it completes, so that no completion of the socket follows the close's.
void flush_socket(const void* socket);

/// Deterministic drive (also usable in threaded mode, where little is queued).
std::size_t poll_ready();
std::size_t run_until_idle(std::chrono::milliseconds timeout);
bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);

/// Tasks queued now (for tests and describe()).
std::size_t queued_tasks();

}  // namespace wskemu::rt
