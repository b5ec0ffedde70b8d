// Tests for src/kernel/ke_spinlock.cpp.
#include <wdm.h>

#include <gtest/gtest.h>
#include <wskemu/bug_check.hpp>

#include <thread>

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

}  // namespace
