// Tests of IRP allocation, initialisation, reuse and release (src/kernel/io_irp.cpp).
#include <gtest/gtest.h>

#include <wdm.h>

#include <wskemu/bug_check.hpp>

#include "support/kernel_fixture.hpp"

namespace {

using IrpTest = wskemu::test::kernel_test;

NTSTATUS NTAPI stop_completion(PDEVICE_OBJECT, PIRP, PVOID) { return STATUS_MORE_PROCESSING_REQUIRED; }

TEST_F(IrpTest, IoSizeOfIrpMatchesTheX64Layout) {
    EXPECT_EQ(sizeof(IRP), 0xD0u);
    EXPECT_EQ(sizeof(IO_STACK_LOCATION), 0x48u);
    EXPECT_EQ(IoSizeOfIrp(1), 280);
    EXPECT_EQ(IoSizeOfIrp(3), 0xD0 + 3 * 0x48);
}

TEST_F(IrpTest, IoAllocateIrpInitialisesLikeIoInitializeIrp) {
    PIRP irp = IoAllocateIrp(2, FALSE);
    ASSERT_NE(irp, nullptr);
    EXPECT_EQ(irp->Type, IO_TYPE_IRP);
    EXPECT_EQ(irp->Size, IoSizeOfIrp(2));
    EXPECT_EQ(irp->StackCount, 2);
    EXPECT_EQ(irp->CurrentLocation, 3);
    EXPECT_EQ(irp->Tail.Overlay.CurrentStackLocation, reinterpret_cast<PIO_STACK_LOCATION>(irp + 1) + 2);
    EXPECT_EQ(irp->ThreadListEntry.Flink, &irp->ThreadListEntry);
    EXPECT_EQ(irp->ThreadListEntry.Blink, &irp->ThreadListEntry);
    EXPECT_EQ(irp->IoStatus.Status, STATUS_SUCCESS);
    EXPECT_EQ(irp->IoStatus.Information, 0u);
    EXPECT_EQ(irp->MdlAddress, nullptr);
    EXPECT_FALSE(irp->Cancel);
    EXPECT_FALSE(irp->PendingReturned);
    EXPECT_EQ(irp->CancelRoutine, nullptr);
    IoFreeIrp(irp);
}

TEST_F(IrpTest, IoAllocateIrpWithNegativeStackSizeFails) { EXPECT_EQ(IoAllocateIrp(-1, FALSE), nullptr); }

TEST_F(IrpTest, IoSetCompletionRoutineWritesTheNextLocation) {
    PIRP irp = IoAllocateIrp(1, FALSE);
    int context = 0;
    IoSetCompletionRoutine(irp, stop_completion, &context, TRUE, FALSE, TRUE);
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
    EXPECT_EQ(next, reinterpret_cast<PIO_STACK_LOCATION>(irp + 1));
    EXPECT_EQ(next->CompletionRoutine, &stop_completion);
    EXPECT_EQ(next->Context, &context);
    EXPECT_EQ(next->Control, SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_CANCEL);
    IoFreeIrp(irp);
}

TEST_F(IrpTest, StackLocationMacrosMoveTheCurrentLocation) {
    PIRP irp = IoAllocateIrp(2, FALSE);
    PIO_STACK_LOCATION base = reinterpret_cast<PIO_STACK_LOCATION>(irp + 1);
    IoSetNextIrpStackLocation(irp);
    EXPECT_EQ(irp->CurrentLocation, 2);
    EXPECT_EQ(IoGetCurrentIrpStackLocation(irp), base + 1);
    IoGetCurrentIrpStackLocation(irp)->MajorFunction = IRP_MJ_DEVICE_CONTROL;
    IoGetCurrentIrpStackLocation(irp)->Parameters.DeviceIoControl.IoControlCode = 0x1234;
    IoSetCompletionRoutine(irp, stop_completion, nullptr, TRUE, TRUE, TRUE);
    IoCopyCurrentIrpStackLocationToNext(irp);
    EXPECT_EQ(base[0].MajorFunction, IRP_MJ_DEVICE_CONTROL);
    EXPECT_EQ(base[0].Parameters.DeviceIoControl.IoControlCode, 0x1234u);
    EXPECT_EQ(base[0].CompletionRoutine, &stop_completion) << "the copy stops before CompletionRoutine";
    EXPECT_EQ(base[0].Control, 0) << "the copy clears Control";
    IoSetNextIrpStackLocation(irp);
    EXPECT_EQ(irp->CurrentLocation, 1);
    IoSkipCurrentIrpStackLocation(irp);
    EXPECT_EQ(irp->CurrentLocation, 2);
    EXPECT_EQ(IoGetCurrentIrpStackLocation(irp), base + 1);
    IoMarkIrpPending(irp);
    EXPECT_EQ(base[1].Control & SL_PENDING_RETURNED, SL_PENDING_RETURNED);
    IoFreeIrp(irp);
}

TEST_F(IrpTest, IoSetNextIrpStackLocationPastTheFirstIsABugCheck) {
    PIRP irp = IoAllocateIrp(1, FALSE);
    IoSetNextIrpStackLocation(irp);
    try {
        wskemu::catch_bug_check([&] { IoSetNextIrpStackLocation(irp); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), static_cast<std::uint32_t>(NO_MORE_IRP_STACK_LOCATIONS));
        EXPECT_EQ(e.parameters()[0], reinterpret_cast<std::uintptr_t>(irp));
    }
    IoFreeIrp(irp);
}

TEST_F(IrpTest, IoReuseIrpResetsEverythingButAllocationFlags) {
    PIRP irp = IoAllocateIrp(1, TRUE);
    const UCHAR flags = irp->AllocationFlags;
    IoSetCompletionRoutine(irp, stop_completion, nullptr, TRUE, TRUE, TRUE);
    IoSetNextIrpStackLocation(irp);
    irp->IoStatus.Information = 77;
    irp->Cancel = TRUE;
    irp->PendingReturned = TRUE;
    IoReuseIrp(irp, STATUS_UNSUCCESSFUL);
    EXPECT_EQ(irp->IoStatus.Status, STATUS_UNSUCCESSFUL);
    EXPECT_EQ(irp->IoStatus.Information, 0u);
    EXPECT_FALSE(irp->Cancel);
    EXPECT_FALSE(irp->PendingReturned);
    EXPECT_EQ(irp->CurrentLocation, 2);
    EXPECT_EQ(irp->AllocationFlags, flags);
    EXPECT_EQ(IoGetNextIrpStackLocation(irp)->CompletionRoutine, nullptr) << "reuse wipes the completion routine";
    IoFreeIrp(irp);
}

TEST_F(IrpTest, IoReuseIrpWithACancelRoutineSetIsABugCheck) {
    PIRP irp = IoAllocateIrp(1, FALSE);
    IoSetCancelRoutine(irp, [](PDEVICE_OBJECT, PIRP) {});
    EXPECT_THROW(wskemu::catch_bug_check([&] { IoReuseIrp(irp, STATUS_SUCCESS); }), wskemu::bug_check_error);
    IoSetCancelRoutine(irp, nullptr);
    IoFreeIrp(irp);
}

TEST_F(IrpTest, IoFreeIrpTwiceIsABugCheckNamingTheDoubleFree) {
    PIRP irp = IoAllocateIrp(1, FALSE);
    IoFreeIrp(irp);
    try {
        wskemu::catch_bug_check([&] { IoFreeIrp(irp); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), static_cast<std::uint32_t>(BAD_POOL_CALLER));
        EXPECT_EQ(e.parameters()[0], 0x7u);
        EXPECT_NE(std::string(e.what()).find("already freed"), std::string::npos) << e.what();
    }
}

TEST_F(IrpTest, IoFreeIrpOfPoolMemoryIsABugCheck) {
    PVOID block = ExAllocatePool2(POOL_FLAG_NON_PAGED, IoSizeOfIrp(1), 'tseT');
    EXPECT_THROW(wskemu::catch_bug_check([&] { IoFreeIrp(static_cast<PIRP>(block)); }), wskemu::bug_check_error);
    ExFreePoolWithTag(block, 'tseT');
}

TEST(IrpDeathTest, AnUncaughtBugCheckAbortsWithTheStopCode) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            PIRP irp = IoAllocateIrp(1, FALSE);
            IoFreeIrp(irp);
            IoFreeIrp(irp);
        },
        "STOP 0x000000C2 .*BAD_POOL_CALLER: IoFreeIrp: IRP at .* was already freed");
}

}  // namespace
