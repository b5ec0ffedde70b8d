// wskemu: a lock for short critical sections that never wait (no system call,
// no condition, no callback into a driver). Shared by both worlds (it
// includes neither WDK nor OS socket headers).
//
// Why not std::mutex: on the per-call path (every WSK call looks its socket up,
// every completion counts itself) an uncontended std::mutex costs two atomic
// read-modify-writes and about 55 instructions; this costs one exchange and a
// store (docs/performance.md, "fifth session").
#pragma once

#include "common/spin_backoff.hpp"

#include <atomic>

namespace wskemu::common {

class short_lock {
public:
    short_lock() noexcept = default;
    short_lock(const short_lock&) = delete;
    short_lock& operator=(const short_lock&) = delete;

    void lock() noexcept {
        spin_backoff backoff;
        while (!try_lock()) {
            backoff.pause();
        }
    }

    bool try_lock() noexcept {
        return !held_.load(std::memory_order_relaxed) && !held_.exchange(true, std::memory_order_acquire);
    }

    void unlock() noexcept { held_.store(false, std::memory_order_release); }

private:
    std::atomic<bool> held_{false};
};

}  // namespace wskemu::common
