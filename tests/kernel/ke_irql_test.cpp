// Tests of the per-thread IRQL (src/kernel/ke_irql.cpp) and PAGED_CODE().
#include <gtest/gtest.h>

#include <wdm.h>

#include <wskemu/bug_check.hpp>

#include <thread>

#include "drivers/paged_driver.h"

namespace {

TEST(KeRaiseIrql, ReturnsTheOldIrqlAndKeLowerIrqlRestoresIt) {
    ASSERT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KIRQL old = 0xFF;
    KeRaiseIrql(APC_LEVEL, &old);
    EXPECT_EQ(old, PASSIVE_LEVEL);
    EXPECT_EQ(KeGetCurrentIrql(), APC_LEVEL);
    KIRQL older = 0xFF;
    KeRaiseIrql(DISPATCH_LEVEL, &older);
    EXPECT_EQ(older, APC_LEVEL);
    KeLowerIrql(older);
    EXPECT_EQ(KeGetCurrentIrql(), APC_LEVEL);
    KeLowerIrql(old);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    EXPECT_EQ(KeRaiseIrqlToDpcLevel(), PASSIVE_LEVEL);
    EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KeLowerIrql(PASSIVE_LEVEL);
}

TEST(KeRaiseIrql, IsPerThread) {
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    KIRQL seen_by_other = 0xFF;
    std::thread other([&] { seen_by_other = KeGetCurrentIrql(); });
    other.join();
    EXPECT_EQ(seen_by_other, PASSIVE_LEVEL);
    KeLowerIrql(old);
}

TEST(KeRaiseIrql, ToALowerIrqlIsIrqlNotGreaterOrEqual) {
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    try {
        wskemu::catch_bug_check([] {
            KIRQL ignored;
            KeRaiseIrql(APC_LEVEL, &ignored);
        });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), static_cast<std::uint32_t>(IRQL_NOT_GREATER_OR_EQUAL));
        EXPECT_EQ(e.parameters()[0], static_cast<std::uintptr_t>(DISPATCH_LEVEL));
        EXPECT_EQ(e.parameters()[1], static_cast<std::uintptr_t>(APC_LEVEL));
    }
    EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL) << "a refused raise changes nothing";
    KeLowerIrql(old);
}

TEST(KeLowerIrql, ToAHigherIrqlIsIrqlNotLessOrEqual) {
    EXPECT_THROW(wskemu::catch_bug_check([] { KeLowerIrql(DISPATCH_LEVEL); }), wskemu::bug_check_error);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

TEST(PagedCode, PassesAtPassiveAndApcLevel) {
    EXPECT_EQ(PagedDriverRoutine(1), 2u);
    KIRQL old;
    KeRaiseIrql(APC_LEVEL, &old);
    EXPECT_EQ(PagedDriverRoutine(2), 3u);
    KeLowerIrql(old);
}

TEST(PagedCode, AboveApcLevelIsABugCheckNamingTheFunction) {
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    try {
        wskemu::catch_bug_check([] { PagedDriverRoutine(1); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), static_cast<std::uint32_t>(IRQL_NOT_LESS_OR_EQUAL));
        EXPECT_NE(std::string(e.what()).find("PagedDriverRoutine"), std::string::npos) << e.what();
    }
    KeLowerIrql(old);
}

}  // namespace
