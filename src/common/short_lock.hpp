// wskemu: a lock for short critical sections that never wait (no system call,
// no condition, no callback into a driver). Shared by both worlds (it
// includes neither WDK nor OS socket headers).
//
// Why not std::mutex: on the per-call path (every WSK call looks its socket up,
// every completion counts itself) an uncontended std::mutex costs two atomic
// read-modify-writes and about 55 instructions; this costs one exchange and a
// store (docs/performance.md, "fifth session").
#pragma once

#include <atomic>
#include <thread>

#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <intrin.h>
#endif

namespace wskemu::common {

class short_lock {
public:
    short_lock() noexcept = default;
    short_lock(const short_lock&) = delete;
    short_lock& operator=(const short_lock&) = delete;

    void lock() noexcept {
        if (!held_.exchange(true, std::memory_order_acquire)) {
            return;
        }
        // The holder may be a host thread preempted inside its few
        // instructions: spin briefly, then give the processor up.
        for (unsigned spins = 0;; ++spins) {
            if (!held_.load(std::memory_order_relaxed) && !held_.exchange(true, std::memory_order_acquire)) {
                return;
            }
            if (spins < 64) {
                relax();
            } else {
                std::this_thread::yield();
            }
        }
    }

    bool try_lock() noexcept {
        return !held_.load(std::memory_order_relaxed) && !held_.exchange(true, std::memory_order_acquire);
    }

    void unlock() noexcept { held_.store(false, std::memory_order_release); }

private:
    static void relax() noexcept {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
        __builtin_ia32_pause();
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
        _mm_pause();
#endif
    }

    std::atomic<bool> held_{false};
};

}  // namespace wskemu::common
