// wskemu: the emulated IRQL of each thread.
#pragma once

#include <ntdef.h>

namespace wskemu::kernel {

/// IRQL of the calling thread; every thread starts at PASSIVE_LEVEL.
KIRQL current_irql() noexcept;
/// Sets the calling thread's IRQL without the raise/lower direction checks.
void set_current_irql(KIRQL irql) noexcept;

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
