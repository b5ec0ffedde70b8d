// Tests for src/kernel/ke_semaphore.cpp.
#include <wdm.h>

#include <gtest/gtest.h>

#include "kernel/ke_dispatcher.hpp"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

template <typename Predicate>
bool eventually(Predicate done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

TEST(KeInitializeSemaphore, SetsCountAndLimit) {
    KSEMAPHORE semaphore;
    memset(&semaphore, 0xCC, sizeof(semaphore));
    KeInitializeSemaphore(&semaphore, 2, 5);
    EXPECT_EQ(semaphore.Header.Type, SemaphoreObject);
    EXPECT_EQ(semaphore.Limit, 5);
    EXPECT_EQ(KeReadStateSemaphore(&semaphore), 2);
}

TEST(KeWaitForSingleObject, TakesOneSemaphoreUnitPerWait) {
    KSEMAPHORE semaphore;
    KeInitializeSemaphore(&semaphore, 2, 5);
    LARGE_INTEGER zero{};
    EXPECT_EQ(KeWaitForSingleObject(&semaphore, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    EXPECT_EQ(KeWaitForSingleObject(&semaphore, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    EXPECT_EQ(KeWaitForSingleObject(&semaphore, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT);
    EXPECT_EQ(KeReadStateSemaphore(&semaphore), 0);
}

TEST(KeReleaseSemaphore, ReturnsThePreviousCount) {
    KSEMAPHORE semaphore;
    KeInitializeSemaphore(&semaphore, 0, 10);
    EXPECT_EQ(KeReleaseSemaphore(&semaphore, SEMAPHORE_INCREMENT, 3, FALSE), 0);
    EXPECT_EQ(KeReleaseSemaphore(&semaphore, SEMAPHORE_INCREMENT, 1, FALSE), 3);
    EXPECT_EQ(KeReadStateSemaphore(&semaphore), 4);
}

TEST(KeReleaseSemaphore, PastTheLimitRaisesAndKeepsTheCount) {
    KSEMAPHORE semaphore;
    KeInitializeSemaphore(&semaphore, 1, 2);
    EXPECT_EQ(KeReleaseSemaphore(&semaphore, SEMAPHORE_INCREMENT, 1, FALSE), 1);
    try {
        KeReleaseSemaphore(&semaphore, SEMAPHORE_INCREMENT, 1, FALSE);
        ADD_FAILURE() << "no exception";
    } catch (const wskemu::seh_exception& e) {
        EXPECT_EQ(e.code, STATUS_SEMAPHORE_LIMIT_EXCEEDED);
    }
    EXPECT_EQ(KeReadStateSemaphore(&semaphore), 2);
}

TEST(KeReleaseSemaphore, AdjustmentWakesThatManyWaiters) {
    constexpr int waiters = 4;
    KSEMAPHORE semaphore;
    KeInitializeSemaphore(&semaphore, 0, 100);
    std::atomic<int> woken{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < waiters; ++i) {
        threads.emplace_back([&] {
            EXPECT_EQ(KeWaitForSingleObject(&semaphore, Executive, KernelMode, FALSE, nullptr), STATUS_SUCCESS);
            ++woken;
        });
    }
    ASSERT_TRUE(eventually([&] { return wskemu::kernel::count_waiters(&semaphore.Header) == waiters; }));
    EXPECT_EQ(KeReleaseSemaphore(&semaphore, SEMAPHORE_INCREMENT, 3, FALSE), 0);
    EXPECT_TRUE(eventually([&] { return woken.load() == 3; }));
    EXPECT_EQ(KeReadStateSemaphore(&semaphore), 0);
    EXPECT_EQ(wskemu::kernel::count_waiters(&semaphore.Header), 1u);
    EXPECT_EQ(KeReleaseSemaphore(&semaphore, SEMAPHORE_INCREMENT, 2, FALSE), 0);
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(woken.load(), waiters);
    EXPECT_EQ(KeReadStateSemaphore(&semaphore), 1);
}

}  // namespace
