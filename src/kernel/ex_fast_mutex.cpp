// wskemu: fast mutexes and guarded mutexes (the same structure). Count is a
// benaphore: 1 when free, 0 when owned, -n with n threads waiting on the
// synchronisation event. Owner holds the owning KTHREAD, so recursion (a hang
// on Windows) and releases by another thread are reported.
#include <wdm.h>

#include "bug_check.hpp"
#include "irql.hpp"
#include "ps_thread.hpp"

#include <fmt/format.h>

#include <atomic>

namespace wskemu::kernel {

namespace {

enum class irql_rule { raise_to_apc, keep };

void* self() noexcept { return &current_thread()->Tcb; }

std::atomic_ref<PVOID> owner_of(PFAST_MUTEX mutex) noexcept { return std::atomic_ref<PVOID>(mutex->Owner); }

void check_not_owner(PFAST_MUTEX mutex, const char* function) {
    if (owner_of(mutex).load(std::memory_order_relaxed) == self()) {
        raise_bug_check(DRIVER_VERIFIER_DETECTED_VIOLATION, 0, reinterpret_cast<ULONG_PTR>(mutex), 0, 0,
                        fmt::format("{}({}): the calling thread already owns this mutex (Windows would hang)",
                                    function, static_cast<void*>(mutex)));
    }
}

KIRQL enter(irql_rule rule, const char* function) {
    const KIRQL old = current_irql();
    if (rule == irql_rule::keep) {
        return old;
    }
    if (old > APC_LEVEL) {
        raise_bug_check(IRQL_NOT_LESS_OR_EQUAL, 0, old, 0, 0,
                        fmt::format("{} at IRQL {}: it must be called at IRQL <= APC_LEVEL", function, old));
    }
    set_current_irql(APC_LEVEL);
    return old;
}

void acquire(PFAST_MUTEX mutex, irql_rule rule, const char* function) {
    check_not_owner(mutex, function);
    const KIRQL old = enter(rule, function);
    if (InterlockedDecrement(&mutex->Count) != 0) {
        InterlockedIncrement(reinterpret_cast<LONG volatile*>(&mutex->Contention));
        KeWaitForSingleObject(&mutex->Event, WrExecutive, KernelMode, FALSE, nullptr);
    }
    owner_of(mutex).store(self(), std::memory_order_relaxed);
    mutex->OldIrql = old;
}

bool try_acquire(PFAST_MUTEX mutex, irql_rule rule, const char* function) {
    const KIRQL old = enter(rule, function);
    if (InterlockedCompareExchange(&mutex->Count, 0, 1) != 1) {
        set_current_irql(old);
        return false;
    }
    owner_of(mutex).store(self(), std::memory_order_relaxed);
    mutex->OldIrql = old;
    return true;
}

void release(PFAST_MUTEX mutex, irql_rule rule, const char* function) {
    if (owner_of(mutex).load(std::memory_order_relaxed) != self()) {
        raise_bug_check(DRIVER_VERIFIER_DETECTED_VIOLATION, 0, reinterpret_cast<ULONG_PTR>(mutex), 0, 0,
                        fmt::format("{}({}): the calling thread does not own this mutex", function,
                                    static_cast<void*>(mutex)));
    }
    // Read before the release: the next owner overwrites it.
    const auto old = static_cast<KIRQL>(mutex->OldIrql);
    owner_of(mutex).store(nullptr, std::memory_order_relaxed);
    if (InterlockedIncrement(&mutex->Count) != 1) {
        KeSetEvent(&mutex->Event, IO_NO_INCREMENT, FALSE);
    }
    if (rule == irql_rule::raise_to_apc) {
        set_current_irql(old);
    }
}

}  // namespace

}  // namespace wskemu::kernel

using wskemu::kernel::irql_rule;

/* ExInitializeFastMutex (ntoskrnl; a WDK inline) */
extern "C" VOID NTAPI ExInitializeFastMutex(PFAST_MUTEX FastMutex) {
    FastMutex->Count = FM_LOCK_BIT;
    FastMutex->Owner = nullptr;
    FastMutex->Contention = 0;
    FastMutex->OldIrql = PASSIVE_LEVEL;
    KeInitializeEvent(&FastMutex->Event, SynchronizationEvent, FALSE);
}

/* ExAcquireFastMutex (ntoskrnl): raises to APC_LEVEL. */
extern "C" VOID FASTCALL ExAcquireFastMutex(PFAST_MUTEX FastMutex) {
    wskemu::kernel::acquire(FastMutex, irql_rule::raise_to_apc, "ExAcquireFastMutex");
}

/* ExReleaseFastMutex (ntoskrnl): restores the IRQL saved by the acquire. */
extern "C" VOID FASTCALL ExReleaseFastMutex(PFAST_MUTEX FastMutex) {
    wskemu::kernel::release(FastMutex, irql_rule::raise_to_apc, "ExReleaseFastMutex");
}

/* ExTryToAcquireFastMutex (ntoskrnl) */
extern "C" BOOLEAN FASTCALL ExTryToAcquireFastMutex(PFAST_MUTEX FastMutex) {
    return wskemu::kernel::try_acquire(FastMutex, irql_rule::raise_to_apc, "ExTryToAcquireFastMutex") ? TRUE
                                                                                                       : FALSE;
}

/* ExAcquireFastMutexUnsafe (ntoskrnl): the caller has raised the IRQL itself. */
extern "C" VOID FASTCALL ExAcquireFastMutexUnsafe(PFAST_MUTEX FastMutex) {
    wskemu::kernel::acquire(FastMutex, irql_rule::keep, "ExAcquireFastMutexUnsafe");
}

/* ExReleaseFastMutexUnsafe (ntoskrnl) */
extern "C" VOID FASTCALL ExReleaseFastMutexUnsafe(PFAST_MUTEX FastMutex) {
    wskemu::kernel::release(FastMutex, irql_rule::keep, "ExReleaseFastMutexUnsafe");
}

/* KeInitializeGuardedMutex (ntoskrnl) */
extern "C" VOID FASTCALL KeInitializeGuardedMutex(PKGUARDED_MUTEX Mutex) { ExInitializeFastMutex(Mutex); }

/* KeAcquireGuardedMutex (ntoskrnl): enters a guarded region, which has no
 * IRQL of its own, so the IRQL stays where it was. */
extern "C" VOID FASTCALL KeAcquireGuardedMutex(PKGUARDED_MUTEX Mutex) {
    wskemu::kernel::acquire(Mutex, irql_rule::keep, "KeAcquireGuardedMutex");
}

/* KeReleaseGuardedMutex (ntoskrnl) */
extern "C" VOID FASTCALL KeReleaseGuardedMutex(PKGUARDED_MUTEX Mutex) {
    wskemu::kernel::release(Mutex, irql_rule::keep, "KeReleaseGuardedMutex");
}

/* KeTryToAcquireGuardedMutex (ntoskrnl) */
extern "C" BOOLEAN FASTCALL KeTryToAcquireGuardedMutex(PKGUARDED_MUTEX Mutex) {
    return wskemu::kernel::try_acquire(Mutex, irql_rule::keep, "KeTryToAcquireGuardedMutex") ? TRUE : FALSE;
}

/* KeAcquireGuardedMutexUnsafe (ntoskrnl) */
extern "C" VOID FASTCALL KeAcquireGuardedMutexUnsafe(PKGUARDED_MUTEX FastMutex) {
    wskemu::kernel::acquire(FastMutex, irql_rule::keep, "KeAcquireGuardedMutexUnsafe");
}

/* KeReleaseGuardedMutexUnsafe (ntoskrnl) */
extern "C" VOID FASTCALL KeReleaseGuardedMutexUnsafe(PKGUARDED_MUTEX FastMutex) {
    wskemu::kernel::release(FastMutex, irql_rule::keep, "KeReleaseGuardedMutexUnsafe");
}
