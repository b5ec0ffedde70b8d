// wskemu: IRP cancellation and the cancel spin lock.
#include <wdm.h>

#include "bug_check.hpp"
#include "caller_address.hpp"
#include "irql.hpp"
#include "verifier.hpp"
#include "verifier_irp.hpp"

#include <fmt/format.h>

#include <atomic>
#include <thread>

using namespace wskemu::kernel;

namespace {

// The system-wide cancel spin lock. A flag plus an owner marker, so that a
// release by a thread that does not hold it is reported, not ignored.
std::atomic<bool> cancel_lock_held{false};
std::atomic<std::thread::id> cancel_lock_owner{};

void acquire_cancel_lock() {
    const auto self = std::this_thread::get_id();
    if (cancel_lock_held.load(std::memory_order_relaxed) &&
        cancel_lock_owner.load(std::memory_order_relaxed) == self) {
        verifier::report_details details;
        details.has_parameters = true;
        verifier::report_fatal(verifier::rule::spinlock_already_owned, "IoAcquireCancelSpinLock", nullptr,
                               "IoAcquireCancelSpinLock: this thread already holds the cancel spin lock (it would "
                               "deadlock on Windows)",
                               details);
    }
    unsigned spins = 0;
    while (cancel_lock_held.exchange(true, std::memory_order_acquire)) {
        while (cancel_lock_held.load(std::memory_order_relaxed)) {
            if (++spins > 64) {
                std::this_thread::yield();  // the holder may be preempted
            }
        }
    }
    cancel_lock_owner.store(self, std::memory_order_relaxed);
}

void release_cancel_lock(const char* function) {
    if (!cancel_lock_held.load(std::memory_order_relaxed) ||
        cancel_lock_owner.load(std::memory_order_relaxed) != std::this_thread::get_id()) {
        verifier::report_details details;
        details.has_parameters = true;
        verifier::report_fatal(verifier::rule::spinlock_not_owner, function, nullptr,
                               fmt::format("{}: the cancel spin lock is not held by this thread", function), details);
    }
    cancel_lock_owner.store(std::thread::id{}, std::memory_order_relaxed);
    cancel_lock_held.store(false, std::memory_order_release);
}

}  // namespace

/* IoAcquireCancelSpinLock (ntoskrnl) */
extern "C" VOID NTAPI IoAcquireCancelSpinLock(PKIRQL Irql) {
    const KIRQL old = current_irql();
    verifier::check_irql("IoAcquireCancelSpinLock", DISPATCH_LEVEL, WSKEMU_CALLER());
    acquire_cancel_lock();
    set_current_irql(DISPATCH_LEVEL);
    *Irql = old;
}

/* IoReleaseCancelSpinLock (ntoskrnl) */
extern "C" VOID NTAPI IoReleaseCancelSpinLock(KIRQL Irql) {
    release_cancel_lock("IoReleaseCancelSpinLock");
    set_current_irql(Irql);
}

/* IoSetCancelRoutine (ntoskrnl, an inline in the WDK) */
extern "C" PDRIVER_CANCEL NTAPI wskemu_IoSetCancelRoutine(PIRP Irp, PDRIVER_CANCEL CancelRoutine) {
    std::atomic_ref<PDRIVER_CANCEL> routine(const_cast<PDRIVER_CANCEL&>(Irp->CancelRoutine));
    return routine.exchange(CancelRoutine, std::memory_order_acq_rel);
}

/* IoCancelIrp (ntoskrnl) */
extern "C" BOOLEAN NTAPI IoCancelIrp(PIRP Irp) {
    verifier::check_irql("IoCancelIrp", DISPATCH_LEVEL, WSKEMU_CALLER());
    verifier::check_not_freed(Irp, "IoCancelIrp");
    KIRQL irql;
    IoAcquireCancelSpinLock(&irql);
    std::atomic_ref<BOOLEAN>(Irp->Cancel).store(TRUE, std::memory_order_release);
    PDRIVER_CANCEL routine = wskemu_IoSetCancelRoutine(Irp, nullptr);
    if (routine == nullptr) {
        IoReleaseCancelSpinLock(irql);
        return FALSE;
    }
    if (Irp->CurrentLocation > Irp->StackCount + 1) {
        IoReleaseCancelSpinLock(irql);
        raise_bug_check(CANCEL_STATE_IN_COMPLETED_IRP, reinterpret_cast<ULONG_PTR>(Irp),
                        reinterpret_cast<ULONG_PTR>(routine), 0, 0,
                        fmt::format("IoCancelIrp: IRP {} has a cancel routine but no stack location in use",
                                    static_cast<void*>(Irp)));
    }
    Irp->CancelIrql = irql;
    // The routine releases the cancel spin lock with Irp->CancelIrql.
    PDEVICE_OBJECT device =
        Irp->CurrentLocation <= Irp->StackCount ? IoGetCurrentIrpStackLocation(Irp)->DeviceObject : nullptr;
    routine(device, Irp);
    return TRUE;
}
