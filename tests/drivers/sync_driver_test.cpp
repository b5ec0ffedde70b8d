// Drives tests/drivers/sync_driver.c.
#include <gtest/gtest.h>

#include "drivers/sync_driver.h"
#include "kernel/ob_object.hpp"
#include "support/kernel_fixture.hpp"

namespace {

class SyncDriver : public wskemu::test::kernel_test {};

TEST_F(SyncDriver, SystemThreadEventsSpinLockAndWorkItemCooperate) {
    const std::size_t objects_before = wskemu::kernel::live_object_count();
    SYNC_DRIVER_RESULT result;
    memset(&result, 0xCC, sizeof(result));
    constexpr ULONG rounds = 20;
    ASSERT_EQ(SyncDriverRun(rounds, &result), STATUS_SUCCESS);
    // Each round adds its number twice: once in the thread, once in the work item.
    EXPECT_EQ(result.Total, static_cast<LONG>(rounds * (rounds + 1)));
    EXPECT_EQ(result.WorkerRuns, static_cast<LONG>(rounds));
    EXPECT_EQ(result.WorkerIrql, PASSIVE_LEVEL);
    EXPECT_EQ(result.ThreadIrql, PASSIVE_LEVEL);
    EXPECT_TRUE(result.WorkerOnOtherThread);
    EXPECT_TRUE(result.ThreadWasSystem);
    EXPECT_EQ(wskemu::kernel::live_object_count(), objects_before) << "the thread object leaked";
}

TEST_F(SyncDriver, PsTerminateSystemThreadFromANestedCallEndsTheThread) {
    const std::size_t objects_before = wskemu::kernel::live_object_count();
    LONG reached = -1;
    ASSERT_EQ(SyncDriverTerminateNested(&reached), STATUS_SUCCESS);
    EXPECT_EQ(reached, 1) << "code after PsTerminateSystemThread ran";
    EXPECT_EQ(wskemu::kernel::live_object_count(), objects_before);
}

}  // namespace
