// Tests for src/kernel/io_workitem.cpp.
#include <wdm.h>

#include <gtest/gtest.h>
#include <wskemu/bug_check.hpp>

namespace {

LARGE_INTEGER seconds(LONGLONG s) {
    LARGE_INTEGER t;
    t.QuadPart = -s * 10'000'000;
    return t;
}

struct work_report {
    KEVENT done;
    int runs = 0;
    KIRQL irql = 0xCC;
    PETHREAD thread = nullptr;
    PDEVICE_OBJECT device = nullptr;
    PVOID io_object = nullptr;
    PIO_WORKITEM item = nullptr;
    bool free_inside = false;
};

VOID NTAPI record_work(PDEVICE_OBJECT DeviceObject, PVOID Context) {
    auto* report = static_cast<work_report*>(Context);
    ++report->runs;
    report->irql = KeGetCurrentIrql();
    report->thread = PsGetCurrentThread();
    report->device = DeviceObject;
    KeSetEvent(&report->done, IO_NO_INCREMENT, FALSE);
}

VOID NTAPI record_work_ex(PVOID IoObject, PVOID Context, PIO_WORKITEM IoWorkItem) {
    auto* report = static_cast<work_report*>(Context);
    ++report->runs;
    report->irql = KeGetCurrentIrql();
    report->io_object = IoObject;
    report->item = IoWorkItem;
    if (report->free_inside) {
        IoFreeWorkItem(IoWorkItem);
    }
    KeSetEvent(&report->done, IO_NO_INCREMENT, FALSE);
}

// A device object the emulator must never look into.
alignas(16) unsigned char fake_device[16];

TEST(IoQueueWorkItem, RunsTheRoutineAtPassiveLevelOnAnotherThread) {
    work_report report;
    KeInitializeEvent(&report.done, SynchronizationEvent, FALSE);
    auto* device = reinterpret_cast<PDEVICE_OBJECT>(fake_device);
    PIO_WORKITEM item = IoAllocateWorkItem(device);
    ASSERT_NE(item, nullptr);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);  // queuing is allowed at DISPATCH_LEVEL
    IoQueueWorkItem(item, record_work, DelayedWorkQueue, &report);
    KeLowerIrql(old);
    LARGE_INTEGER timeout = seconds(5);
    ASSERT_EQ(KeWaitForSingleObject(&report.done, Executive, KernelMode, FALSE, &timeout), STATUS_SUCCESS);
    EXPECT_EQ(report.runs, 1);
    EXPECT_EQ(report.irql, PASSIVE_LEVEL);
    EXPECT_EQ(report.device, device);
    EXPECT_NE(report.thread, PsGetCurrentThread());
    // The item may be queued again once its routine has started.
    IoQueueWorkItem(item, record_work, DelayedWorkQueue, &report);
    ASSERT_EQ(KeWaitForSingleObject(&report.done, Executive, KernelMode, FALSE, &timeout), STATUS_SUCCESS);
    EXPECT_EQ(report.runs, 2);
    IoFreeWorkItem(item);
}

TEST(IoQueueWorkItemEx, PassesTheItemAndMayBeFreedByItsRoutine) {
    work_report report;
    KeInitializeEvent(&report.done, SynchronizationEvent, FALSE);
    report.free_inside = true;
    auto* device = reinterpret_cast<PDEVICE_OBJECT>(fake_device);
    PIO_WORKITEM item = IoAllocateWorkItem(device);
    ASSERT_NE(item, nullptr);
    IoQueueWorkItemEx(item, record_work_ex, CriticalWorkQueue, &report);
    LARGE_INTEGER timeout = seconds(5);
    ASSERT_EQ(KeWaitForSingleObject(&report.done, Executive, KernelMode, FALSE, &timeout), STATUS_SUCCESS);
    EXPECT_EQ(report.runs, 1);
    EXPECT_EQ(report.irql, PASSIVE_LEVEL);
    EXPECT_EQ(report.io_object, static_cast<PVOID>(device));
    EXPECT_EQ(report.item, item);
}

VOID NTAPI block_until_set(PDEVICE_OBJECT DeviceObject, PVOID Context) {
    (void)DeviceObject;
    KeWaitForSingleObject(Context, Executive, KernelMode, FALSE, nullptr);
}

TEST(IoQueueWorkItem, QueuingAQueuedItemIsReported) {
    // Static: a blocker's wait may still look at the event's header after
    // the test has moved on (ThreadSanitizer saw the stack slot reused).
    static KEVENT release;
    KeInitializeEvent(&release, NotificationEvent, FALSE);
    // Keep both workers busy so the item under test stays queued.
    PIO_WORKITEM blockers[2] = {IoAllocateWorkItem(nullptr), IoAllocateWorkItem(nullptr)};
    IoQueueWorkItem(blockers[0], block_until_set, DelayedWorkQueue, &release);
    IoQueueWorkItem(blockers[1], block_until_set, DelayedWorkQueue, &release);
    work_report report;
    KeInitializeEvent(&report.done, SynchronizationEvent, FALSE);
    PIO_WORKITEM item = IoAllocateWorkItem(nullptr);
    IoQueueWorkItem(item, record_work, DelayedWorkQueue, &report);
    EXPECT_THROW(wskemu::catch_bug_check([&] { IoQueueWorkItem(item, record_work, DelayedWorkQueue, &report); }),
                 wskemu::bug_check_error);
    EXPECT_THROW(wskemu::catch_bug_check([&] { IoFreeWorkItem(item); }), wskemu::bug_check_error);
    KeSetEvent(&release, IO_NO_INCREMENT, FALSE);
    LARGE_INTEGER timeout = seconds(5);
    ASSERT_EQ(KeWaitForSingleObject(&report.done, Executive, KernelMode, FALSE, &timeout), STATUS_SUCCESS);
    EXPECT_EQ(report.runs, 1);
    // Once an item's routine has started the item is no longer queued.
    IoFreeWorkItem(item);
    // Reuse and free the blockers once their routines are done with them.
    for (PIO_WORKITEM blocker : blockers) {
        work_report after;
        KeInitializeEvent(&after.done, SynchronizationEvent, FALSE);
        IoQueueWorkItem(blocker, record_work, DelayedWorkQueue, &after);
        ASSERT_EQ(KeWaitForSingleObject(&after.done, Executive, KernelMode, FALSE, &timeout), STATUS_SUCCESS);
        IoFreeWorkItem(blocker);
    }
}

TEST(IoSizeofWorkItem, IsNonZero) { EXPECT_GT(IoSizeofWorkItem(), 0u); }

}  // namespace
