// Tests for src/kernel/ke_time.cpp.
#include <wdm.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace {

constexpr LONGLONG ticks_per_second = 10'000'000;
constexpr LONGLONG unix_epoch_in_nt_time = 116'444'736'000'000'000LL;

TEST(KeQuerySystemTime, CountsFrom1601In100nsUnits) {
    // Bracketed by the host's precise wall clock: std::time() may read a
    // coarse clock that lags it by a tick, across a second boundary too.
    using hundred_ns = std::chrono::duration<LONGLONG, std::ratio<1, ticks_per_second>>;
    auto nt_time = [](std::chrono::system_clock::time_point t) {
        return unix_epoch_in_nt_time + std::chrono::duration_cast<hundred_ns>(t.time_since_epoch()).count();
    };
    LARGE_INTEGER now;
    now.QuadPart = -1;
    const LONGLONG before = nt_time(std::chrono::system_clock::now());
    KeQuerySystemTime(&now);
    const LONGLONG after = nt_time(std::chrono::system_clock::now());
    EXPECT_GE(now.QuadPart, before);
    EXPECT_LE(now.QuadPart, after);
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
