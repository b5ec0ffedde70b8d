// common::sleep_lock (src/common/sleep_lock.hpp): the lock each WSK socket
// and host socket holds across its inline send or receive. Beyond excluding
// (lock_test.cpp), it must let a waiter sleep rather than spin, and wake
// every waiter in turn.
#include <gtest/gtest.h>

#include "common/sleep_lock.hpp"

#include <atomic>
#include <chrono>
#include <ctime>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using wskemu::common::sleep_lock;

TEST(SleepLock, EveryWaiterGetsTheLockInTurn) {
    // Three threads queue behind a holder. Each unlock wakes one of them; the
    // one woken must leave the lock marked contended, or the others would
    // sleep on with the lock free. The waiters own what they use, so that a
    // lock that fails them leaves them asleep without hanging the test.
    struct shared {
        sleep_lock lock;
        std::atomic<int> acquired{0};
    };
    auto state = std::make_shared<shared>();
    state->lock.lock();
    std::vector<std::thread> waiters;
    for (int i = 0; i < 3; ++i) {
        waiters.emplace_back([state] {
            std::lock_guard guard(state->lock);
            state->acquired.fetch_add(1);
            std::this_thread::sleep_for(5ms);  // the next one must wait for this
        });
    }
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(state->acquired.load(), 0);
    state->lock.unlock();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (state->acquired.load() < 3 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    const bool all = state->acquired.load() == 3;
    for (auto& w : waiters) {
        if (all) {
            w.join();
        } else {
            w.detach();
        }
    }
    EXPECT_TRUE(all) << state->acquired.load() << " of 3 waiters got the lock in 10 s";
}

#if defined(__linux__)
TEST(SleepLock, AWaiterSleepsWhileTheLockIsHeld) {
    // Held across a system call, the lock may be held for as long as the
    // host takes: a waiter must not burn its core meanwhile.
    sleep_lock lock;
    lock.lock();
    std::atomic<bool> acquired{false};
    double waiter_cpu_ms = -1;
    std::thread waiter([&] {
        timespec start{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
        lock.lock();
        timespec end{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end);
        acquired = true;
        lock.unlock();
        waiter_cpu_ms = static_cast<double>(end.tv_sec - start.tv_sec) * 1e3 +
                        static_cast<double>(end.tv_nsec - start.tv_nsec) / 1e6;
    });
    std::this_thread::sleep_for(300ms);
    EXPECT_FALSE(acquired.load());
    lock.unlock();
    waiter.join();
    EXPECT_TRUE(acquired.load());
    EXPECT_LT(waiter_cpu_ms, 60.0) << "the waiter spun for the 300 ms the lock was held";
}
#endif

}  // namespace
