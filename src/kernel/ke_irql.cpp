// wskemu: per-thread IRQL.
#include "irql.hpp"

#include <wdm.h>

#include "bug_check.hpp"
#include "verifier.hpp"

#include <fmt/format.h>

#include <exception>

namespace wskemu::kernel {

thread_local constinit KIRQL thread_irql = PASSIVE_LEVEL;

void irql_scope::report_not_restored(KIRQL left) const {
    if (std::uncaught_exceptions() != 0) {
        return;  // unwinding: the exception is the fault, not the IRQL it left
    }
    auto details = verifier::with_parameters(left, expected_);
    verifier::report(verifier::rule::irql_not_restored, what_, nullptr,
                     fmt::format("{} returned at IRQL {} but was called at IRQL {}: callbacks must restore the IRQL "
                                 "they were called at",
                                 what_, left, expected_),
                     details);
}

}  // namespace wskemu::kernel

using wskemu::kernel::thread_irql;

/* KeGetCurrentIrql (hal) */
extern "C" KIRQL NTAPI KeGetCurrentIrql(void) { return thread_irql; }

/* KfRaiseIrql (hal): the body of the KeRaiseIrql macro. */
extern "C" KIRQL NTAPI KfRaiseIrql(KIRQL NewIrql) {
    const KIRQL old = thread_irql;
    if (NewIrql < old) {
        auto details = wskemu::kernel::verifier::with_parameters(old, NewIrql);
        wskemu::kernel::verifier::report(
            wskemu::kernel::verifier::rule::irql_wrong_direction, "KeRaiseIrql", nullptr,
            fmt::format("KeRaiseIrql to IRQL {} from the higher IRQL {}", NewIrql, old), details);
    }
    thread_irql = NewIrql;
    return old;
}

/* KeLowerIrql (hal) */
extern "C" VOID NTAPI KeLowerIrql(KIRQL NewIrql) {
    const KIRQL old = thread_irql;
    if (NewIrql > old) {
        wskemu::kernel::verifier::report_details details;
        details.code = IRQL_NOT_LESS_OR_EQUAL;
        details.has_parameters = true;
        details.parameters = {old, NewIrql, 0, 0};
        wskemu::kernel::verifier::report(
            wskemu::kernel::verifier::rule::irql_wrong_direction, "KeLowerIrql", nullptr,
            fmt::format("KeLowerIrql to IRQL {} from the lower IRQL {}", NewIrql, old), details);
    }
    thread_irql = NewIrql;
}

/* KeRaiseIrqlToDpcLevel (hal) */
extern "C" KIRQL NTAPI KeRaiseIrqlToDpcLevel(void) { return KfRaiseIrql(DISPATCH_LEVEL); }

/* PAGED_CODE() failed: pageable code running above APC_LEVEL. */
extern "C" VOID NTAPI wskemu_PagedCodeViolation(PCSTR Function) {
    const KIRQL irql = thread_irql;
    auto details = wskemu::kernel::verifier::with_parameters(0, irql);
    wskemu::kernel::verifier::report(
        wskemu::kernel::verifier::rule::irql_paged_code, Function ? Function : "PAGED_CODE", nullptr,
        fmt::format("PAGED_CODE() in {} at IRQL {} (maximum APC_LEVEL)", Function ? Function : "?", irql), details);
}
