// Tests of IofCompleteRequest's stack walk and IofCallDriver (src/kernel/io_completion.cpp).
#include <gtest/gtest.h>

#include <wdm.h>

#include <wskemu/bug_check.hpp>

#include <tuple>
#include <vector>

#include "support/kernel_fixture.hpp"

namespace {

using IoCompleteRequestTest = wskemu::test::kernel_test;

struct call_record {
    int location;
    PDEVICE_OBJECT device;
    BOOLEAN pending_returned;
    CHAR current_location;
};

struct routine_context {
    int location;
    std::vector<call_record>* calls;
    NTSTATUS result;
};

NTSTATUS NTAPI record_completion(PDEVICE_OBJECT device, PIRP irp, PVOID context) {
    auto* ctx = static_cast<routine_context*>(context);
    ctx->calls->push_back({ctx->location, device, irp->PendingReturned, irp->CurrentLocation});
    return ctx->result;
}

// Stand-ins for device objects; IofCompleteRequest only passes them along.
DEVICE_OBJECT devices[3];

// Sends an IRP down three driver levels the way drivers do: each level sets a
// completion routine in the next location, then moves to it. Location 2 is the
// top (the IRP's issuer), location 0 the bottom (the completing driver).
void send_down(PIRP irp, routine_context (&contexts)[3], UCHAR invoke) {
    for (int level = 2; level >= 0; --level) {
        IoSetCompletionRoutine(irp, record_completion, &contexts[level], (invoke & SL_INVOKE_ON_SUCCESS) != 0,
                               (invoke & SL_INVOKE_ON_ERROR) != 0, (invoke & SL_INVOKE_ON_CANCEL) != 0);
        IoSetNextIrpStackLocation(irp);
        IoGetCurrentIrpStackLocation(irp)->DeviceObject = &devices[level];
    }
}

TEST_F(IoCompleteRequestTest, WalksUpwardPassingTheDeviceObjectOfTheLevelAbove) {
    std::vector<call_record> calls;
    routine_context contexts[3] = {{0, &calls, STATUS_SUCCESS}, {1, &calls, STATUS_SUCCESS},
                                   {2, &calls, STATUS_MORE_PROCESSING_REQUIRED}};
    PIRP irp = IoAllocateIrp(3, FALSE);
    send_down(irp, contexts, SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_ERROR | SL_INVOKE_ON_CANCEL);
    irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    ASSERT_EQ(calls.size(), 3u);
    // The routine the level-0 driver's caller set runs first, with the device
    // object of location 1, which is where the IRP stands when it runs.
    EXPECT_EQ(calls[0].location, 0);
    EXPECT_EQ(calls[0].device, &devices[1]);
    EXPECT_EQ(calls[0].current_location, 2);
    EXPECT_EQ(calls[1].location, 1);
    EXPECT_EQ(calls[1].device, &devices[2]);
    EXPECT_EQ(calls[2].location, 2);
    EXPECT_EQ(calls[2].device, nullptr) << "the top-level routine gets a NULL device object";
    EXPECT_EQ(calls[2].current_location, 4);
    IoFreeIrp(irp);
}

TEST_F(IoCompleteRequestTest, MoreProcessingRequiredStopsTheWalk) {
    std::vector<call_record> calls;
    routine_context contexts[3] = {{0, &calls, STATUS_SUCCESS}, {1, &calls, STATUS_MORE_PROCESSING_REQUIRED},
                                   {2, &calls, STATUS_MORE_PROCESSING_REQUIRED}};
    PIRP irp = IoAllocateIrp(3, FALSE);
    send_down(irp, contexts, SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_ERROR | SL_INVOKE_ON_CANCEL);
    irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[1].location, 1);
    // The level-1 routine owns the IRP: it completes it again, and the walk
    // resumes where it stopped.
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    ASSERT_EQ(calls.size(), 3u);
    EXPECT_EQ(calls[2].location, 2);
    IoFreeIrp(irp);
}

// Each SL_INVOKE_* combination, against a success, an error and a cancel.
enum class outcome { success, error, cancel };
class InvokeFlagsTest : public wskemu::test::kernel_test,
                        public ::testing::WithParamInterface<std::tuple<UCHAR, outcome>> {};

TEST_P(InvokeFlagsTest, RoutineRunsExactlyWhenItsFlagMatches) {
    const auto [invoke, result] = GetParam();
    std::vector<call_record> calls;
    routine_context contexts[3] = {{0, &calls, STATUS_SUCCESS}, {1, &calls, STATUS_SUCCESS},
                                   {2, &calls, STATUS_SUCCESS}};
    PIRP irp = IoAllocateIrp(3, FALSE);
    send_down(irp, contexts, invoke);
    IO_STATUS_BLOCK iosb{};
    iosb.Status = static_cast<NTSTATUS>(0xDEADBEEF);
    irp->UserIosb = &iosb;
    switch (result) {
    case outcome::success: irp->IoStatus.Status = STATUS_SUCCESS; break;
    case outcome::error: irp->IoStatus.Status = STATUS_CONNECTION_RESET; break;
    case outcome::cancel:
        irp->Cancel = TRUE;
        irp->IoStatus.Status = STATUS_CANCELLED;
        break;
    }
    irp->IoStatus.Information = 42;
    IoCompleteRequest(irp, IO_NO_INCREMENT);  // no routine stops it: the IRP is released
    const bool expected = (result == outcome::success && (invoke & SL_INVOKE_ON_SUCCESS)) ||
                          (result != outcome::success && (invoke & SL_INVOKE_ON_ERROR)) ||
                          (result == outcome::cancel && (invoke & SL_INVOKE_ON_CANCEL));
    EXPECT_EQ(calls.size(), expected ? 3u : 0u);
    EXPECT_EQ(iosb.Status, result == outcome::success ? STATUS_SUCCESS
                           : result == outcome::error ? STATUS_CONNECTION_RESET
                                                      : STATUS_CANCELLED);
    EXPECT_EQ(iosb.Information, 42u);
}

INSTANTIATE_TEST_SUITE_P(AllCombinations, InvokeFlagsTest,
                         ::testing::Combine(::testing::Values<UCHAR>(0, SL_INVOKE_ON_SUCCESS, SL_INVOKE_ON_ERROR,
                                                                     SL_INVOKE_ON_CANCEL,
                                                                     SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_ERROR,
                                                                     SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_CANCEL,
                                                                     SL_INVOKE_ON_ERROR | SL_INVOKE_ON_CANCEL,
                                                                     SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_ERROR |
                                                                         SL_INVOKE_ON_CANCEL),
                                            ::testing::Values(outcome::success, outcome::error, outcome::cancel)));

TEST_F(IoCompleteRequestTest, PendingReturnedIsPropagatedPastLocationsWithoutARoutine) {
    std::vector<call_record> calls;
    routine_context top = {2, &calls, STATUS_MORE_PROCESSING_REQUIRED};
    PIRP irp = IoAllocateIrp(3, FALSE);
    IoSetCompletionRoutine(irp, record_completion, &top, TRUE, TRUE, TRUE);
    IoSetNextIrpStackLocation(irp);  // location 2: the top driver, no routine below it
    IoSetNextIrpStackLocation(irp);  // location 1
    IoSetNextIrpStackLocation(irp);  // location 0: the completing driver pends
    IoMarkIrpPending(irp);
    irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_TRUE(calls[0].pending_returned) << "the pending state must reach the routine at the top";
    IoFreeIrp(irp);
}

TEST_F(IoCompleteRequestTest, ReleasesTheIrpAndItsMdlsAndSignalsTheUserEvent) {
    char buffer[100];
    PIRP irp = IoAllocateIrp(1, FALSE);
    PMDL first = IoAllocateMdl(buffer, 50, FALSE, FALSE, irp);
    PMDL second = IoAllocateMdl(buffer + 50, 50, TRUE, FALSE, irp);
    ASSERT_EQ(irp->MdlAddress, first);
    ASSERT_EQ(first->Next, second);
    MmProbeAndLockPages(second, KernelMode, IoReadAccess);
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    irp->UserEvent = &event;
    IoSetNextIrpStackLocation(irp);
    irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    EXPECT_EQ(KeReadStateEvent(&event), 1);
    // The fixture's TearDown fails the test if the IRP or an MDL is still alive.
}

TEST_F(IoCompleteRequestTest, CompletingTwiceIsMultipleIrpCompleteRequests) {
    std::vector<call_record> calls;
    routine_context context = {0, &calls, STATUS_MORE_PROCESSING_REQUIRED};
    PIRP irp = IoAllocateIrp(1, FALSE);
    IoSetCompletionRoutine(irp, record_completion, &context, TRUE, TRUE, TRUE);
    IoSetNextIrpStackLocation(irp);
    irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    try {
        wskemu::catch_bug_check([&] { IoCompleteRequest(irp, IO_NO_INCREMENT); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), static_cast<std::uint32_t>(MULTIPLE_IRP_COMPLETE_REQUESTS));
        EXPECT_EQ(e.parameters()[0], reinterpret_cast<std::uintptr_t>(irp));
    }
    EXPECT_EQ(calls.size(), 1u);
    IoFreeIrp(irp);
}

TEST_F(IoCompleteRequestTest, CompletingWithStatusPendingIsABugCheck) {
    PIRP irp = IoAllocateIrp(1, FALSE);
    IoSetNextIrpStackLocation(irp);
    irp->IoStatus.Status = STATUS_PENDING;
    EXPECT_THROW(wskemu::catch_bug_check([&] { IoCompleteRequest(irp, IO_NO_INCREMENT); }), wskemu::bug_check_error);
    IoFreeIrp(irp);
}

TEST_F(IoCompleteRequestTest, CompletingWithACancelRoutineSetIsABugCheck) {
    PIRP irp = IoAllocateIrp(1, FALSE);
    IoSetNextIrpStackLocation(irp);
    IoSetCancelRoutine(irp, [](PDEVICE_OBJECT, PIRP) {});
    irp->IoStatus.Status = STATUS_SUCCESS;
    try {
        wskemu::catch_bug_check([&] { IoCompleteRequest(irp, IO_NO_INCREMENT); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), static_cast<std::uint32_t>(CANCEL_STATE_IN_COMPLETED_IRP));
    }
    IoSetCancelRoutine(irp, nullptr);
    IoFreeIrp(irp);
}

NTSTATUS NTAPI raise_and_forget(PDEVICE_OBJECT, PIRP, PVOID) {
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

TEST_F(IoCompleteRequestTest, ARoutineThatLeavesTheIrqlRaisedIsReported) {
    PIRP irp = IoAllocateIrp(1, FALSE);
    IoSetCompletionRoutine(irp, raise_and_forget, nullptr, TRUE, TRUE, TRUE);
    IoSetNextIrpStackLocation(irp);
    irp->IoStatus.Status = STATUS_SUCCESS;
    EXPECT_THROW(wskemu::catch_bug_check([&] { IoCompleteRequest(irp, IO_NO_INCREMENT); }), wskemu::bug_check_error);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    IoFreeIrp(irp);
}

// IofCallDriver: the next location becomes current and the driver's dispatch
// routine for its major function is called with it.
PIO_STACK_LOCATION seen_location;
NTSTATUS NTAPI device_control(PDEVICE_OBJECT device, PIRP irp) {
    seen_location = IoGetCurrentIrpStackLocation(irp);
    EXPECT_EQ(seen_location->DeviceObject, device);
    irp->IoStatus.Status = STATUS_SUCCESS;
    irp->IoStatus.Information = 5;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

TEST_F(IoCompleteRequestTest, IofCallDriverDispatchesOnTheMajorFunction) {
    DRIVER_OBJECT driver{};
    driver.MajorFunction[IRP_MJ_DEVICE_CONTROL] = device_control;
    DEVICE_OBJECT device{};
    device.DriverObject = &driver;
    std::vector<call_record> calls;
    routine_context context = {0, &calls, STATUS_MORE_PROCESSING_REQUIRED};
    PIRP irp = IoAllocateIrp(1, FALSE);
    IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_DEVICE_CONTROL;
    IoSetCompletionRoutine(irp, record_completion, &context, TRUE, TRUE, TRUE);
    EXPECT_EQ(IoCallDriver(&device, irp), STATUS_SUCCESS);
    EXPECT_EQ(seen_location, reinterpret_cast<PIO_STACK_LOCATION>(irp + 1));
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].device, nullptr);
    EXPECT_EQ(irp->IoStatus.Information, 5u);
    IoFreeIrp(irp);
}

}  // namespace
