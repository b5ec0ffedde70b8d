// common::short_lock (src/common/short_lock.hpp): the lock the per-call path
// takes for the live-socket registry and each socket's counters. Exclusion
// and try_lock are tested with the other per-call lock, in lock_test.cpp.
#include <gtest/gtest.h>

#include "common/short_lock.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace {

using namespace std::chrono_literals;
using wskemu::common::short_lock;

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
