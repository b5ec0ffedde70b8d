// Tests for src/kernel/ke_time.cpp.
#include <wdm.h>

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <thread>

namespace {

constexpr LONGLONG ticks_per_second = 10'000'000;
constexpr LONGLONG unix_epoch_in_nt_time = 116'444'736'000'000'000LL;

TEST(KeQuerySystemTime, CountsFrom1601In100nsUnits) {
    LARGE_INTEGER now;
    now.QuadPart = -1;
    const std::time_t before = std::time(nullptr);
    KeQuerySystemTime(&now);
    const std::time_t after = std::time(nullptr);
    EXPECT_GE(now.QuadPart, unix_epoch_in_nt_time + static_cast<LONGLONG>(before) * ticks_per_second);
    EXPECT_LE(now.QuadPart, unix_epoch_in_nt_time + (static_cast<LONGLONG>(after) + 1) * ticks_per_second);
}

TEST(KeQuerySystemTimePrecise, AdvancesWithTheClock) {
    LARGE_INTEGER first;
    LARGE_INTEGER second;
    KeQuerySystemTimePrecise(&first);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    KeQuerySystemTimePrecise(&second);
    EXPECT_GE(second.QuadPart - first.QuadPart, 5 * 10'000);
}

TEST(KeQueryTimeIncrement, Is15Point625Milliseconds) { EXPECT_EQ(KeQueryTimeIncrement(), 156'250u); }

TEST(KeQueryTickCount, IsInterruptTimeOverTheIncrement) {
    LARGE_INTEGER ticks;
    ticks.QuadPart = -1;
    const ULONGLONG before = KeQueryInterruptTime();
    KeQueryTickCount(&ticks);
    const ULONGLONG after = KeQueryInterruptTime();
    EXPECT_GE(static_cast<ULONGLONG>(ticks.QuadPart), before / KeQueryTimeIncrement());
    EXPECT_LE(static_cast<ULONGLONG>(ticks.QuadPart), after / KeQueryTimeIncrement());
}

TEST(KeQueryInterruptTime, IsMonotonicAndMatchesTheUnbiasedTime) {
    const ULONGLONG a = KeQueryInterruptTime();
    const ULONGLONG b = KeQueryUnbiasedInterruptTime();
    ULONG64 qpc = 0;
    const ULONG64 c = KeQueryInterruptTimePrecise(&qpc);
    EXPECT_LE(a, b);
    EXPECT_LE(b, c);
    EXPECT_EQ(qpc, c);
}

TEST(KeQueryPerformanceCounter, RunsAt10MHz) {
    LARGE_INTEGER frequency;
    frequency.QuadPart = -1;
    const LARGE_INTEGER first = KeQueryPerformanceCounter(&frequency);
    EXPECT_EQ(frequency.QuadPart, 10'000'000);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const LARGE_INTEGER second = KeQueryPerformanceCounter(nullptr);
    EXPECT_GE(second.QuadPart - first.QuadPart, 5 * 10'000);
    EXPECT_LT(second.QuadPart - first.QuadPart, 10 * ticks_per_second);
}

TEST(KeQueryActiveProcessorCount, DescribesTheProcessors) {
    KAFFINITY mask = 0;
    const ULONG count = KeQueryActiveProcessorCount(&mask);
    ASSERT_GE(count, 1u);
    ASSERT_LE(count, 64u);
    EXPECT_EQ(static_cast<ULONG>(__builtin_popcountll(mask)), count);
    EXPECT_EQ(KeQueryActiveProcessorCountEx(ALL_PROCESSOR_GROUPS), count);
    EXPECT_EQ(KeQueryMaximumProcessorCount(), count);
    EXPECT_LT(KeGetCurrentProcessorNumber(), count);
}

}  // namespace
