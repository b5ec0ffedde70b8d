// wskemu: mutex objects (KMUTEX). The owner may acquire again; each
// acquisition needs one KeReleaseMutex. SignalState is 1 when free and
// 1 - recursion depth while owned.
#include <wdm.h>

#include "ke_dispatcher.hpp"
#include "log.hpp"
#include "ps_thread.hpp"

using wskemu::kernel::dispatcher_lock;

/* KeInitializeMutex (ntoskrnl): Level is ignored. */
extern "C" VOID NTAPI KeInitializeMutex(PRKMUTEX Mutex, ULONG Level) {
    (void)Level;
    wskemu::kernel::initialize_dispatcher_header(&Mutex->Header, MutantObject, sizeof(KMUTEX), 1);
    InitializeListHead(&Mutex->MutantListEntry);
    Mutex->OwnerThread = nullptr;
    Mutex->Abandoned = FALSE;
    Mutex->ApcDisable = 1;
}

/* KeReleaseMutex (ntoskrnl): a release by a thread that does not own the
 * mutex raises STATUS_MUTANT_NOT_OWNED, as Windows does. */
extern "C" LONG NTAPI KeReleaseMutex(PRKMUTEX Mutex, BOOLEAN Wait) {
    (void)Wait;
    _KTHREAD* const self = &wskemu::kernel::current_thread()->Tcb;
    LONG previous = 0;
    bool owned = true;
    {
        std::lock_guard lock(dispatcher_lock());
        previous = Mutex->Header.SignalState;
        if (Mutex->OwnerThread != self || previous > 0) {
            owned = false;
        } else if (++Mutex->Header.SignalState == 1) {
            Mutex->OwnerThread = nullptr;
            wskemu::kernel::wake_waiters_locked(&Mutex->Header);
        }
    }
    if (!owned) {
        wskemu::kernel::log().warn("KeReleaseMutex({}): the calling thread does not own the mutex",
                                   static_cast<void*>(Mutex));
        ExRaiseStatus(STATUS_MUTANT_NOT_OWNED);
    }
    return previous;
}

/* KeReadStateMutex (ntoskrnl) */
extern "C" LONG NTAPI KeReadStateMutex(PRKMUTEX Mutex) {
    std::lock_guard lock(dispatcher_lock());
    return Mutex->Header.SignalState;
}
