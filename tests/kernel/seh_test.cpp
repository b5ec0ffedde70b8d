// Tests of the structured exception substitute, driven through C and C++ test
// drivers (tests/drivers/seh_driver*.c*), and of bug checks and assertions.
#include <gtest/gtest.h>

#include <wskemu/bug_check.hpp>

#include "drivers/seh_driver.h"
#include "support/kernel_fixture.hpp"

namespace {

using SehTest = wskemu::test::kernel_test;

TEST_F(SehTest, MmProbeAndLockPagesFailureLandsInExcept) {
    BOOLEAN locked = TRUE;
    EXPECT_EQ(SehDriverProbeAndLock(nullptr, 100, &locked), STATUS_ACCESS_VIOLATION);
    EXPECT_FALSE(locked);
    char buffer[100];
    EXPECT_EQ(SehDriverProbeAndLock(buffer, sizeof buffer, &locked), STATUS_SUCCESS);
    EXPECT_TRUE(locked);
}

TEST_F(SehTest, FinallyRunsWhileUnwindingToTheOuterExcept) {
    LONG trace = 0;
    EXPECT_EQ(SehDriverNested(STATUS_INVALID_PARAMETER, &trace), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(trace, 123);
}

TEST_F(SehTest, ContinueSearchPassesTheExceptionOutward) {
    LONG trace = 0;
    EXPECT_EQ(SehDriverContinueSearch(STATUS_NO_MEMORY, &trace), STATUS_NO_MEMORY);
    EXPECT_EQ(trace, 1);
}

TEST_F(SehTest, LeaveRunsTheFinallyBlock) { EXPECT_EQ(SehDriverLeave(), 12); }

TEST_F(SehTest, NoExceptionSkipsExceptAndRunsFinally) { EXPECT_EQ(SehDriverNoException(), 123); }

TEST_F(SehTest, CppDriverCatchesRaisedStatus) {
    EXPECT_EQ(SehDriverCppProbeAndLock(nullptr, 10), STATUS_ACCESS_VIOLATION);
    char buffer[10];
    EXPECT_EQ(SehDriverCppProbeAndLock(buffer, sizeof buffer), STATUS_SUCCESS);
    NTSTATUS caught = STATUS_SUCCESS;
    EXPECT_EQ(SehDriverCppFinally(STATUS_CONNECTION_RESET, &caught), 123);
    EXPECT_EQ(caught, STATUS_CONNECTION_RESET);
}

TEST_F(SehTest, AFailedAssertIsKmodeExceptionNotHandled) {
    SehDriverAssert(42);
    try {
        wskemu::catch_bug_check([] { SehDriverAssert(7); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), static_cast<std::uint32_t>(KMODE_EXCEPTION_NOT_HANDLED));
        EXPECT_EQ(e.parameters()[0], static_cast<std::uintptr_t>(static_cast<ULONG>(STATUS_ASSERTION_FAILURE)));
        EXPECT_NE(std::string(e.what()).find("Value == 42"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("seh_driver.c"), std::string::npos) << e.what();
    }
}

TEST_F(SehTest, KeBugCheckExFromCDriverCodeCarriesItsParameters) {
    try {
        wskemu::catch_bug_check([] { SehDriverBugCheck(); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), 0xDEADu);
        EXPECT_EQ(e.parameters(), (std::array<std::uintptr_t, 4>{1, 2, 3, 4}));
        EXPECT_NE(std::string(e.what()).find("STOP 0x0000DEAD (0x1, 0x2, 0x3, 0x4)"), std::string::npos) << e.what();
    }
}

TEST(SehDeathTest, KeBugCheckExOutsideCatchBugCheckAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(SehDriverBugCheck(), "STOP 0x0000DEAD \\(0x1, 0x2, 0x3, 0x4\\)");
}

}  // namespace
