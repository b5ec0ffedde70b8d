// The systematic allocation-failure sweep (include/wskemu/allocation_sweep.hpp)
// over a C test driver with an error path per allocation: every distinct
// site fails once, the fixed driver survives every one without leaking, and
// the sweep names the site whose error path leaks in the buggy variant.
#include <gtest/gtest.h>

#include <wskemu/allocation_sweep.hpp>
#include <wskemu/leak_report.hpp>
#include <wskemu/runtime.hpp>

#include "drivers/request_builder_driver.h"
#include "support/kernel_fixture.hpp"

namespace {

using wskemu::allocation_kind;

class AllocationSweep : public wskemu::test::kernel_test {};

TEST_F(AllocationSweep, EverySiteFailsOnceAndTheFixedDriverSurvivesEveryOne) {
    std::vector<NTSTATUS> results;
    const auto result = wskemu::sweep_allocation_failures([&] { results.push_back(RequestBuilderRun(100, FALSE)); });
    EXPECT_TRUE(result.clean()) << result.report();
    // Context, IRP, payload, payload MDL, trailer MDL.
    ASSERT_EQ(result.sites.size(), 5u) << result.report();
    EXPECT_EQ(result.sites[0].kind, allocation_kind::pool);
    EXPECT_EQ(result.sites[1].kind, allocation_kind::irp);
    EXPECT_EQ(result.sites[2].kind, allocation_kind::pool);
    EXPECT_EQ(result.sites[3].kind, allocation_kind::mdl);
    EXPECT_EQ(result.sites[4].kind, allocation_kind::mdl);
    ASSERT_EQ(result.runs.size(), 5u);
    ASSERT_EQ(results.size(), 6u);
    EXPECT_EQ(results[0], STATUS_SUCCESS);
    for (std::size_t i = 1; i < results.size(); ++i) {
        EXPECT_EQ(results[i], STATUS_INSUFFICIENT_RESOURCES) << "run " << i;
        EXPECT_TRUE(result.runs[i - 1].reached);
    }
    EXPECT_TRUE(wskemu::runtime::instance().faults().empty()) << "the sweep leaves the plan as it found it";
}

TEST_F(AllocationSweep, ItNamesTheSiteWhoseErrorPathLeaks) {
    const auto result = wskemu::sweep_allocation_failures([] { (void)RequestBuilderRun(100, TRUE); });
    EXPECT_FALSE(result.clean());
    int leaking = 0;
    for (const auto& run : result.runs) {
        if (!run.leaks.empty()) {
            ++leaking;
            EXPECT_EQ(run.failed.kind, allocation_kind::mdl);
            EXPECT_NE(run.leaks.find("IRP"), std::string::npos) << run.leaks;
        }
    }
    EXPECT_EQ(leaking, 1) << result.report();
    EXPECT_NE(result.report().find("failing the mdl allocation at"), std::string::npos) << result.report();
    // The leaked IRP is the test's to clean up: free what the sweep reported.
    for (const auto& object : wskemu::live_kernel_objects()) {
        if (object.kind == "IRP" && object.serial >= allocation_mark()) {
            IoFreeIrp(static_cast<PIRP>(const_cast<void*>(object.address)));
        }
    }
}

}  // namespace
