// Tests for src/kernel/ke_event.cpp and the dispatcher's wake rules.
#include <wdm.h>

#include <gtest/gtest.h>

#include "kernel/ke_dispatcher.hpp"
#include "support/kernel_fixture.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

// Polls until @p done holds or @p limit passes; returns done().
template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds limit = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

// Counts wake-ups so a test can wait for a number of them with a timeout.
class wake_counter {
public:
    void add() {
        std::lock_guard lock(lock_);
        ++count_;
        changed_.notify_all();
    }
    // Waits until the count reaches @p n; false on timeout.
    bool wait_for(int n, std::chrono::milliseconds limit) {
        std::unique_lock lock(lock_);
        return changed_.wait_for(lock, limit, [&] { return count_ >= n; });
    }
    int count() {
        std::lock_guard lock(lock_);
        return count_;
    }

private:
    std::mutex lock_;
    std::condition_variable changed_;
    int count_ = 0;
};

class KeEvent : public wskemu::test::kernel_test {};

TEST_F(KeEvent, InitializeSetsTypeSizeAndState) {
    KEVENT event;
    memset(&event, 0xCC, sizeof(event));
    KeInitializeEvent(&event, SynchronizationEvent, TRUE);
    EXPECT_EQ(event.Header.Type, EventSynchronizationObject);
    EXPECT_EQ(event.Header.Size, sizeof(KEVENT) / sizeof(LONG));
    EXPECT_EQ(KeReadStateEvent(&event), 1);
    EXPECT_TRUE(IsListEmpty(&event.Header.WaitListHead));
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    EXPECT_EQ(event.Header.Type, EventNotificationObject);
    EXPECT_EQ(KeReadStateEvent(&event), 0);
}

TEST_F(KeEvent, SetAndResetReturnThePreviousState) {
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    EXPECT_EQ(KeSetEvent(&event, IO_NO_INCREMENT, FALSE), 0);
    EXPECT_EQ(KeSetEvent(&event, IO_NO_INCREMENT, FALSE), 1);
    EXPECT_EQ(KeResetEvent(&event), 1);
    EXPECT_EQ(KeResetEvent(&event), 0);
    KeSetEvent(&event, IO_NO_INCREMENT, FALSE);
    KeClearEvent(&event);
    EXPECT_EQ(KeReadStateEvent(&event), 0);
}

TEST_F(KeEvent, NotificationEventStaysSignalledAfterAWait) {
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, TRUE);
    LARGE_INTEGER zero{};
    EXPECT_EQ(KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    EXPECT_EQ(KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    EXPECT_EQ(KeReadStateEvent(&event), 1);
}

TEST_F(KeEvent, SynchronizationEventResetsWhenAWaitIsSatisfied) {
    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, TRUE);
    LARGE_INTEGER zero{};
    EXPECT_EQ(KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    EXPECT_EQ(KeReadStateEvent(&event), 0);
    EXPECT_EQ(KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT);
}

TEST(KeSetEvent, WakesOneWaiterOfSynchronizationEventPerSet) {
    constexpr int waiters = 5;
    constexpr int sets = 4;
    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    wake_counter woken;
    std::vector<std::thread> threads;
    for (int i = 0; i < waiters; ++i) {
        threads.emplace_back([&] {
            const NTSTATUS status = KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, nullptr);
            EXPECT_EQ(status, STATUS_SUCCESS);
            woken.add();
        });
    }
    // Every waiter is blocked before the first set, so a wake-all bug shows.
    ASSERT_TRUE(eventually([&] { return wskemu::kernel::count_waiters(&event.Header) == waiters; }));
    for (int i = 1; i <= sets; ++i) {
        EXPECT_EQ(KeSetEvent(&event, IO_NO_INCREMENT, FALSE), 0);
        ASSERT_TRUE(woken.wait_for(i, 5000ms)) << "set " << i << " woke nobody";
        EXPECT_EQ(KeReadStateEvent(&event), 0) << "the woken waiter consumed the signal";
    }
    EXPECT_FALSE(woken.wait_for(sets + 1, 100ms)) << "a set woke more than one waiter";
    EXPECT_EQ(woken.count(), sets);
    EXPECT_EQ(wskemu::kernel::count_waiters(&event.Header), static_cast<std::size_t>(waiters - sets));
    KeSetEvent(&event, IO_NO_INCREMENT, FALSE);
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(woken.count(), waiters);
    EXPECT_EQ(KeReadStateEvent(&event), 0);
}

TEST(KeSetEvent, WakesAllWaitersOfNotificationEvent) {
    constexpr int waiters = 4;
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    wake_counter woken;
    std::vector<std::thread> threads;
    for (int i = 0; i < waiters; ++i) {
        threads.emplace_back([&] {
            EXPECT_EQ(KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, nullptr), STATUS_SUCCESS);
            woken.add();
        });
    }
    ASSERT_TRUE(eventually([&] { return wskemu::kernel::count_waiters(&event.Header) == waiters; }));
    EXPECT_EQ(KeSetEvent(&event, IO_NO_INCREMENT, FALSE), 0);
    EXPECT_TRUE(woken.wait_for(waiters, 5000ms));
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(woken.count(), waiters);
    EXPECT_EQ(KeReadStateEvent(&event), 1);
    EXPECT_EQ(wskemu::kernel::count_waiters(&event.Header), 0u);
}

TEST(KePulseEvent, WakesWaitersAndLeavesTheEventReset) {
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    wake_counter woken;
    std::thread waiter([&] {
        EXPECT_EQ(KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, nullptr), STATUS_SUCCESS);
        woken.add();
    });
    ASSERT_TRUE(eventually([&] { return wskemu::kernel::count_waiters(&event.Header) == 1; }));
    EXPECT_EQ(KePulseEvent(&event, IO_NO_INCREMENT, FALSE), 0);
    EXPECT_EQ(KeReadStateEvent(&event), 0);
    EXPECT_TRUE(woken.wait_for(1, 5000ms));
    waiter.join();
}

TEST(KeSetEvent, WorksOnAnEventSetFromAnotherThreadBeforeTheWait) {
    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    std::thread setter([&] { KeSetEvent(&event, IO_NO_INCREMENT, FALSE); });
    setter.join();
    LARGE_INTEGER timeout;
    timeout.QuadPart = -50'000'000;  // 5 s
    EXPECT_EQ(KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &timeout), STATUS_SUCCESS);
}

}  // namespace
