// The verifier's kernel rules (docs/verifier.md): for each, the driver
// fragment of tests/drivers/verifier_driver.c that breaks it gives a report
// naming the rule, the function and the object; the same fragment fixed runs
// clean.
#include <gtest/gtest.h>

#include <wdm.h>

#include <wskemu/bug_check.hpp>
#include <wskemu/leak_report.hpp>
#include <wskemu/verifier.hpp>

#include <string>
#include <vector>

#include "drivers/verifier_driver.h"
#include "kernel/ex_pool.hpp"
#include "kernel/irql.hpp"
#include "kernel/mm_mdl.hpp"
#include "support/kernel_fixture.hpp"

namespace {

using fragment = VOID (*)(BOOLEAN, PVOID*);

struct rule_case {
    const char* rule;
    const char* function;  // what the report names
    fragment run;
    bool fatal;            // a bug check in every mode
    bool object_is_null;   // the rule has no object (IRQL rules)
};

// Frees what a fragment left behind when a bug check cut it short, and puts
// the thread back at PASSIVE_LEVEL.
void release_leftovers(std::uint64_t mark) {
    wskemu::kernel::set_current_irql(PASSIVE_LEVEL);
    for (const auto& locked : wskemu::kernel::locked_mdls()) {
        MmUnlockPages(const_cast<PMDL>(locked.mdl));
    }
    for (const auto& block : wskemu::kernel::live_blocks()) {
        if (block.serial < mark) {
            continue;
        }
        void* address = const_cast<void*>(block.address);
        switch (block.kind) {
        case wskemu::kernel::block_kind::irp:
            IoSetCancelRoutine(static_cast<PIRP>(address), nullptr);
            IoFreeIrp(static_cast<PIRP>(address));
            break;
        case wskemu::kernel::block_kind::mdl: IoFreeMdl(static_cast<PMDL>(address)); break;
        case wskemu::kernel::block_kind::pool: ExFreePool(address); break;
        case wskemu::kernel::block_kind::page_run: break;
        }
    }
}

class VerifierRule : public wskemu::test::kernel_test, public ::testing::WithParamInterface<rule_case> {};

TEST_P(VerifierRule, BrokenDriverIsReportedWithRuleFunctionAndObject) {
    const rule_case& c = GetParam();
    const auto mark = wskemu::kernel::next_block_serial();
    PVOID object = nullptr;
    bool raised = false;
    try {
        wskemu::catch_bug_check([&] { c.run(FALSE, &object); });
    } catch (const wskemu::bug_check_error& e) {
        raised = true;
        EXPECT_NE(std::string(e.what()).find(c.rule), std::string::npos) << e.what();
    }
    release_leftovers(mark);
    EXPECT_EQ(raised, c.fatal);
    const auto reports = wskemu::verifier::take_reports();
    std::string all;
    for (const auto& report : reports) {
        all += wskemu::verifier::format(report) + "\n";
    }
    ASSERT_EQ(reports.size(), 1u) << all;
    EXPECT_EQ(reports[0].rule, c.rule);
    EXPECT_EQ(reports[0].function, c.function);
    EXPECT_EQ(reports[0].object, c.object_is_null ? nullptr : object);
    EXPECT_EQ(reports[0].raised, c.fatal);
    EXPECT_FALSE(reports[0].violation_stack.empty());
    EXPECT_FALSE(reports[0].message.empty());
}

TEST_P(VerifierRule, FixedDriverRunsClean) {
    const rule_case& c = GetParam();
    PVOID object = nullptr;
    wskemu::catch_bug_check([&] { c.run(TRUE, &object); });
    for (const auto& report : wskemu::verifier::reports()) {
        ADD_FAILURE() << wskemu::verifier::format(report);
    }
}

TEST_P(VerifierRule, SwitchedOffIsNotReported) {
    const rule_case& c = GetParam();
    wskemu::verifier::scoped_disable off(c.rule);
    if (wskemu::verifier::is_enabled(c.rule)) {
        GTEST_SKIP() << c.rule << " cannot be switched off";
    }
    const auto mark = wskemu::kernel::next_block_serial();
    PVOID object = nullptr;
    try {
        wskemu::catch_bug_check([&] { c.run(FALSE, &object); });
    } catch (const wskemu::bug_check_error&) {
        // Another rule may still stop the fragment (the driver is broken).
    }
    release_leftovers(mark);
    for (const auto& report : wskemu::verifier::take_reports()) {
        EXPECT_NE(report.rule, c.rule);
    }
}

const rule_case rule_cases[] = {
    {"irp.completed_twice", "IoCompleteRequest", VfCompleteTwice, true, false},
    {"irp.freed_access", "IoCancelIrp", VfCancelFreedIrp, true, false},
    {"irp.completed_pending", "IoCompleteRequest", VfCompletePending, true, false},
    {"irp.cancel_routine_at_completion", "IoCompleteRequest", VfCompleteWithCancelRoutine, true, false},
    {"irp.not_an_irp", "IoReuseIrp", VfReuseNotAnIrp, true, false},
    {"irp.stack_overflow", "IoSetNextIrpStackLocation", VfStackOverflow, true, false},
    {"mdl.freed_while_locked", "IoFreeMdl", VfFreeLockedMdl, false, false},
    {"mdl.nonpaged_then_locked", "MmProbeAndLockPages", VfLockNonPagedMdl, false, false},
    {"mdl.already_locked", "MmProbeAndLockPages", VfLockTwice, true, false},
    {"mdl.not_locked", "MmUnlockPages", VfUnlockUnlocked, true, false},
    {"irql.function_maximum", "MmProbeAndLockPages", VfLockAtDispatch, true, true},
    {"irql.paged_code", "VfPageableRoutine", VfPagedCodeUnderSpinLock, true, true},
    {"irql.not_restored", "completion routine", VfRoutineLeavesIrqlRaised, true, true},
    {"irql.wrong_direction", "KeLowerIrql", VfLowerToHigher, true, true},
    {"spinlock.already_owned", "KeAcquireSpinLock", VfAcquireTwice, true, false},
    {"spinlock.not_owner", "KeReleaseSpinLock", VfReleaseUnheld, true, false},
    {"spinlock.release_irql", "KeReleaseSpinLock", VfReleaseToWrongIrql, false, false},
    {"pool.tag_mismatch", "ExFreePoolWithTag", VfFreeWithWrongTag, true, false},
    {"pool.double_free", "ExFreePoolWithTag", VfFreeTwice, true, false},
    {"pool.bad_free", "ExFreePool", VfFreeStackMemory, true, false},
};

INSTANTIATE_TEST_SUITE_P(Kernel, VerifierRule, ::testing::ValuesIn(rule_cases),
                         [](const ::testing::TestParamInfo<rule_case>& info) {
                             std::string name = info.param.rule;
                             for (char& ch : name) {
                                 if (ch == '.') {
                                     ch = '_';
                                 }
                             }
                             return name;
                         });

class VerifierLeaks : public wskemu::test::kernel_test {};

TEST_F(VerifierLeaks, KernelObjectsAreReportedWithTheirAllocationStacks) {
    const auto mark = wskemu::next_allocation_serial();
    VF_LEAKS leaks{};
    VfLeakEverything(FALSE, &leaks);
    EXPECT_EQ(wskemu::verifier::check_leaks(mark), 5u);  // pool, IRP, MDL, buffer, locked pages
    const auto reports = wskemu::verifier::take_reports();
    std::vector<std::string> rules;
    for (const auto& report : reports) {
        rules.push_back(report.rule);
        EXPECT_FALSE(report.creation_stack.empty()) << report.rule;
        if (wskemu::verifier::stack_names_functions()) {
            EXPECT_NE(report.creation_stack.find("VfLeakEverything"), std::string::npos) << report.creation_stack;
        }
    }
    EXPECT_EQ(rules, (std::vector<std::string>{"leak.pool_block", "leak.irp", "leak.pool_block", "leak.mdl",
                                               "leak.locked_pages"}));
    ASSERT_EQ(reports.size(), 5u);
    EXPECT_EQ(reports[0].object, leaks.Pool);
    EXPECT_EQ(reports[1].object, leaks.Irp);
    EXPECT_EQ(reports[3].object, leaks.Mdl);
    EXPECT_EQ(reports[4].object, leaks.Mdl);
    EXPECT_EQ(reports[4].function, "MmProbeAndLockPages");
    MmUnlockPages(leaks.Mdl);
    IoFreeMdl(leaks.Mdl);
    ExFreePool(leaks.Buffer);
    IoFreeIrp(leaks.Irp);
    ExFreePool(leaks.Pool);

    VfLeakEverything(TRUE, &leaks);
    EXPECT_EQ(wskemu::verifier::check_leaks(mark), 0u);
    EXPECT_TRUE(wskemu::verifier::reports().empty());
}

}  // namespace
