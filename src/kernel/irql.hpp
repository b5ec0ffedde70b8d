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
/// Inline: every completion routine runs inside one.
class irql_scope {
public:
    irql_scope(KIRQL irql, const char* what) noexcept : saved_(thread_irql), expected_(irql), what_(what) {
        thread_irql = irql;
    }
    irql_scope(const irql_scope&) = delete;
    irql_scope& operator=(const irql_scope&) = delete;
    /// Restores the entry IRQL, then reports an IRQL the callback left changed.
    ~irql_scope() noexcept(false) {
        const KIRQL left = thread_irql;
        thread_irql = saved_;
        if (left != expected_) [[unlikely]] {
            report_not_restored(left);
        }
    }

private:
    void report_not_restored(KIRQL left) const;

    KIRQL saved_;
    KIRQL expected_;
    const char* what_;
};

}  // namespace wskemu::kernel
