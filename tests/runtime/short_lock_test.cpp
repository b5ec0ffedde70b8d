// common::short_lock (src/common/short_lock.hpp): the lock the per-call path
// takes for the live-socket registry and each socket's counters.
#include <gtest/gtest.h>

#include "common/short_lock.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using wskemu::common::short_lock;

TEST(ShortLock, ExcludesOtherThreads) {
    constexpr int per_thread = 200'000;
    short_lock lock;
    long counter = 0;  // deliberately not atomic: the lock must protect it
    std::atomic<int> inside{0};
    std::atomic<int> overlaps{0};
    auto work = [&] {
        for (int i = 0; i < per_thread; ++i) {
            std::lock_guard guard(lock);
            if (inside.fetch_add(1, std::memory_order_relaxed) != 0) {
                overlaps.fetch_add(1, std::memory_order_relaxed);
            }
            counter = counter + 1;
            inside.fetch_sub(1, std::memory_order_relaxed);
        }
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {  // more threads than the CI machine's 2 cores: holders get preempted
        threads.emplace_back(work);
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(overlaps.load(), 0);
    EXPECT_EQ(counter, 4L * per_thread);
}

TEST(ShortLock, TryLockFailsWhileHeldAndSucceedsAfter) {
    short_lock lock;
    ASSERT_TRUE(lock.try_lock());
    bool taken_elsewhere = true;
    std::thread([&] { taken_elsewhere = lock.try_lock(); }).join();
    EXPECT_FALSE(taken_elsewhere);
    lock.unlock();
    std::thread([&] {
        taken_elsewhere = lock.try_lock();
        if (taken_elsewhere) {
            lock.unlock();
        }
    }).join();
    EXPECT_TRUE(taken_elsewhere);
}

TEST(ShortLock, AWaiterGetsTheLockOnceALongHolderLetsGo) {
    // A holder descheduled for a long time: the waiter yields instead of
    // burning its core, and takes the lock as soon as it is free.
    short_lock lock;
    lock.lock();
    std::atomic<bool> acquired{false};
    std::thread waiter([&] {
        std::lock_guard guard(lock);
        acquired = true;
    });
    std::this_thread::sleep_for(30ms);
    EXPECT_FALSE(acquired.load());
    lock.unlock();
    waiter.join();
    EXPECT_TRUE(acquired.load());
}

}  // namespace
