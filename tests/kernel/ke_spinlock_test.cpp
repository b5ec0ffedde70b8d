// Tests for src/kernel/ke_spinlock.cpp.
#include <wdm.h>

#include <gtest/gtest.h>
#include <wskemu/bug_check.hpp>
#include <wskemu/verifier.hpp>

#include <array>
#include <thread>

#include "support/kernel_fixture.hpp"

namespace {

TEST(KeAcquireSpinLock, RaisesToDispatchAndReleaseRestores) {
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    EXPECT_EQ(lock, 0u);
    KIRQL old = 0xCC;
    KeAcquireSpinLock(&lock, &old);
    EXPECT_EQ(old, PASSIVE_LEVEL);
    EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    EXPECT_FALSE(KeTestSpinLock(&lock));
    KeReleaseSpinLock(&lock, old);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    EXPECT_TRUE(KeTestSpinLock(&lock));
}

TEST(KeAcquireSpinLock, SavesAPCLevel) {
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    KIRQL entry;
    KeRaiseIrql(APC_LEVEL, &entry);
    KIRQL old = 0xCC;
    KeAcquireSpinLock(&lock, &old);
    EXPECT_EQ(old, APC_LEVEL);
    KeReleaseSpinLock(&lock, old);
    EXPECT_EQ(KeGetCurrentIrql(), APC_LEVEL);
    KeLowerIrql(entry);
}

TEST(KeAcquireSpinLock, ExcludesOtherThreads) {
    constexpr int per_thread = 100'000;
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    long counter = 0;  // deliberately not atomic: the lock must protect it
    auto work = [&] {
        for (int i = 0; i < per_thread; ++i) {
            KIRQL old;
            KeAcquireSpinLock(&lock, &old);
            counter = counter + 1;
            KeReleaseSpinLock(&lock, old);
        }
        EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    };
    std::thread a(work);
    std::thread b(work);
    a.join();
    b.join();
    EXPECT_EQ(counter, 2L * per_thread);
    EXPECT_TRUE(KeTestSpinLock(&lock));
}

TEST(KeAcquireSpinLockAtDpcLevel, KeepsTheIrql) {
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    KeAcquireSpinLockAtDpcLevel(&lock);
    EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    EXPECT_FALSE(KeTryToAcquireSpinLockAtDpcLevel(&lock));
    KeReleaseSpinLockFromDpcLevel(&lock);
    EXPECT_TRUE(KeTryToAcquireSpinLockAtDpcLevel(&lock));
    KeReleaseSpinLockFromDpcLevel(&lock);
    EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KeLowerIrql(old);
}

TEST(KeAcquireSpinLockAtDpcLevel, AtPassiveLevelIsABugCheck) {
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    try {
        wskemu::catch_bug_check([&] { KeAcquireSpinLockAtDpcLevel(&lock); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), static_cast<std::uint32_t>(IRQL_NOT_GREATER_OR_EQUAL));
    }
    EXPECT_TRUE(KeTestSpinLock(&lock));
}

TEST(KeAcquireInStackQueuedSpinLock, RecordsTheLockAndIrql) {
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    KLOCK_QUEUE_HANDLE handle;
    memset(&handle, 0xCC, sizeof(handle));
    KeAcquireInStackQueuedSpinLock(&lock, &handle);
    EXPECT_EQ(handle.OldIrql, PASSIVE_LEVEL);
    EXPECT_EQ(handle.LockQueue.Lock, &lock);
    EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    EXPECT_FALSE(KeTestSpinLock(&lock));
    KLOCK_QUEUE_HANDLE inner;
    KSPIN_LOCK second;
    KeInitializeSpinLock(&second);
    KeAcquireInStackQueuedSpinLockAtDpcLevel(&second, &inner);
    KeReleaseInStackQueuedSpinLockFromDpcLevel(&inner);
    EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KeReleaseInStackQueuedSpinLock(&handle);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    EXPECT_TRUE(KeTestSpinLock(&lock));
}

TEST(KeReleaseSpinLock, ByAnotherThreadIsSpinLockNotOwned) {
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    KIRQL old;
    std::thread owner([&] { KeAcquireSpinLock(&lock, &old); });
    owner.join();
    try {
        wskemu::catch_bug_check([&] { KeReleaseSpinLock(&lock, PASSIVE_LEVEL); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), static_cast<std::uint32_t>(SPIN_LOCK_NOT_OWNED));
        EXPECT_EQ(e.parameters()[0], reinterpret_cast<std::uintptr_t>(&lock));
    }
    EXPECT_FALSE(KeTestSpinLock(&lock)) << "the lock stays with its owner";
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

TEST(KeReleaseSpinLock, OfAFreeLockIsSpinLockNotOwned) {
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    EXPECT_THROW(wskemu::catch_bug_check([&] { KeReleaseSpinLock(&lock, PASSIVE_LEVEL); }), wskemu::bug_check_error);
}

TEST(KeAcquireSpinLock, TwiceOnOneThreadIsSpinLockAlreadyOwned) {
    KSPIN_LOCK lock;
    KeInitializeSpinLock(&lock);
    KIRQL old;
    KeAcquireSpinLock(&lock, &old);
    try {
        wskemu::catch_bug_check([&] {
            KIRQL again;
            KeAcquireSpinLock(&lock, &again);
        });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), static_cast<std::uint32_t>(SPIN_LOCK_ALREADY_OWNED));
        EXPECT_EQ(e.parameters()[0], reinterpret_cast<std::uintptr_t>(&lock));
    }
    EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL) << "the failed acquire keeps the IRQL of the held lock";
    KeReleaseSpinLock(&lock, old);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

class SpinLockNesting : public wskemu::test::kernel_test {};

TEST_F(SpinLockNesting, EachReleaseRestoresTheIrqlItsAcquireCameFrom) {
    KSPIN_LOCK outer, middle, inner;
    KeInitializeSpinLock(&outer);
    KeInitializeSpinLock(&middle);
    KeInitializeSpinLock(&inner);
    KIRQL entry, old_outer, old_middle, old_inner;
    KeRaiseIrql(APC_LEVEL, &entry);
    KeAcquireSpinLock(&outer, &old_outer);
    KeAcquireSpinLock(&middle, &old_middle);
    KeAcquireSpinLock(&inner, &old_inner);
    EXPECT_EQ(old_outer, APC_LEVEL);
    EXPECT_EQ(old_middle, DISPATCH_LEVEL);
    EXPECT_EQ(old_inner, DISPATCH_LEVEL);
    KeReleaseSpinLock(&inner, old_inner);
    KeReleaseSpinLock(&middle, old_middle);
    EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KeReleaseSpinLock(&outer, old_outer);
    EXPECT_EQ(KeGetCurrentIrql(), APC_LEVEL);
    KeLowerIrql(entry);
    EXPECT_TRUE(wskemu::verifier::reports().empty());
}

TEST_F(SpinLockNesting, LocksReleasedOutOfOrderAreMatchedToTheirOwnAcquires) {
    // Released first-acquired first: each release must be checked against
    // its own lock's acquire, not the last one recorded.
    KSPIN_LOCK first, second;
    KeInitializeSpinLock(&first);
    KeInitializeSpinLock(&second);
    KIRQL entry, old_first, old_second;
    KeRaiseIrql(DISPATCH_LEVEL, &entry);
    KeAcquireSpinLock(&first, &old_first);
    KeAcquireSpinLock(&second, &old_second);
    KeReleaseSpinLock(&first, old_first);
    KeReleaseSpinLock(&second, old_second);
    EXPECT_TRUE(wskemu::verifier::reports().empty());
    KeLowerIrql(entry);

    // From APC_LEVEL the two acquires return different levels; swapping
    // them is the mistake, once for each lock.
    KeRaiseIrql(APC_LEVEL, &entry);
    KeAcquireSpinLock(&first, &old_first);
    KeAcquireSpinLock(&second, &old_second);
    KeReleaseSpinLock(&first, old_second);
    KeReleaseSpinLock(&second, old_first);
    EXPECT_EQ(KeGetCurrentIrql(), APC_LEVEL);
    KeLowerIrql(entry);
    const auto reports = wskemu::verifier::take_reports();
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[0].rule, "spinlock.release_irql");
    EXPECT_EQ(reports[0].object, &first);
    EXPECT_NE(reports[0].message.find("acquired at IRQL 1"), std::string::npos) << reports[0].message;
    EXPECT_EQ(reports[1].object, &second);
    EXPECT_NE(reports[1].message.find("acquired at IRQL 2"), std::string::npos) << reports[1].message;
}

TEST_F(SpinLockNesting, MoreLocksThanTheThreadsRecordHoldsReleaseCleanlyAndLaterChecksStillWork) {
    // The record of raised acquires has a fixed size (32); the ones beyond
    // it go unchecked, and must not disturb the ones within it.
    std::array<KSPIN_LOCK, 40> locks{};
    std::array<KIRQL, 40> old{};
    for (std::size_t i = 0; i < locks.size(); ++i) {
        KeInitializeSpinLock(&locks[i]);
        KeAcquireSpinLock(&locks[i], &old[i]);
    }
    for (std::size_t i = locks.size(); i-- > 0;) {
        KeReleaseSpinLock(&locks[i], old[i]);
        EXPECT_TRUE(KeTestSpinLock(&locks[i]));
    }
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    EXPECT_TRUE(wskemu::verifier::reports().empty());

    // A release to another IRQL than the acquire returned is still reported.
    KIRQL again;
    KeAcquireSpinLock(&locks[0], &again);
    KeReleaseSpinLock(&locks[0], DISPATCH_LEVEL);
    KeLowerIrql(again);
    const auto reports = wskemu::verifier::take_reports();
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].rule, "spinlock.release_irql");
    EXPECT_EQ(reports[0].object, &locks[0]);
}

}  // namespace
