// Tests for include/wdk/wdm_parts/interlocked.h.
#include <wdm.h>

#include <gtest/gtest.h>

#include <thread>

namespace {

TEST(InterlockedIncrement, ReturnsTheNewValue) {
    volatile LONG value = 41;
    EXPECT_EQ(InterlockedIncrement(&value), 42);
    EXPECT_EQ(value, 42);
    EXPECT_EQ(InterlockedDecrement(&value), 41);
    EXPECT_EQ(value, 41);
}

TEST(InterlockedIncrement, WrapsAt32Bits) {
    volatile LONG value = MAXLONG;
    EXPECT_EQ(InterlockedIncrement(&value), MINLONG);
}

TEST(InterlockedExchange, ReturnsThePreviousValue) {
    volatile LONG value = 7;
    EXPECT_EQ(InterlockedExchange(&value, 9), 7);
    EXPECT_EQ(value, 9);
    EXPECT_EQ(InterlockedExchangeAdd(&value, 5), 9);
    EXPECT_EQ(value, 14);
    EXPECT_EQ(InterlockedAdd(&value, 1), 15);
}

TEST(InterlockedCompareExchange, SwapsOnlyOnMatch) {
    volatile LONG value = 3;
    EXPECT_EQ(InterlockedCompareExchange(&value, 10, 4), 3);
    EXPECT_EQ(value, 3);
    EXPECT_EQ(InterlockedCompareExchange(&value, 10, 3), 3);
    EXPECT_EQ(value, 10);
}

TEST(InterlockedAnd, BitOperationsReturnTheOriginal) {
    volatile LONG value = 0x0F0F;
    EXPECT_EQ(InterlockedAnd(&value, 0x00FF), 0x0F0F);
    EXPECT_EQ(value, 0x000F);
    EXPECT_EQ(InterlockedOr(&value, 0x0F00), 0x000F);
    EXPECT_EQ(value, 0x0F0F);
    EXPECT_EQ(InterlockedXor(&value, 0x0FFF), 0x0F0F);
    EXPECT_EQ(value, 0x00F0);
}

TEST(InterlockedIncrement64, Uses64Bits) {
    volatile LONG64 value = 0xFFFFFFFFLL;
    EXPECT_EQ(InterlockedIncrement64(&value), 0x100000000LL);
    EXPECT_EQ(InterlockedDecrement64(&value), 0xFFFFFFFFLL);
    EXPECT_EQ(InterlockedExchange64(&value, 1LL << 40), 0xFFFFFFFFLL);
    EXPECT_EQ(InterlockedExchangeAdd64(&value, 1), 1LL << 40);
    EXPECT_EQ(InterlockedCompareExchange64(&value, 5, (1LL << 40) + 1), (1LL << 40) + 1);
    EXPECT_EQ(value, 5);
    EXPECT_EQ(InterlockedOr64(&value, 1LL << 50), 5);
    EXPECT_EQ(InterlockedAnd64(&value, 1LL << 50), (1LL << 50) | 5);
    EXPECT_EQ(value, 1LL << 50);
}

TEST(InterlockedCompareExchangePointer, SwapsPointers) {
    int a = 0;
    int b = 0;
    PVOID volatile target = &a;
    EXPECT_EQ(InterlockedCompareExchangePointer(&target, &b, &b), &a);
    EXPECT_EQ(target, &a);
    EXPECT_EQ(InterlockedCompareExchangePointer(&target, &b, &a), &a);
    EXPECT_EQ(target, &b);
    EXPECT_EQ(InterlockedExchangePointer(&target, nullptr), &b);
    EXPECT_EQ(target, nullptr);
}

TEST(InterlockedIncrementSizeT, UsesThePointerWidth) {
    volatile SIZE_T value = 0xFFFFFFFFu;
    EXPECT_EQ(InterlockedIncrementSizeT(&value), SIZE_T{0x100000000u});
    EXPECT_EQ(InterlockedExchangeAddSizeT(&value, 2), SIZE_T{0x100000000u});
    EXPECT_EQ(value, SIZE_T{0x100000002u});
}

TEST(InterlockedBitTestAndSet, ReportsThePreviousBit) {
    volatile LONG value = 0;
    EXPECT_EQ(InterlockedBitTestAndSet(&value, 3), FALSE);
    EXPECT_EQ(InterlockedBitTestAndSet(&value, 3), TRUE);
    EXPECT_EQ(value, 8);
    EXPECT_EQ(InterlockedBitTestAndReset(&value, 3), TRUE);
    EXPECT_EQ(value, 0);
}

TEST(ReadAcquire, ReadsAndWritesTheValue) {
    volatile LONG value = 0;
    WriteRelease(&value, 12);
    EXPECT_EQ(ReadAcquire(&value), 12);
    WriteNoFence(&value, 13);
    EXPECT_EQ(ReadNoFence(&value), 13);
    volatile LONG64 wide = 0;
    WriteRelease64(&wide, 1LL << 33);
    EXPECT_EQ(ReadAcquire64(&wide), 1LL << 33);
    int x = 0;
    PVOID volatile p = nullptr;
    WritePointerRelease(&p, &x);
    EXPECT_EQ(ReadPointerAcquire(&p), &x);
    KeMemoryBarrier();
    YieldProcessor();
}

TEST(InterlockedIncrement, IsAtomicAcrossThreads) {
    constexpr int per_thread = 100'000;
    volatile LONG counter = 0;
    volatile LONG64 counter64 = 0;
    auto work = [&] {
        for (int i = 0; i < per_thread; ++i) {
            InterlockedIncrement(&counter);
            InterlockedExchangeAdd64(&counter64, 2);
        }
    };
    std::thread a(work);
    std::thread b(work);
    a.join();
    b.join();
    EXPECT_EQ(counter, 2 * per_thread);
    EXPECT_EQ(counter64, 4LL * per_thread);
}

}  // namespace
