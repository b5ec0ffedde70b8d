// Tests for src/kernel/ex_fast_mutex.cpp.
#include <wdm.h>

#include <gtest/gtest.h>
#include <wskemu/bug_check.hpp>

#include <thread>

namespace {

TEST(ExAcquireFastMutex, RaisesToApcLevelAndReleaseRestores) {
    FAST_MUTEX mutex;
    ExInitializeFastMutex(&mutex);
    EXPECT_EQ(mutex.Count, FM_LOCK_BIT);
    ExAcquireFastMutex(&mutex);
    EXPECT_EQ(KeGetCurrentIrql(), APC_LEVEL);
    EXPECT_EQ(mutex.Owner, KeGetCurrentThread());
    EXPECT_EQ(mutex.OldIrql, static_cast<ULONG>(PASSIVE_LEVEL));
    ExReleaseFastMutex(&mutex);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    EXPECT_EQ(mutex.Owner, nullptr);
    EXPECT_EQ(mutex.Count, FM_LOCK_BIT);
}

TEST(ExAcquireFastMutex, ExcludesOtherThreads) {
    constexpr int per_thread = 20'000;
    FAST_MUTEX mutex;
    ExInitializeFastMutex(&mutex);
    long counter = 0;
    auto work = [&] {
        for (int i = 0; i < per_thread; ++i) {
            ExAcquireFastMutex(&mutex);
            counter = counter + 1;
            ExReleaseFastMutex(&mutex);
        }
    };
    std::thread a(work);
    std::thread b(work);
    a.join();
    b.join();
    EXPECT_EQ(counter, 2L * per_thread);
    EXPECT_EQ(mutex.Count, FM_LOCK_BIT);
}

TEST(ExTryToAcquireFastMutex, FailsWhileHeldAndKeepsTheIrql) {
    FAST_MUTEX mutex;
    ExInitializeFastMutex(&mutex);
    std::thread holder([&] { ExAcquireFastMutex(&mutex); });
    holder.join();  // the dead thread still owns it: enough for this check
    EXPECT_FALSE(ExTryToAcquireFastMutex(&mutex));
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);

    FAST_MUTEX free_mutex;
    ExInitializeFastMutex(&free_mutex);
    EXPECT_TRUE(ExTryToAcquireFastMutex(&free_mutex));
    EXPECT_EQ(KeGetCurrentIrql(), APC_LEVEL);
    ExReleaseFastMutex(&free_mutex);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

TEST(ExAcquireFastMutex, RecursionIsReported) {
    FAST_MUTEX mutex;
    ExInitializeFastMutex(&mutex);
    ExAcquireFastMutex(&mutex);
    EXPECT_THROW(wskemu::catch_bug_check([&] { ExAcquireFastMutex(&mutex); }), wskemu::bug_check_error);
    ExReleaseFastMutex(&mutex);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

TEST(ExReleaseFastMutex, ByANonOwnerIsReported) {
    FAST_MUTEX mutex;
    ExInitializeFastMutex(&mutex);
    EXPECT_THROW(wskemu::catch_bug_check([&] { ExReleaseFastMutex(&mutex); }), wskemu::bug_check_error);
    EXPECT_EQ(mutex.Count, FM_LOCK_BIT);
}

TEST(ExAcquireFastMutexUnsafe, LeavesTheIrqlAlone) {
    FAST_MUTEX mutex;
    ExInitializeFastMutex(&mutex);
    KIRQL old;
    KeRaiseIrql(APC_LEVEL, &old);
    ExAcquireFastMutexUnsafe(&mutex);
    EXPECT_EQ(KeGetCurrentIrql(), APC_LEVEL);
    ExReleaseFastMutexUnsafe(&mutex);
    EXPECT_EQ(KeGetCurrentIrql(), APC_LEVEL);
    KeLowerIrql(old);
}

TEST(KeAcquireGuardedMutex, StaysAtPassiveLevelAndExcludes) {
    KGUARDED_MUTEX mutex;
    KeInitializeGuardedMutex(&mutex);
    KeAcquireGuardedMutex(&mutex);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    bool other_got_it = true;
    std::thread other([&] { other_got_it = KeTryToAcquireGuardedMutex(&mutex) != FALSE; });
    other.join();
    EXPECT_FALSE(other_got_it);
    KeReleaseGuardedMutex(&mutex);
    EXPECT_TRUE(KeTryToAcquireGuardedMutex(&mutex));
    KeReleaseGuardedMutex(&mutex);
}

}  // namespace
