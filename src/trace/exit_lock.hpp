// wskemu: the traces' locks as the exit writer takes them. At process exit
// (an exit handler; for the runtime DLL, after Windows ended the other
// threads) a lock may be held by a thread that no longer runs: the writer
// waits a moment for each lock, then gives up rather than hang the exit.
// The wait polls try_lock(), which every sanitizer and platform knows.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace wskemu::trace {

/// Set by the exit writer before it writes.
inline std::atomic<bool> exiting{false};

/// `mutex` locked; at exit, possibly not (check owns_lock()).
inline std::unique_lock<std::mutex> lock_for_output(std::mutex& mutex) {
    if (!exiting.load(std::memory_order_relaxed)) {
        return std::unique_lock<std::mutex>(mutex);
    }
    std::unique_lock<std::mutex> lock(mutex, std::try_to_lock);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    while (!lock.owns_lock() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        (void)lock.try_lock();
    }
    return lock;
}

}  // namespace wskemu::trace
