// wskemu: the traces' locks as the exit writer takes them. At process exit
// (an exit handler; for the runtime DLL, after Windows ended the other
// threads) a lock may be held by a thread that no longer runs: the writer
// waits a moment for each lock, then gives up rather than hang the exit.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>

namespace wskemu::trace {

/// Set by the exit writer before it writes.
inline std::atomic<bool> exiting{false};

/// `mutex` locked; at exit, possibly not (check owns_lock()).
inline std::unique_lock<std::timed_mutex> lock_for_output(std::timed_mutex& mutex) {
    if (!exiting.load(std::memory_order_relaxed)) {
        return std::unique_lock<std::timed_mutex>(mutex);
    }
    std::unique_lock<std::timed_mutex> lock(mutex, std::defer_lock);
    (void)lock.try_lock_for(std::chrono::milliseconds(500));
    return lock;
}

}  // namespace wskemu::trace
