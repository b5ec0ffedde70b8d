// The verifier's control API (include/wskemu/verifier.hpp, src/kernel/verifier.cpp):
// modes, switches, the environment's spelling, kept reports, stacks, and the
// GoogleTest glue (include/wskemu/verifier_gtest.hpp).
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <wdm.h>

#include <wskemu/bug_check.hpp>
#include <wskemu/verifier.hpp>
#include <wskemu/verifier_gtest.hpp>

#include <set>
#include <string>

#include "drivers/verifier_driver.h"
#include "kernel/verifier.hpp"
#include "support/kernel_fixture.hpp"

namespace {

using wskemu::verifier_mode;
namespace verifier = wskemu::verifier;

class VerifierTest : public wskemu::test::kernel_test {
protected:
    void TearDown() override {
        // Back to the defaults (the environment is not set for the tests).
        wskemu::kernel::verifier::configure(nullptr, nullptr, nullptr, nullptr);
        kernel_test::TearDown();
    }
};

// A rule that is not fatal, broken on purpose: KeReleaseSpinLock to another
// IRQL than the acquire returned.
void release_to_wrong_irql() {
    PVOID lock = nullptr;
    VfReleaseToWrongIrql(FALSE, &lock);
}

TEST_F(VerifierTest, EveryRuleHasAUniqueFamilyDotNameId) {
    std::set<std::string> ids;
    for (const auto& rule : verifier::rules()) {
        EXPECT_TRUE(ids.insert(rule.id).second) << rule.id;
        EXPECT_NE(rule.id.find('.'), std::string::npos) << rule.id;
        EXPECT_FALSE(rule.summary.empty()) << rule.id;
        EXPECT_NE(rule.bug_check_code, 0u) << rule.id;
        EXPECT_EQ(verifier::is_enabled(rule.id), rule.enabled_by_default) << rule.id;
    }
    EXPECT_EQ(ids.size(), wskemu::kernel::verifier::rule_count);
}

TEST_F(VerifierTest, DefaultModeIsFail) { EXPECT_EQ(verifier::mode(), verifier_mode::fail); }

TEST_F(VerifierTest, FailModeKeepsTheReportAndFailsTheTest) {
    release_to_wrong_irql();
    EXPECT_EQ(verifier::count(), 1u);
    EXPECT_EQ(verifier::count("spinlock.release_irql"), 1u);
    const auto reports = verifier::reports();
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].mode, verifier_mode::fail);
    EXPECT_FALSE(reports[0].raised);
    EXPECT_EQ(reports[0].bug_check_code, static_cast<std::uint32_t>(DRIVER_VERIFIER_DETECTED_VIOLATION));
    EXPECT_NONFATAL_FAILURE(verifier::fail_on_reports(), "[spinlock.release_irql] KeReleaseSpinLock");
    EXPECT_TRUE(verifier::reports().empty());
}

TEST_F(VerifierTest, ReportModeCountsAndDoesNotFail) {
    verifier::scoped_mode report(verifier_mode::report);
    release_to_wrong_irql();
    release_to_wrong_irql();
    EXPECT_EQ(verifier::count("spinlock.release_irql"), 2u);
    const auto reports = verifier::reports();
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[1].mode, verifier_mode::report);
    verifier::fail_on_reports();  // nothing to fail: report mode only logs
    EXPECT_EQ(verifier::count(), 2u);
    verifier::clear();
    EXPECT_EQ(verifier::count(), 0u);
}

TEST_F(VerifierTest, BreakModeRaisesTheRulesBugCheckAtOnce) {
    verifier::scoped_mode breaks(verifier_mode::breaks);
    PVOID lock = nullptr;
    try {
        wskemu::catch_bug_check([&] { VfReleaseToWrongIrql(FALSE, &lock); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), static_cast<std::uint32_t>(DRIVER_VERIFIER_DETECTED_VIOLATION));
        EXPECT_EQ(e.parameters()[0], 0x20015u);  // the IrqlKeReleaseSpinLock DDI rule
        EXPECT_EQ(e.parameters()[1], reinterpret_cast<std::uintptr_t>(lock));
        EXPECT_NE(std::string(e.what()).find("spinlock.release_irql"), std::string::npos);
    }
    wskemu::kernel::set_current_irql(PASSIVE_LEVEL);
    const auto reports = verifier::take_reports();
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_TRUE(reports[0].raised);
    EXPECT_EQ(reports[0].mode, verifier_mode::breaks);
}

TEST_F(VerifierTest, ARuleSwitchedOffIsNeitherCheckedNorCounted) {
    EXPECT_TRUE(verifier::disable("spinlock.release_irql"));
    EXPECT_FALSE(verifier::is_enabled("spinlock.release_irql"));
    release_to_wrong_irql();
    EXPECT_EQ(verifier::count(), 0u);
    EXPECT_TRUE(verifier::enable("spinlock.release_irql"));
    release_to_wrong_irql();
    EXPECT_EQ(verifier::count(), 1u);
    verifier::take_reports();
}

TEST_F(VerifierTest, FamiliesAndEveryRuleAreSwitchedTogether) {
    EXPECT_TRUE(verifier::disable("irp.*"));
    EXPECT_FALSE(verifier::is_enabled("irp.no_completion_routine"));
    EXPECT_FALSE(verifier::is_enabled("irp.invoke_flags"));
    EXPECT_TRUE(verifier::is_enabled("irp.freed_access"));  // cannot be switched off
    EXPECT_TRUE(verifier::is_enabled("mdl.freed_while_pending"));
    EXPECT_TRUE(verifier::enable("irp.*"));
    EXPECT_TRUE(verifier::disable("*"));
    EXPECT_FALSE(verifier::is_enabled("leak.irp"));
    EXPECT_TRUE(verifier::is_enabled("socket.not_live"));
}

TEST_F(VerifierTest, UnknownIdsAndFatalOnlyRulesAreRefused) {
    EXPECT_FALSE(verifier::disable("irp.no_such_rule"));
    EXPECT_FALSE(verifier::disable("nothing.*"));
    EXPECT_FALSE(verifier::disable("socket.not_live"));
    EXPECT_TRUE(verifier::is_enabled("socket.not_live"));
    EXPECT_FALSE(verifier::is_enabled("no.such_rule"));
}

TEST_F(VerifierTest, EnvironmentSpellingSetsModeAndSwitches) {
    wskemu::kernel::verifier::configure("break", "irp.*, mdl.freed_while_locked ,bogus",
                                        "buffer.modified_while_pending", "0");
    EXPECT_EQ(verifier::mode(), verifier_mode::breaks);
    EXPECT_FALSE(verifier::is_enabled("irp.invoke_flags"));
    EXPECT_FALSE(verifier::is_enabled("mdl.freed_while_locked"));
    EXPECT_TRUE(verifier::is_enabled("mdl.freed_while_pending"));
    EXPECT_TRUE(verifier::is_enabled("buffer.modified_while_pending"));
    EXPECT_FALSE(wskemu::kernel::verifier::capture_stacks());
    wskemu::kernel::verifier::configure("report", nullptr, nullptr, nullptr);
    EXPECT_EQ(verifier::mode(), verifier_mode::report);
    EXPECT_TRUE(wskemu::kernel::verifier::capture_stacks());
    wskemu::kernel::verifier::configure("sometimes", nullptr, nullptr, nullptr);
    EXPECT_EQ(verifier::mode(), verifier_mode::fail);
    EXPECT_FALSE(verifier::is_enabled("buffer.modified_while_pending"));
    EXPECT_STREQ(verifier::mode_name(verifier_mode::breaks), "break");
}

TEST_F(VerifierTest, ReportsCarryBothStacksAndFormatThem) {
    PVOID object = nullptr;
    VfFreeLockedMdl(FALSE, &object);
    const auto reports = verifier::take_reports();
    ASSERT_EQ(reports.size(), 1u);
    const auto& report = reports[0];
    EXPECT_EQ(report.rule, "mdl.freed_while_locked");
    if (verifier::stack_names_functions()) {
        EXPECT_NE(report.creation_stack.find("VfFreeLockedMdl"), std::string::npos) << report.creation_stack;
        EXPECT_NE(report.violation_stack.find("VfFreeLockedMdl"), std::string::npos) << report.violation_stack;
    }
    const std::string text = verifier::format(report);
    EXPECT_NE(text.find("[mdl.freed_while_locked] IoFreeMdl"), std::string::npos) << text;
    EXPECT_NE(text.find("object created at:"), std::string::npos) << text;
    EXPECT_NE(text.find("rule broken at:"), std::string::npos) << text;
}

TEST_F(VerifierTest, WithoutStackCaptureObjectsHaveNoCreationStack) {
    const bool previous = verifier::set_capture_stacks(false);
    PVOID object = nullptr;
    VfFreeLockedMdl(FALSE, &object);
    verifier::set_capture_stacks(previous);
    const auto reports = verifier::take_reports();
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_TRUE(reports[0].creation_stack.empty());
    EXPECT_FALSE(reports[0].violation_stack.empty());
}

TEST_F(VerifierTest, FatalRulesRaiseInEveryMode) {
    for (verifier_mode mode : {verifier_mode::report, verifier_mode::fail, verifier_mode::breaks}) {
        verifier::scoped_mode scoped(mode);
        PVOID block = nullptr;
        EXPECT_THROW(wskemu::catch_bug_check([&] { VfFreeTwice(FALSE, &block); }), wskemu::bug_check_error);
    }
    const auto reports = verifier::take_reports();
    ASSERT_EQ(reports.size(), 3u);
    for (const auto& report : reports) {
        EXPECT_EQ(report.rule, "pool.double_free");
        EXPECT_TRUE(report.raised);
        EXPECT_FALSE(report.freed_stack.empty());
    }
}

}  // namespace
