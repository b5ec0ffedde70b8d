// wskemu fuzz targets: what every target shares: a failed property aborts
// with a message (libFuzzer records the input), a driver IRP that counts its
// completions, and a check that an input left no kernel object behind.
#pragma once

#include <wdm.h>

#include <wskemu/leak_report.hpp>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace wskemu::fuzz {

/// A property of the code under test failed: print it and abort, so
/// libFuzzer saves the input as a crash.
[[noreturn]] inline void fail(const char* what, const std::string& detail = {}) {
    std::fprintf(stderr, "wskemu fuzz: property failed: %s%s%s\n", what, detail.empty() ? "" : ": ",
                 detail.c_str());
    std::abort();
}

inline void check(bool condition, const char* what, const std::string& detail = {}) {
    if (!condition) {
        fail(what, detail);
    }
}

/// Fails if a pool block, IRP or MDL allocated since `serial` is still alive.
inline void check_no_leaks(std::uint64_t serial) {
    const std::string report = format_leak_report(serial);
    check(report.empty(), "the input left kernel objects allocated", report);
}

/// A driver's IRP (one stack location) whose completion routine counts its
/// calls and keeps the IRP (STATUS_MORE_PROCESSING_REQUIRED).
class counted_irp {
public:
    counted_irp() : irp_(IoAllocateIrp(1, FALSE)) {
        check(irp_ != nullptr, "IoAllocateIrp failed");
        KeInitializeEvent(&done_, NotificationEvent, FALSE);
        IoSetCompletionRoutine(irp_, on_complete, this, TRUE, TRUE, TRUE);
        irp_->IoStatus.Status = static_cast<NTSTATUS>(0xDEADBEEF);
        irp_->IoStatus.Information = 0xDEADBEEF;
    }
    ~counted_irp() { IoFreeIrp(irp_); }
    counted_irp(const counted_irp&) = delete;
    counted_irp& operator=(const counted_irp&) = delete;

    PIRP get() const noexcept { return irp_; }
    int completions() const noexcept { return completions_.load(); }

    /// After a call that took the IRP: waits (up to 10 s) through
    /// STATUS_PENDING, cancelling the IRP first if asked, then checks the IRP
    /// completed exactly once with the status the call returned (when it did
    /// not pend).
    void check_completed_once(NTSTATUS returned, const char* function, bool cancel_if_pending = false) {
        if (returned == STATUS_PENDING) {
            if (cancel_if_pending) {
                IoCancelIrp(irp_);
            }
            LARGE_INTEGER timeout;
            timeout.QuadPart = -10 * 1000 * 10000LL;
            check(KeWaitForSingleObject(&done_, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS, function,
                  "a pending IRP did not complete within 10 s");
        } else {
            check(irp_->IoStatus.Status == returned, function, "IoStatus.Status differs from the returned status");
        }
        check(completions_.load() == 1, function,
              "the IRP completed " + std::to_string(completions_.load()) + " times, not once");
    }

private:
    static NTSTATUS NTAPI on_complete(PDEVICE_OBJECT, PIRP, PVOID context) {
        auto* self = static_cast<counted_irp*>(context);
        self->completions_.fetch_add(1);
        KeSetEvent(&self->done_, IO_NO_INCREMENT, FALSE);
        return STATUS_MORE_PROCESSING_REQUIRED;
    }

    PIRP irp_;
    KEVENT done_;
    std::atomic<int> completions_{0};
};

}  // namespace wskemu::fuzz
