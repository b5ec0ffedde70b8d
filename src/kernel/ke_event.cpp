// wskemu: event objects. Notification events wake every waiter and stay
// signalled; synchronisation events wake exactly one waiter and reset.
#include <wdm.h>

#include "ke_dispatcher.hpp"

using wskemu::kernel::dispatcher_lock;
using wskemu::kernel::wake_waiters_locked;

/* KeInitializeEvent (ntoskrnl) */
extern "C" VOID NTAPI KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State) {
    const UCHAR type = Type == SynchronizationEvent ? EventSynchronizationObject : EventNotificationObject;
    wskemu::kernel::initialize_dispatcher_header(&Event->Header, type, sizeof(KEVENT), State ? 1 : 0);
}

/* KeSetEvent (ntoskrnl): Wait is ignored; nothing needs the lock held across
 * the caller's following wait here. */
extern "C" LONG NTAPI KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait) {
    (void)Increment;
    (void)Wait;
    std::lock_guard lock(dispatcher_lock());
    const LONG previous = Event->Header.SignalState;
    Event->Header.SignalState = 1;
    if (previous == 0) {
        wake_waiters_locked(&Event->Header);
    }
    return previous;
}

/* KeResetEvent (ntoskrnl) */
extern "C" LONG NTAPI KeResetEvent(PRKEVENT Event) {
    std::lock_guard lock(dispatcher_lock());
    const LONG previous = Event->Header.SignalState;
    Event->Header.SignalState = 0;
    return previous;
}

/* KeClearEvent (ntoskrnl) */
extern "C" VOID NTAPI KeClearEvent(PRKEVENT Event) {
    std::lock_guard lock(dispatcher_lock());
    Event->Header.SignalState = 0;
}

/* KeReadStateEvent (ntoskrnl) */
extern "C" LONG NTAPI KeReadStateEvent(PRKEVENT Event) {
    std::lock_guard lock(dispatcher_lock());
    return Event->Header.SignalState;
}

/* KePulseEvent (ntoskrnl): wakes what a set would wake, then leaves the event
 * not signalled. */
extern "C" LONG NTAPI KePulseEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait) {
    (void)Increment;
    (void)Wait;
    std::lock_guard lock(dispatcher_lock());
    const LONG previous = Event->Header.SignalState;
    if (previous == 0) {
        Event->Header.SignalState = 1;
        wake_waiters_locked(&Event->Header);
    }
    Event->Header.SignalState = 0;
    return previous;
}
