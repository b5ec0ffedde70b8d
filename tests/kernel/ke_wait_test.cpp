// Tests for src/kernel/ke_wait.cpp and src/kernel/ke_dispatcher.cpp.
#include <wdm.h>

#include <gtest/gtest.h>
#include <wskemu/bug_check.hpp>

#include "kernel/ke_dispatcher.hpp"

#include <array>
#include <chrono>
#include <thread>

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr LONGLONG ms_in_100ns = 10'000;

LARGE_INTEGER relative_ms(LONGLONG ms) {
    LARGE_INTEGER t;
    t.QuadPart = -ms * ms_in_100ns;
    return t;
}

template <typename Predicate>
bool eventually(Predicate done) {
    const auto deadline = steady::now() + 5s;
    while (!done()) {
        if (steady::now() >= deadline) {
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

TEST(KeWaitForSingleObject, RelativeTimeoutWaitsAtLeastTheInterval) {
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    LARGE_INTEGER timeout = relative_ms(50);
    const auto start = steady::now();
    EXPECT_EQ(KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &timeout), STATUS_TIMEOUT);
    const auto elapsed = steady::now() - start;
    EXPECT_GE(elapsed, 50ms);
    EXPECT_LT(elapsed, 5s);
    EXPECT_EQ(wskemu::kernel::count_waiters(&event.Header), 0u) << "a timed-out wait must unlink itself";
}

TEST(KeWaitForSingleObject, AbsoluteTimeoutWaitsUntilTheSystemTime) {
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    LARGE_INTEGER due;
    KeQuerySystemTimePrecise(&due);
    due.QuadPart += 50 * ms_in_100ns;
    const auto start = steady::now();
    EXPECT_EQ(KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &due), STATUS_TIMEOUT);
    LARGE_INTEGER now;
    KeQuerySystemTimePrecise(&now);
    EXPECT_GE(now.QuadPart, due.QuadPart);
    EXPECT_LT(steady::now() - start, 5s);
}

TEST(KeWaitForSingleObject, AbsoluteTimeInThePastTimesOutAtOnce) {
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    LARGE_INTEGER due;
    KeQuerySystemTime(&due);
    due.QuadPart -= 10'000 * ms_in_100ns;
    const auto start = steady::now();
    EXPECT_EQ(KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &due), STATUS_TIMEOUT);
    EXPECT_LT(steady::now() - start, 1s);
}

TEST(KeWaitForSingleObject, ZeroTimeoutPolls) {
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    LARGE_INTEGER zero{};
    EXPECT_EQ(KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT);
    KeSetEvent(&event, IO_NO_INCREMENT, FALSE);
    EXPECT_EQ(KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
}

TEST(KeWaitForSingleObject, ReturnsWhenSignalledBeforeTheTimeout) {
    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    std::thread setter([&] {
        EXPECT_TRUE(eventually([&] { return wskemu::kernel::count_waiters(&event.Header) == 1; }));
        KeSetEvent(&event, IO_NO_INCREMENT, FALSE);
    });
    LARGE_INTEGER timeout = relative_ms(10'000);
    EXPECT_EQ(KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &timeout), STATUS_SUCCESS);
    setter.join();
    EXPECT_EQ(KeReadStateEvent(&event), 0);
}

TEST(KeWaitForSingleObject, PollAtDispatchLevelIsAllowed) {
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, TRUE);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    LARGE_INTEGER zero{};
    EXPECT_EQ(KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    KeLowerIrql(old);
}

TEST(KeWaitForSingleObject, BlockingWaitAtDispatchLevelIsABugCheck) {
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, TRUE);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    try {
        wskemu::catch_bug_check([&] { KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, nullptr); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), static_cast<std::uint32_t>(IRQL_NOT_LESS_OR_EQUAL));
        EXPECT_EQ(e.parameters()[0], 0u);
        EXPECT_EQ(e.parameters()[1], static_cast<std::uintptr_t>(DISPATCH_LEVEL));
        EXPECT_EQ(e.parameters()[2], 0u);
        EXPECT_NE(e.parameters()[3], 0u) << "parameter 4 is the caller's address";
    }
    LARGE_INTEGER timeout = relative_ms(1);
    EXPECT_THROW(wskemu::catch_bug_check(
                     [&] { KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &timeout); }),
                 wskemu::bug_check_error);
    KeLowerIrql(old);
}

TEST(KeWaitForSingleObject, WaitsOnAMutexRecursively) {
    KMUTEX mutex;
    KeInitializeMutex(&mutex, 0);
    EXPECT_EQ(KeReadStateMutex(&mutex), 1);
    EXPECT_EQ(KeWaitForSingleObject(&mutex, Executive, KernelMode, FALSE, nullptr), STATUS_SUCCESS);
    EXPECT_EQ(KeWaitForSingleObject(&mutex, Executive, KernelMode, FALSE, nullptr), STATUS_SUCCESS);
    EXPECT_EQ(KeReadStateMutex(&mutex), -1);
    EXPECT_EQ(mutex.OwnerThread, KeGetCurrentThread());
    // Another thread cannot take it until both acquisitions are released.
    LARGE_INTEGER zero{};
    std::thread other(
        [&] { EXPECT_EQ(KeWaitForSingleObject(&mutex, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT); });
    other.join();
    EXPECT_EQ(KeReleaseMutex(&mutex, FALSE), -1);
    EXPECT_EQ(KeReleaseMutex(&mutex, FALSE), 0);
    EXPECT_EQ(mutex.OwnerThread, nullptr);
    std::thread taker([&] {
        EXPECT_EQ(KeWaitForSingleObject(&mutex, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
        EXPECT_EQ(KeReleaseMutex(&mutex, FALSE), 0);
    });
    taker.join();
    EXPECT_EQ(KeReadStateMutex(&mutex), 1);
}

TEST(KeReleaseMutex, RaisesMutantNotOwnedForANonOwner) {
    KMUTEX mutex;
    KeInitializeMutex(&mutex, 0);
    try {
        KeReleaseMutex(&mutex, FALSE);
        ADD_FAILURE() << "no exception";
    } catch (const wskemu::seh_exception& e) {
        EXPECT_EQ(e.code, STATUS_MUTANT_NOT_OWNED);
    }
    EXPECT_EQ(KeReadStateMutex(&mutex), 1);
}

TEST(KeReleaseMutex, HandsTheMutexToABlockedWaiter) {
    KMUTEX mutex;
    KeInitializeMutex(&mutex, 0);
    ASSERT_EQ(KeWaitForSingleObject(&mutex, Executive, KernelMode, FALSE, nullptr), STATUS_SUCCESS);
    std::thread waiter([&] {
        EXPECT_EQ(KeWaitForSingleObject(&mutex, Executive, KernelMode, FALSE, nullptr), STATUS_SUCCESS);
        EXPECT_EQ(mutex.OwnerThread, KeGetCurrentThread());
        KeReleaseMutex(&mutex, FALSE);
    });
    ASSERT_TRUE(eventually([&] { return wskemu::kernel::count_waiters(&mutex.Header) == 1; }));
    KeReleaseMutex(&mutex, FALSE);
    waiter.join();
    EXPECT_EQ(KeReadStateMutex(&mutex), 1);
}

TEST(KeWaitForMultipleObjects, WaitAnyReturnsTheIndexOfTheSignalledObject) {
    std::array<KEVENT, 3> events;
    for (auto& e : events) {
        KeInitializeEvent(&e, SynchronizationEvent, FALSE);
    }
    PVOID objects[] = {&events[0], &events[1], &events[2]};
    std::thread setter([&] {
        EXPECT_TRUE(eventually([&] { return wskemu::kernel::count_waiters(&events[2].Header) == 1; }));
        KeSetEvent(&events[2], IO_NO_INCREMENT, FALSE);
    });
    LARGE_INTEGER timeout = relative_ms(10'000);
    EXPECT_EQ(KeWaitForMultipleObjects(3, objects, WaitAny, Executive, KernelMode, FALSE, &timeout, nullptr),
              STATUS_WAIT_2);
    setter.join();
    EXPECT_EQ(KeReadStateEvent(&events[2]), 0);
    for (auto& e : events) {
        EXPECT_EQ(wskemu::kernel::count_waiters(&e.Header), 0u);
    }
    KeSetEvent(&events[1], IO_NO_INCREMENT, FALSE);
    LARGE_INTEGER zero{};
    EXPECT_EQ(KeWaitForMultipleObjects(3, objects, WaitAny, Executive, KernelMode, FALSE, &zero, nullptr),
              STATUS_WAIT_1);
    EXPECT_EQ(KeWaitForMultipleObjects(3, objects, WaitAny, Executive, KernelMode, FALSE, &zero, nullptr),
              STATUS_TIMEOUT);
}

TEST(KeWaitForMultipleObjects, WaitAllNeedsEveryObjectAndConsumesThemTogether) {
    KEVENT a;
    KEVENT b;
    KeInitializeEvent(&a, SynchronizationEvent, TRUE);
    KeInitializeEvent(&b, SynchronizationEvent, FALSE);
    PVOID objects[] = {&a, &b};
    LARGE_INTEGER zero{};
    EXPECT_EQ(KeWaitForMultipleObjects(2, objects, WaitAll, Executive, KernelMode, FALSE, &zero, nullptr),
              STATUS_TIMEOUT);
    EXPECT_EQ(KeReadStateEvent(&a), 1) << "a failed WaitAll must consume nothing";
    std::thread setter([&] {
        EXPECT_TRUE(eventually([&] { return wskemu::kernel::count_waiters(&b.Header) == 1; }));
        KeSetEvent(&b, IO_NO_INCREMENT, FALSE);
    });
    LARGE_INTEGER timeout = relative_ms(10'000);
    EXPECT_EQ(KeWaitForMultipleObjects(2, objects, WaitAll, Executive, KernelMode, FALSE, &timeout, nullptr),
              STATUS_SUCCESS);
    setter.join();
    EXPECT_EQ(KeReadStateEvent(&a), 0);
    EXPECT_EQ(KeReadStateEvent(&b), 0);
}

TEST(KeWaitForMultipleObjects, MoreThanThreeObjectsNeedAWaitBlockArray) {
    std::array<KEVENT, 4> events;
    PVOID objects[4];
    for (int i = 0; i < 4; ++i) {
        KeInitializeEvent(&events[i], NotificationEvent, i == 3);
        objects[i] = &events[i];
    }
    try {
        wskemu::catch_bug_check(
            [&] { KeWaitForMultipleObjects(4, objects, WaitAny, Executive, KernelMode, FALSE, nullptr, nullptr); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), 0xCu);  // MAXIMUM_WAIT_OBJECTS_EXCEEDED
    }
    KWAIT_BLOCK blocks[4];
    EXPECT_EQ(KeWaitForMultipleObjects(4, objects, WaitAny, Executive, KernelMode, FALSE, nullptr, blocks),
              STATUS_WAIT_3);
}

TEST(KeDelayExecutionThread, WaitsAtLeastTheInterval) {
    LARGE_INTEGER interval = relative_ms(30);
    const auto start = steady::now();
    EXPECT_EQ(KeDelayExecutionThread(KernelMode, FALSE, &interval), STATUS_SUCCESS);
    const auto elapsed = steady::now() - start;
    EXPECT_GE(elapsed, 30ms);
    EXPECT_LT(elapsed, 5s);
}

TEST(KeDelayExecutionThread, IsABugCheckAtDispatchLevel) {
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    LARGE_INTEGER interval = relative_ms(1);
    EXPECT_THROW(wskemu::catch_bug_check([&] { KeDelayExecutionThread(KernelMode, FALSE, &interval); }),
                 wskemu::bug_check_error);
    KeLowerIrql(old);
}

TEST(wait_pump, RunsOnTheWaitingThreadUntilTheWaitIsSatisfied) {
    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    int calls = 0;
    const auto waiting_thread = std::this_thread::get_id();
    wskemu::kernel::wait_pump() = [&] {
        EXPECT_EQ(std::this_thread::get_id(), waiting_thread);
        if (++calls == 3) {
            KeSetEvent(&event, IO_NO_INCREMENT, FALSE);
        }
        return true;
    };
    LARGE_INTEGER timeout = relative_ms(10'000);
    const NTSTATUS status = KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &timeout);
    wskemu::kernel::wait_pump() = nullptr;
    EXPECT_EQ(status, STATUS_SUCCESS);
    EXPECT_EQ(calls, 3);
    EXPECT_EQ(KeReadStateEvent(&event), 0);
}

TEST(wait_pump, AnIdlePumpStillLetsTheTimeoutExpire) {
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    int calls = 0;
    wskemu::kernel::wait_pump() = [&] {
        ++calls;
        return false;
    };
    LARGE_INTEGER timeout = relative_ms(20);
    const auto start = steady::now();
    const NTSTATUS status = KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &timeout);
    wskemu::kernel::wait_pump() = nullptr;
    EXPECT_EQ(status, STATUS_TIMEOUT);
    EXPECT_GE(steady::now() - start, 20ms);
    EXPECT_GE(calls, 1);
}

}  // namespace
