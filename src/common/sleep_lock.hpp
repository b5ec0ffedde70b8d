// wskemu: a lock that may be held across a system call (a socket's send or
// receive), so a waiter sleeps instead of spinning. Shared by both worlds
// (it includes neither WDK nor OS socket headers).
//
// Why not std::mutex, on Linux: it is the same two atomic operations
// uncontended, but each goes through a call into the C library and its
// checks of the mutex kind: about 55 instructions per lock and unlock, taken
// twice per WSK send or receive (the WSK socket's lock and the host
// socket's). This one is inline, a compare-exchange and an exchange, and a
// waiter sleeps on a futex (std::atomic wait).
//
// Elsewhere it is std::mutex. Without a futex, libstdc++ 12 builds
// std::atomic wait on a shared condition variable, and under the MinGW build
// (run on Wine) a waiter slept on after the unlock that should have woken it:
// the exclusion test of tests/runtime/lock_test.cpp hung.
#pragma once

#include <atomic>
#include <mutex>

namespace wskemu::common {

#if defined(__linux__)

class sleep_lock {
public:
    sleep_lock() noexcept = default;
    sleep_lock(const sleep_lock&) = delete;
    sleep_lock& operator=(const sleep_lock&) = delete;

    void lock() noexcept {
        if (!try_lock()) [[unlikely]] {
            lock_contended();
        }
    }

    bool try_lock() noexcept {
        int expected = unlocked;
        return state_.compare_exchange_strong(expected, locked, std::memory_order_acquire, std::memory_order_relaxed);
    }

    void unlock() noexcept {
        if (state_.exchange(unlocked, std::memory_order_release) == locked_contended) [[unlikely]] {
            state_.notify_one();
        }
    }

private:
    static constexpr int unlocked = 0;
    static constexpr int locked = 1;
    static constexpr int locked_contended = 2;  // someone may sleep: unlock wakes one

    // A thread that finds the lock taken marks it locked_contended, so the
    // holder's unlock wakes it; a thread that wakes takes the lock in that
    // state too, as others may still sleep.
    void lock_contended() noexcept {
        int seen = state_.exchange(locked_contended, std::memory_order_acquire);
        while (seen != unlocked) {
            state_.wait(locked_contended, std::memory_order_relaxed);
            seen = state_.exchange(locked_contended, std::memory_order_acquire);
        }
    }

    std::atomic<int> state_{unlocked};
};

#else

using sleep_lock = std::mutex;

#endif

}  // namespace wskemu::common
