// wskemu: the emulated IRQL of each thread.
#pragma once

#include <ntdef.h>

namespace wskemu::kernel {

/// The calling thread's IRQL. Visible here (constinit: no TLS wrapper call)
/// because every call, completion and spin lock reads it several times.
extern thread_local constinit KIRQL thread_irql;

/// IRQL of the calling thread; every thread starts at PASSIVE_LEVEL.
inline KIRQL current_irql() noexcept { return thread_irql; }
/// Sets the calling thread's IRQL without the raise/lower direction checks.
inline void set_current_irql(KIRQL irql) noexcept { thread_irql = irql; }

/// Runs a callback or completion routine at a given IRQL and checks on return
/// that the driver code restored it, as Windows expects of callbacks.
class irql_scope {
public:
    irql_scope(KIRQL irql, const char* what) noexcept;
    irql_scope(const irql_scope&) = delete;
    irql_scope& operator=(const irql_scope&) = delete;
    /// Reports an IRQL left changed by the callback, then restores the entry IRQL.
    ~irql_scope() noexcept(false);

private:
    KIRQL saved_;
    KIRQL expected_;
    const char* what_;
};

}  // namespace wskemu::kernel
