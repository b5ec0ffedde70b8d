// wskemu: spin locks. The KSPIN_LOCK word holds an owner marker (the address
// of a per-thread byte, low bit set) so that releases by the wrong thread and
// recursive acquisitions are reported instead of corrupting or hanging.
#include <wdm.h>

#include "ke_spinlock.hpp"

#include "bug_check.hpp"
#include "common/cold.hpp"
#include "common/spin_backoff.hpp"
#include "irql.hpp"
#include "verifier.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>

namespace wskemu::kernel {

namespace {

alignas(8) thread_local char owner_tag;

ULONG_PTR owner_marker() noexcept { return reinterpret_cast<ULONG_PTR>(&owner_tag) | 1; }

// The spin locks this thread took with a raise to DISPATCH_LEVEL, and the
// IRQL each raise came from (what KeReleaseSpinLock must restore). A fixed
// array without a destructor: no TLS guard on every acquire and release. A
// thread holding more than max_raised_locks at once goes unchecked for the
// ones beyond.
struct raised_lock {
    const KSPIN_LOCK* lock;
    KIRQL from;
};
constexpr std::size_t max_raised_locks = 32;
thread_local constinit std::array<raised_lock, max_raised_locks> raised_locks{};
thread_local constinit std::size_t raised_count = 0;

// The reports live out of line (common/cold.hpp): the paths that find
// nothing wrong, every call of a correct driver, then hold no formatting
// code and save few registers.

WSKEMU_COLD void report_release_irql(const char* function, PKSPIN_LOCK lock, const std::string& what) {
    auto details = verifier::with_parameters(0x20015, reinterpret_cast<ULONG_PTR>(lock), current_irql());
    verifier::report(verifier::rule::spinlock_release_irql, function, lock,
                     fmt::format("{}({}): {}", function, static_cast<void*>(lock), what), details);
}

WSKEMU_COLD void report_released_below_dispatch(PKSPIN_LOCK lock, const char* function) {
    report_release_irql(function, lock,
                        fmt::format("released at IRQL {}; a spin lock is held, and released, at DISPATCH_LEVEL",
                                    current_irql()));
}

WSKEMU_COLD void report_wrong_old_irql(PKSPIN_LOCK lock, KIRQL new_irql, KIRQL acquired_at,
                                       const char* function) {
    report_release_irql(function, lock,
                        fmt::format("released to IRQL {}, but it was acquired at IRQL {}: pass the OldIrql the "
                                    "acquire returned",
                                    new_irql, acquired_at));
}

WSKEMU_COLD void report_already_owned(PKSPIN_LOCK lock, const char* function) {
    auto details = verifier::with_parameters(reinterpret_cast<ULONG_PTR>(lock));
    verifier::report_fatal(verifier::rule::spinlock_already_owned, function, lock,
                           fmt::format("{}({}): the calling thread already holds this spin lock (Windows would "
                                       "spin forever)",
                                       function, static_cast<void*>(lock)),
                           details);
}

WSKEMU_COLD void report_not_owner(PKSPIN_LOCK lock, ULONG_PTR holder, const char* function) {
    auto details = verifier::with_parameters(reinterpret_cast<ULONG_PTR>(lock), holder);
    verifier::report_fatal(verifier::rule::spinlock_not_owner, function, lock,
                           fmt::format("{}({}): the spin lock is {} the calling thread", function,
                                       static_cast<void*>(lock),
                                       holder == 0 ? "not held, not even by" : "held by another thread than"),
                           details);
}

WSKEMU_COLD void raise_lowering_bug_check(KIRQL old, const char* function) {
    raise_bug_check(IRQL_NOT_GREATER_OR_EQUAL, old, DISPATCH_LEVEL, 0, 0,
                    fmt::format("{} at IRQL {}: it raises to DISPATCH_LEVEL, which would lower the IRQL", function,
                                old));
}

WSKEMU_COLD void raise_below_dispatch_bug_check(KIRQL irql, const char* function) {
    raise_bug_check(IRQL_NOT_GREATER_OR_EQUAL, irql, DISPATCH_LEVEL, 0, 0,
                    fmt::format("{} at IRQL {}: the caller must already be at DISPATCH_LEVEL", function, irql));
}

// Releasing needs DISPATCH_LEVEL: anything lower means the holder lowered
// the IRQL while it held the lock.
inline void check_release_level(PKSPIN_LOCK lock, const char* function) {
    if (current_irql() < DISPATCH_LEVEL) [[unlikely]] {
        report_released_below_dispatch(lock, function);
    }
}

void require_dispatch_level(const char* function) {
    const KIRQL irql = current_irql();
    if (irql < DISPATCH_LEVEL) {
        raise_below_dispatch_bug_check(irql, function);
    }
}

// Contended: spins with backoff until the lock is free.
WSKEMU_NOINLINE void spin_until_acquired(std::atomic_ref<ULONG_PTR> word, ULONG_PTR me) {
    common::spin_backoff backoff;
    for (;;) {
        backoff.pause();
        ULONG_PTR expected = 0;
        if (word.load(std::memory_order_relaxed) == 0 &&
            word.compare_exchange_weak(expected, me, std::memory_order_acquire, std::memory_order_relaxed)) {
            return;
        }
    }
}

inline void acquire_raw(PKSPIN_LOCK lock, const char* function) {
    const ULONG_PTR me = owner_marker();
    std::atomic_ref<ULONG_PTR> word(*lock);
    ULONG_PTR expected = 0;
    if (word.compare_exchange_strong(expected, me, std::memory_order_acquire, std::memory_order_relaxed))
        [[likely]] {
        return;
    }
    if (expected == me) {
        report_already_owned(lock, function);
    }
    spin_until_acquired(word, me);
}

inline void release_raw(PKSPIN_LOCK lock, const char* function) {
    std::atomic_ref<ULONG_PTR> word(*lock);
    // Only the holder can have written its own marker, so a load and a store
    // suffice (no read-modify-write): another thread's release sees another
    // value and is reported.
    const ULONG_PTR holder = word.load(std::memory_order_relaxed);
    if (holder != owner_marker()) [[unlikely]] {
        report_not_owner(lock, holder, function);
        return;
    }
    word.store(0, std::memory_order_release);
}

// Forgets the raise of a lock not released last (locks released out of
// order), checking the IRQL it restores.
WSKEMU_NOINLINE void forget_raise_out_of_order(PKSPIN_LOCK lock, KIRQL new_irql, const char* function) {
    for (std::size_t i = raised_count; i-- > 0;) {
        if (raised_locks[i].lock == lock) {
            const KIRQL acquired_at = raised_locks[i].from;
            std::copy(raised_locks.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                      raised_locks.begin() + static_cast<std::ptrdiff_t>(raised_count),
                      raised_locks.begin() + static_cast<std::ptrdiff_t>(i));
            --raised_count;
            if (acquired_at != new_irql) {
                report_wrong_old_irql(lock, new_irql, acquired_at, function);
            }
            return;
        }
    }
}

}  // namespace

/// Takes @p lock for the calling thread, spinning with backoff; the IRQL is
/// the caller's business.
void acquire_spin_lock_raw(PKSPIN_LOCK lock, const char* function) { acquire_raw(lock, function); }

/// Gives @p lock back, reporting SPIN_LOCK_NOT_OWNED unless the calling thread holds it.
void release_spin_lock_raw(PKSPIN_LOCK lock, const char* function) { release_raw(lock, function); }

/// Tries once to take @p lock; false if any thread (this one included) holds it.
bool try_acquire_spin_lock_raw(PKSPIN_LOCK lock) noexcept {
    ULONG_PTR expected = 0;
    return std::atomic_ref<ULONG_PTR>(*lock).compare_exchange_strong(expected, owner_marker(),
                                                                     std::memory_order_acquire,
                                                                     std::memory_order_relaxed);
}

/// Acquires at DISPATCH_LEVEL and returns the previous IRQL.
KIRQL acquire_spin_lock(PKSPIN_LOCK lock, const char* function) {
    const KIRQL old = current_irql();
    if (old > DISPATCH_LEVEL) [[unlikely]] {
        raise_lowering_bug_check(old, function);
    }
    set_current_irql(DISPATCH_LEVEL);
    try {
        acquire_raw(lock, function);
    } catch (...) {
        set_current_irql(old);
        throw;
    }
    if (raised_count < max_raised_locks) [[likely]] {
        raised_locks[raised_count++] = raised_lock{lock, old};
    }
    return old;
}

/// Releases and returns to @p new_irql.
void release_spin_lock(PKSPIN_LOCK lock, KIRQL new_irql, const char* function) {
    // Ownership first: a release by the wrong thread is the graver fault.
    release_raw(lock, function);
    check_release_level(lock, function);
    // Locks are nearly always released in the reverse order of their
    // acquisition: the last raise recorded is this lock's.
    const std::size_t count = raised_count;
    if (count != 0 && raised_locks[count - 1].lock == lock) [[likely]] {
        raised_count = count - 1;
        if (raised_locks[count - 1].from != new_irql) [[unlikely]] {
            report_wrong_old_irql(lock, new_irql, raised_locks[count - 1].from, function);
        }
    } else {
        forget_raise_out_of_order(lock, new_irql, function);
    }
    set_current_irql(new_irql);
}

}  // namespace wskemu::kernel

namespace kernel = wskemu::kernel;

/* KeAcquireSpinLockRaiseToDpc (ntoskrnl): the body of KeAcquireSpinLock. */
extern "C" KIRQL NTAPI KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock) {
    return kernel::acquire_spin_lock(SpinLock, "KeAcquireSpinLock");
}

/* KfAcquireSpinLock (hal) */
extern "C" KIRQL NTAPI KfAcquireSpinLock(PKSPIN_LOCK SpinLock) {
    return kernel::acquire_spin_lock(SpinLock, "KfAcquireSpinLock");
}

/* KeReleaseSpinLock (ntoskrnl) */
extern "C" VOID NTAPI KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql) {
    kernel::release_spin_lock(SpinLock, NewIrql, "KeReleaseSpinLock");
}

/* KfReleaseSpinLock (hal) */
extern "C" VOID NTAPI KfReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql) {
    kernel::release_spin_lock(SpinLock, NewIrql, "KfReleaseSpinLock");
}

/* KeAcquireSpinLockAtDpcLevel (ntoskrnl) */
extern "C" VOID NTAPI KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock) {
    kernel::require_dispatch_level("KeAcquireSpinLockAtDpcLevel");
    kernel::acquire_spin_lock_raw(SpinLock, "KeAcquireSpinLockAtDpcLevel");
}

/* KeReleaseSpinLockFromDpcLevel (ntoskrnl) */
extern "C" VOID NTAPI KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock) {
    kernel::release_spin_lock_raw(SpinLock, "KeReleaseSpinLockFromDpcLevel");
    kernel::check_release_level(SpinLock, "KeReleaseSpinLockFromDpcLevel");
}

/* KeTryToAcquireSpinLockAtDpcLevel (ntoskrnl) */
extern "C" BOOLEAN FASTCALL KeTryToAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock) {
    kernel::require_dispatch_level("KeTryToAcquireSpinLockAtDpcLevel");
    return kernel::try_acquire_spin_lock_raw(SpinLock) ? TRUE : FALSE;
}

/* KeTestSpinLock (ntoskrnl): TRUE if the lock is free at this instant. */
extern "C" BOOLEAN FASTCALL KeTestSpinLock(PKSPIN_LOCK SpinLock) {
    return std::atomic_ref<ULONG_PTR>(*SpinLock).load(std::memory_order_relaxed) == 0 ? TRUE : FALSE;
}

/* KeAcquireSpinLockForDpc (ntoskrnl): raises only if not already at DISPATCH_LEVEL. */
extern "C" KIRQL NTAPI KeAcquireSpinLockForDpc(PKSPIN_LOCK SpinLock) {
    return kernel::acquire_spin_lock(SpinLock, "KeAcquireSpinLockForDpc");
}

/* KeReleaseSpinLockForDpc (ntoskrnl) */
extern "C" VOID NTAPI KeReleaseSpinLockForDpc(PKSPIN_LOCK SpinLock, KIRQL OldIrql) {
    kernel::release_spin_lock(SpinLock, OldIrql, "KeReleaseSpinLockForDpc");
}

/* KeAcquireInStackQueuedSpinLock (ntoskrnl): the emulator does not queue
 * waiters; the handle records the lock and the previous IRQL. */
extern "C" VOID FASTCALL KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle) {
    LockHandle->LockQueue.Next = nullptr;
    LockHandle->LockQueue.Lock = SpinLock;
    LockHandle->OldIrql = kernel::acquire_spin_lock(SpinLock, "KeAcquireInStackQueuedSpinLock");
}

/* KeReleaseInStackQueuedSpinLock (ntoskrnl) */
extern "C" VOID FASTCALL KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle) {
    kernel::release_spin_lock(LockHandle->LockQueue.Lock, LockHandle->OldIrql, "KeReleaseInStackQueuedSpinLock");
}

/* KeAcquireInStackQueuedSpinLockAtDpcLevel (ntoskrnl) */
extern "C" VOID FASTCALL KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock,
                                                                  PKLOCK_QUEUE_HANDLE LockHandle) {
    kernel::require_dispatch_level("KeAcquireInStackQueuedSpinLockAtDpcLevel");
    LockHandle->LockQueue.Next = nullptr;
    LockHandle->LockQueue.Lock = SpinLock;
    LockHandle->OldIrql = DISPATCH_LEVEL;
    kernel::acquire_spin_lock_raw(SpinLock, "KeAcquireInStackQueuedSpinLockAtDpcLevel");
}

/* KeReleaseInStackQueuedSpinLockFromDpcLevel (ntoskrnl) */
extern "C" VOID FASTCALL KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle) {
    kernel::release_spin_lock_raw(LockHandle->LockQueue.Lock, "KeReleaseInStackQueuedSpinLockFromDpcLevel");
}

/* KeAcquireInStackQueuedSpinLockForDpc (ntoskrnl) */
extern "C" VOID FASTCALL KeAcquireInStackQueuedSpinLockForDpc(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle) {
    KeAcquireInStackQueuedSpinLock(SpinLock, LockHandle);
}

/* KeReleaseInStackQueuedSpinLockForDpc (ntoskrnl) */
extern "C" VOID FASTCALL KeReleaseInStackQueuedSpinLockForDpc(PKLOCK_QUEUE_HANDLE LockHandle) {
    KeReleaseInStackQueuedSpinLock(LockHandle);
}
