// wskemu: semaphore objects.
#include <wdm.h>

#include "ke_dispatcher.hpp"
#include "log.hpp"

using wskemu::kernel::dispatcher_lock;

/* KeInitializeSemaphore (ntoskrnl) */
extern "C" VOID NTAPI KeInitializeSemaphore(PRKSEMAPHORE Semaphore, LONG Count, LONG Limit) {
    wskemu::kernel::initialize_dispatcher_header(&Semaphore->Header, SemaphoreObject, sizeof(KSEMAPHORE), Count);
    Semaphore->Limit = Limit;
}

/* KeReleaseSemaphore (ntoskrnl): going past Limit raises
 * STATUS_SEMAPHORE_LIMIT_EXCEEDED and leaves the count unchanged. */
extern "C" LONG NTAPI KeReleaseSemaphore(PRKSEMAPHORE Semaphore, KPRIORITY Increment, LONG Adjustment,
                                         BOOLEAN Wait) {
    (void)Increment;
    (void)Wait;
    LONG previous = 0;
    bool exceeded = false;
    {
        std::lock_guard lock(dispatcher_lock());
        previous = Semaphore->Header.SignalState;
        const LONGLONG next = static_cast<LONGLONG>(previous) + Adjustment;
        if (Adjustment <= 0 || next > Semaphore->Limit) {
            exceeded = true;
        } else {
            Semaphore->Header.SignalState = static_cast<LONG>(next);
            wskemu::kernel::wake_waiters_locked(&Semaphore->Header);
        }
    }
    if (exceeded) {
        // Raised with no lock held: the raise may longjmp into a C __try.
        wskemu::kernel::log().warn("KeReleaseSemaphore({}, adjustment {}): count {} would pass the limit {}",
                                   static_cast<void*>(Semaphore), Adjustment, previous, Semaphore->Limit);
        ExRaiseStatus(STATUS_SEMAPHORE_LIMIT_EXCEEDED);
    }
    return previous;
}

/* KeReadStateSemaphore (ntoskrnl) */
extern "C" LONG NTAPI KeReadStateSemaphore(PRKSEMAPHORE Semaphore) {
    std::lock_guard lock(dispatcher_lock());
    return Semaphore->Header.SignalState;
}
