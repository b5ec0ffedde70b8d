// wskemu: taking and completing driver IRPs in the WSK provider.
#include "wsk/wsk_irp.hpp"

#include "kernel/irql.hpp"
#include "kernel/log.hpp"
#include "kernel/verifier_irp.hpp"

namespace wskemu::wsk {

namespace {

thread_local unsigned completion_depth = 0;

// Counts the completions running on this thread (see in_completion()).
class completion_guard {
public:
    completion_guard() noexcept { ++completion_depth; }
    ~completion_guard() { --completion_depth; }
    completion_guard(const completion_guard&) = delete;
    completion_guard& operator=(const completion_guard&) = delete;
};

// IoCancelIrp calls this with the cancel spin lock held; the IRP cannot
// complete before the lock is released (complete_pending waits for it).
VOID NTAPI provider_cancel_routine(PDEVICE_OBJECT device, PIRP irp) {
    (void)device;
    auto* op = static_cast<pending_irp*>(IoGetCurrentIrpStackLocation(irp)->Parameters.Others.Argument1);
    op->cancel_requested();
    IoReleaseCancelSpinLock(irp->CancelIrql);
}

}  // namespace

NTSTATUS take_irp(PIRP irp, const char* function) {
    if (irp == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    if (!kernel::verifier::irp_taken(irp, function)) {
        return STATUS_INVALID_PARAMETER;
    }
    if (irp->CurrentLocation <= 1) {
        kernel::log().error("{}: IRP {} has no free stack location (allocate it with IoAllocateIrp(1, FALSE) or "
                            "more); refused with STATUS_INVALID_PARAMETER, not completed",
                            function, static_cast<void*>(irp));
        return STATUS_INVALID_PARAMETER;
    }
    IoSetNextIrpStackLocation(irp);
    IoGetCurrentIrpStackLocation(irp)->Parameters.Others.Argument1 = nullptr;
    return STATUS_SUCCESS;
}

NTSTATUS complete_irp(PIRP irp, NTSTATUS status, ULONG_PTR information) {
    irp->IoStatus.Status = status;
    irp->IoStatus.Information = information;
    kernel::verifier::completion_scope verified(irp);
    completion_guard guard;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    return status;
}

bool in_completion() noexcept { return completion_depth != 0; }

void mark_pending(PIRP irp) noexcept { IoMarkIrpPending(irp); }

bool arm_cancel(pending_irp& op) noexcept {
    PIRP irp = op.irp();
    IoGetCurrentIrpStackLocation(irp)->Parameters.Others.Argument1 = &op;
    IoSetCancelRoutine(irp, provider_cancel_routine);
    if (irp->Cancel) {
        // Cancelled before the routine was there. If we take it back, nobody
        // else will call it: the caller cancels. Otherwise IoCancelIrp took it
        // and the routine runs now.
        if (IoSetCancelRoutine(irp, nullptr) != nullptr) {
            return false;
        }
    }
    return true;
}

void complete_pending(PIRP irp, NTSTATUS status, ULONG_PTR information) {
    if (IoSetCancelRoutine(irp, nullptr) == nullptr) {
        // IoCancelIrp took the routine: it runs under the cancel spin lock,
        // so once we hold the lock it has returned and no longer needs the IRP.
        KIRQL irql;
        IoAcquireCancelSpinLock(&irql);
        IoReleaseCancelSpinLock(irql);
    }
    kernel::irql_scope scope(DISPATCH_LEVEL, "WSK completion");
    complete_irp(irp, status, information);
}

}  // namespace wskemu::wsk
