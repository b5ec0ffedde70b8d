// What every lock of the per-call path must do, for each of them:
// common::short_lock (the live-socket registry, each socket's counters) and
// common::sleep_lock (the sockets' locks, held across a host call). What
// sets them apart is tested in short_lock_test.cpp and sleep_lock_test.cpp.
#include <gtest/gtest.h>

#include "common/short_lock.hpp"
#include "common/sleep_lock.hpp"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace {

template <typename Lock>
class PerCallLock : public ::testing::Test {};

using lock_types = ::testing::Types<wskemu::common::short_lock, wskemu::common::sleep_lock>;
TYPED_TEST_SUITE(PerCallLock, lock_types);

TYPED_TEST(PerCallLock, ExcludesOtherThreads) {
    constexpr int per_thread = 200'000;
    TypeParam lock;
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

TYPED_TEST(PerCallLock, TryLockFailsWhileHeldAndSucceedsAfter) {
    TypeParam lock;
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

}  // namespace
