// wskemu: the wait engine shared by events, semaphores, mutexes, threads and
// (later) timers.
//
// One process-wide dispatcher lock guards every DISPATCHER_HEADER's
// SignalState and WaitListHead. A waiting thread links one wait block per
// object into that object's WaitListHead (as Windows links its KWAIT_BLOCKs)
// and sleeps on its own condition variable. Whoever signals an object walks
// that list under the lock and satisfies waiters on the spot (consuming a
// synchronisation event or a semaphore unit for them), so each unit of signal
// wakes exactly the waiters it should. Wait blocks live on the waiter's stack:
// no object state exists outside the object's own bytes except while a thread
// is actively waiting on it.
#pragma once

#include <wdm.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>

namespace wskemu::kernel {

/// The dispatcher lock. Hold it while reading or changing SignalState.
std::mutex& dispatcher_lock() noexcept;

/// Initialises a dispatcher header: type, size in LONGs, signal state, and an
/// empty wait list.
void initialize_dispatcher_header(DISPATCHER_HEADER* header, UCHAR type, std::size_t object_size,
                                  LONG signal_state) noexcept;

/// True if some thread is waiting on @p header. Caller holds the lock.
bool has_waiters_locked(const DISPATCHER_HEADER* header) noexcept;

/// Satisfies the waiters that @p header's new signal state allows, in FIFO
/// order, consuming the signal for them. Caller holds the lock and has just
/// raised SignalState.
void wake_waiters_locked(DISPATCHER_HEADER* header) noexcept;

/// Number of threads waiting on @p header (for tests and diagnostics).
std::size_t count_waiters(const DISPATCHER_HEADER* header);

/// The timeout of a wait, decoded from the WDK's LARGE_INTEGER form.
struct wait_timeout {
    enum class kind { infinite, poll, until } what = kind::infinite;
    std::chrono::steady_clock::time_point deadline{};

    /// NULL = infinite; negative = relative in 100 ns units; positive =
    /// absolute system time (100 ns since 1601); zero = poll.
    static wait_timeout from_wdk(const LARGE_INTEGER* timeout) noexcept;
};

/// Waits until @p count objects are signalled (WaitAll) or one is (WaitAny),
/// or the timeout passes. Returns STATUS_WAIT_0 + index (WaitAny),
/// STATUS_SUCCESS (WaitAll) or STATUS_TIMEOUT. With count 0 it just waits out
/// the timeout (KeDelayExecutionThread) and returns STATUS_TIMEOUT. The
/// caller has validated the arguments and the IRQL.
NTSTATUS wait_for_objects(ULONG count, DISPATCHER_HEADER* const* objects, WAIT_TYPE type,
                          const wait_timeout& timeout);

/// Per-thread hook for the deterministic mode: when set on the waiting
/// thread, a wait calls it between checks instead of blocking indefinitely.
/// It runs pending emulator work on the waiting thread and returns true if it
/// ran anything; when it returns false the wait sleeps for a short slice (or
/// until signalled) and asks again. A wait made by the pump itself blocks
/// normally (the pump is not re-entered).
std::function<bool()>& wait_pump() noexcept;

/// The process-wide pump of the deterministic mode (test control): used by a
/// wait on any thread that has no wait_pump() of its own. nullptr: none.
void set_global_wait_pump(bool (*pump)()) noexcept;

/// Raises IRQL_NOT_LESS_OR_EQUAL unless a wait with this timeout is allowed
/// at the current IRQL (<= APC_LEVEL, or a poll at DISPATCH_LEVEL).
void check_wait_irql(const LARGE_INTEGER* timeout, const char* function, void* return_address);

}  // namespace wskemu::kernel
