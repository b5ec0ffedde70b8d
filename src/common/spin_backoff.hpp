// wskemu: how a thread waits for a lock held by another for a few
// instructions: pause with exponential backoff, then yield the processor
// (the holder may be a host thread preempted inside its critical section).
// Shared by both worlds (it includes neither WDK nor OS socket headers); the
// emulated KSPIN_LOCK and common::short_lock wait with it.
#pragma once

#include <thread>

#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <intrin.h>
#endif

namespace wskemu::common {

class spin_backoff {
public:
    /// One wait between two attempts at the lock.
    void pause() noexcept {
        if (spins_ <= max_spins) {
            for (unsigned i = 0; i < spins_; ++i) {
                relax();
            }
            spins_ *= 2;
        } else {
            std::this_thread::yield();
        }
    }

private:
    static constexpr unsigned max_spins = 64;

    static void relax() noexcept {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
        __builtin_ia32_pause();
#elif defined(__GNUC__) && defined(__aarch64__)
        __asm__ __volatile__("yield");
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
        _mm_pause();
#endif
    }

    unsigned spins_ = 1;
};

}  // namespace wskemu::common
