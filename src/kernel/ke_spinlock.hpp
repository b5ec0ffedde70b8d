// wskemu: spin lock primitives shared by the Ke and ExInterlocked routines.
#pragma once

#include <wdm.h>

namespace wskemu::kernel {

/// Takes @p lock for the calling thread, spinning with backoff; reports
/// SPIN_LOCK_ALREADY_OWNED if this thread holds it. The IRQL is unchanged.
void acquire_spin_lock_raw(PKSPIN_LOCK lock, const char* function);

/// Gives @p lock back, reporting SPIN_LOCK_NOT_OWNED unless the calling
/// thread holds it. The IRQL is unchanged.
void release_spin_lock_raw(PKSPIN_LOCK lock, const char* function);

/// Tries once to take @p lock; false if any thread (this one included) holds it.
bool try_acquire_spin_lock_raw(PKSPIN_LOCK lock) noexcept;

/// Raises to DISPATCH_LEVEL, acquires, and returns the previous IRQL.
KIRQL acquire_spin_lock(PKSPIN_LOCK lock, const char* function);

/// Releases and returns the IRQL to @p new_irql.
void release_spin_lock(PKSPIN_LOCK lock, KIRQL new_irql, const char* function);

}  // namespace wskemu::kernel
