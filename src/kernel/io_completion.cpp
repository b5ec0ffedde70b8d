// wskemu: IRP completion (the stack walk of IofCompleteRequest) and
// IofCallDriver.
#include <wdm.h>

#include "bug_check.hpp"
#include "caller_address.hpp"
#include "common/cold.hpp"
#include "io_driver.hpp"
#include "io_request.hpp"
#include "irql.hpp"
#include "verifier.hpp"
#include "verifier_irp.hpp"

#include <fmt/format.h>

#include <atomic>

using namespace wskemu::kernel;

namespace {

bool should_invoke(PIRP irp, UCHAR control) {
    const bool success = NT_SUCCESS(irp->IoStatus.Status);
    // Cancel may be set by IoCancelIrp on another thread at any time.
    const bool cancelled = std::atomic_ref<BOOLEAN>(irp->Cancel).load(std::memory_order_acquire) != FALSE;
    return (success && (control & SL_INVOKE_ON_SUCCESS)) || (!success && (control & SL_INVOKE_ON_ERROR)) ||
           (cancelled && (control & SL_INVOKE_ON_CANCEL));
}

WSKEMU_COLD void report_completed_twice(PIRP irp) {
    auto details = verifier::with_parameters(reinterpret_cast<ULONG_PTR>(irp));
    verifier::report(verifier::rule::irp_completed_twice, "IoCompleteRequest", irp,
                     fmt::format("IoCompleteRequest: IRP {} has no stack location in use (CurrentLocation {}, "
                                 "StackCount {}): it was completed twice, or completed without being sent",
                                 static_cast<void*>(irp), static_cast<int>(irp->CurrentLocation),
                                 static_cast<int>(irp->StackCount)),
                     details);
}

WSKEMU_COLD void report_completed_pending(PIRP irp) {
    auto details = verifier::with_parameters(0x06, static_cast<ULONG_PTR>(static_cast<ULONG>(STATUS_PENDING)),
                                             reinterpret_cast<ULONG_PTR>(irp));
    verifier::report(verifier::rule::irp_completed_pending, "IoCompleteRequest", irp,
                     fmt::format("IoCompleteRequest: IRP {} completed with STATUS_PENDING", static_cast<void*>(irp)),
                     details);
}

WSKEMU_COLD void report_completed_with_cancel_routine(PIRP irp, PDRIVER_CANCEL cancel_routine) {
    auto details =
        verifier::with_parameters(reinterpret_cast<ULONG_PTR>(irp), reinterpret_cast<ULONG_PTR>(cancel_routine));
    verifier::report(verifier::rule::irp_cancel_routine_at_completion, "IoCompleteRequest", irp,
                     fmt::format("IoCompleteRequest: IRP {} still has cancel routine {} set", static_cast<void*>(irp),
                                 reinterpret_cast<void*>(cancel_routine)),
                     details);
}

// What the I/O manager does once no completion routine stopped completion:
// hand a synchronous request back to its issuer, or else release the buffers
// and the IRP, then report the status to whoever waits for it.
void finish_irp(PIRP irp) {
    if (hand_irp_to_issuer(irp)) {
        return;
    }
    const auto overrun = release_irp_buffers(irp);
    const IO_STATUS_BLOCK status = irp->IoStatus;
    PIO_STATUS_BLOCK user_iosb = irp->UserIosb;
    PKEVENT user_event = irp->UserEvent;
    // Freed before the waiter wakes, so that it finds nothing left behind.
    IoFreeIrp(irp);
    if (user_iosb != nullptr) {
        *user_iosb = status;
    }
    if (user_event != nullptr) {
        KeSetEvent(user_event, IO_NO_INCREMENT, FALSE);
    }
    report_overrun(overrun);
}

}  // namespace

/* IofCompleteRequest (ntoskrnl) */
extern "C" VOID FASTCALL IofCompleteRequest(PIRP Irp, CCHAR PriorityBoost) {
    (void)PriorityBoost;
    verifier::check_irql("IoCompleteRequest", DISPATCH_LEVEL, WSKEMU_CALLER());
    verifier::check_not_freed(Irp, "IoCompleteRequest");
    if (Irp->CurrentLocation > Irp->StackCount) [[unlikely]] {
        // No location is in use: the IRP was completed already, or never sent.
        report_completed_twice(Irp);
        return;  // the rule is switched off: nothing to complete
    }
    if (Irp->IoStatus.Status == STATUS_PENDING) [[unlikely]] {
        report_completed_pending(Irp);
    }
    // Another thread may be exchanging the routine (IoSetCancelRoutine) right now.
    const PDRIVER_CANCEL cancel_routine =
        std::atomic_ref<PDRIVER_CANCEL>(const_cast<PDRIVER_CANCEL&>(Irp->CancelRoutine)).load(std::memory_order_acquire);
    if (cancel_routine != nullptr) [[unlikely]] {
        report_completed_with_cancel_routine(Irp, cancel_routine);
    }

    // Walk up from the current location; each routine belongs to the driver
    // one location above and is passed that driver's device object.
    bool routine_ran = false;
    NTSTATUS routine_status = STATUS_SUCCESS;
    while (Irp->CurrentLocation <= Irp->StackCount) {
        PIO_STACK_LOCATION location = Irp->Tail.Overlay.CurrentStackLocation;
        Irp->CurrentLocation++;
        Irp->Tail.Overlay.CurrentStackLocation++;
        Irp->PendingReturned = (location->Control & SL_PENDING_RETURNED) != 0;

        PIO_COMPLETION_ROUTINE routine = location->CompletionRoutine;
        PVOID context = location->Context;
        const bool invoke = routine != nullptr && should_invoke(Irp, location->Control);
        location->MinorFunction = 0;
        location->Flags = 0;
        location->Control = 0;
        location->CompletionRoutine = nullptr;
        location->Context = nullptr;

        routine_ran = invoke;
        if (invoke) {
            PDEVICE_OBJECT device = Irp->CurrentLocation > Irp->StackCount
                                        ? nullptr
                                        : Irp->Tail.Overlay.CurrentStackLocation->DeviceObject;
            NTSTATUS status;
            {
                irql_scope scope(current_irql(), "completion routine");
                status = routine(device, Irp, context);
            }
            if (status == STATUS_MORE_PROCESSING_REQUIRED) {
                return;  // the routine owns the IRP now; it may be gone
            }
            routine_status = status;
        } else if (Irp->PendingReturned && Irp->CurrentLocation <= Irp->StackCount) {
            // No routine to propagate the pending state upward: do it for it.
            IoMarkIrpPending(Irp);
        }
    }
    if (verifier::stops_at_top(Irp, routine_ran, routine_status)) {
        return;  // a driver-allocated IRP a WSK call completed stays with the driver
    }
    finish_irp(Irp);
}

/* IofCallDriver (ntoskrnl) */
extern "C" NTSTATUS FASTCALL IofCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
    const KIRQL irql = current_irql();
    if (irql > DISPATCH_LEVEL) {
        raise_bug_check(DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x10, irql, 0, 0,
                        fmt::format("IoCallDriver: called at IRQL {} (maximum DISPATCH_LEVEL)", irql));
    }
    if (Irp == nullptr || Irp->Type != IO_TYPE_IRP) {
        raise_bug_check(DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x03, reinterpret_cast<ULONG_PTR>(Irp), 0, 0,
                        fmt::format("IoCallDriver: {} is not an IRP", static_cast<void*>(Irp)));
    }
    if (DeviceObject == nullptr || DeviceObject->DriverObject == nullptr) {
        raise_bug_check(DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x04, reinterpret_cast<ULONG_PTR>(DeviceObject), 0, 0,
                        fmt::format("IoCallDriver: IRP {} sent to {}, which is not a device object of a driver",
                                    static_cast<void*>(Irp), static_cast<void*>(DeviceObject)));
    }
    IoSetNextIrpStackLocation(Irp);
    PIO_STACK_LOCATION location = IoGetCurrentIrpStackLocation(Irp);
    location->DeviceObject = DeviceObject;
    PDRIVER_DISPATCH dispatch = DeviceObject->DriverObject->MajorFunction[location->MajorFunction];
    if (dispatch == nullptr) {
        // A driver object that did not come from the I/O manager: do what its
        // default dispatch routine does.
        return invalid_device_request(DeviceObject, Irp);
    }
    const NTSTATUS status = dispatch(DeviceObject, Irp);
    if (current_irql() != irql) {
        raise_bug_check(DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x05, reinterpret_cast<ULONG_PTR>(DeviceObject), irql,
                        current_irql(),
                        fmt::format("IoCallDriver: the dispatch routine of device {} returned at IRQL {} but was "
                                    "called at IRQL {}",
                                    static_cast<void*>(DeviceObject), current_irql(), irql));
    }
    return status;
}

/* IoSetCompletionRoutineEx (ntoskrnl): the routine is never unloaded from
 * under the driver here, so this is IoSetCompletionRoutine. */
extern "C" NTSTATUS NTAPI IoSetCompletionRoutineEx(PDEVICE_OBJECT DeviceObject, PIRP Irp,
                                                   PIO_COMPLETION_ROUTINE CompletionRoutine, PVOID Context,
                                                   BOOLEAN InvokeOnSuccess, BOOLEAN InvokeOnError,
                                                   BOOLEAN InvokeOnCancel) {
    (void)DeviceObject;
    IoSetCompletionRoutine(Irp, CompletionRoutine, Context, InvokeOnSuccess, InvokeOnError, InvokeOnCancel);
    return STATUS_SUCCESS;
}

/* IoIsOperationSynchronous (ntoskrnl) */
extern "C" BOOLEAN NTAPI IoIsOperationSynchronous(PIRP Irp) {
    return (Irp->Flags & IRP_SYNCHRONOUS_API) != 0 ? TRUE : FALSE;
}
