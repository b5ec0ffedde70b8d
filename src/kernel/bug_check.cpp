// wskemu: bug checks, assertions and breakpoints.
#include "bug_check.hpp"

#include <wdm.h>

#include <wskemu/bug_check.hpp>

#include "log.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace wskemu {
namespace detail {

int& bug_check_catch_depth() noexcept {
    thread_local int depth = 0;
    return depth;
}

}  // namespace detail

namespace kernel {

std::string_view bug_check_name(ULONG code) noexcept {
    switch (code) {
    case SPIN_LOCK_ALREADY_OWNED: return "SPIN_LOCK_ALREADY_OWNED";
    case SPIN_LOCK_NOT_OWNED: return "SPIN_LOCK_NOT_OWNED";
    case IRQL_NOT_GREATER_OR_EQUAL: return "IRQL_NOT_GREATER_OR_EQUAL";
    case IRQL_NOT_LESS_OR_EQUAL: return "IRQL_NOT_LESS_OR_EQUAL";
    case KMODE_EXCEPTION_NOT_HANDLED: return "KMODE_EXCEPTION_NOT_HANDLED";
    case MAXIMUM_WAIT_OBJECTS_EXCEEDED: return "MAXIMUM_WAIT_OBJECTS_EXCEEDED";
    case NO_MORE_IRP_STACK_LOCATIONS: return "NO_MORE_IRP_STACK_LOCATIONS";
    case MULTIPLE_IRP_COMPLETE_REQUESTS: return "MULTIPLE_IRP_COMPLETE_REQUESTS";
    case INVALID_CANCEL_OF_FILE_OPEN: return "INVALID_CANCEL_OF_FILE_OPEN";
    case CANCEL_STATE_IN_COMPLETED_IRP: return "CANCEL_STATE_IN_COMPLETED_IRP";
    case TARGET_MDL_TOO_SMALL: return "TARGET_MDL_TOO_SMALL";
    case PFN_LIST_CORRUPT: return "PFN_LIST_CORRUPT";
    case PAGE_FAULT_IN_NONPAGED_AREA: return "PAGE_FAULT_IN_NONPAGED_AREA";
    case ATTEMPTED_SWITCH_FROM_DPC: return "ATTEMPTED_SWITCH_FROM_DPC";
    case BAD_POOL_CALLER: return "BAD_POOL_CALLER";
    case DRIVER_VERIFIER_DETECTED_VIOLATION: return "DRIVER_VERIFIER_DETECTED_VIOLATION";
    case DRIVER_CORRUPTED_EXPOOL: return "DRIVER_CORRUPTED_EXPOOL";
    case DRIVER_VERIFIER_IOMANAGER_VIOLATION: return "DRIVER_VERIFIER_IOMANAGER_VIOLATION";
    case DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS: return "DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS";
    case DRIVER_IRQL_NOT_LESS_OR_EQUAL: return "DRIVER_IRQL_NOT_LESS_OR_EQUAL";
    case MANUALLY_INITIATED_CRASH: return "MANUALLY_INITIATED_CRASH";
    case KERNEL_SECURITY_CHECK_FAILURE: return "KERNEL_SECURITY_CHECK_FAILURE";
    default: return "";
    }
}

void raise_bug_check(ULONG code, ULONG_PTR p1, ULONG_PTR p2, ULONG_PTR p3, ULONG_PTR p4, std::string_view why) {
    const auto name = bug_check_name(code);
    std::string report =
        fmt::format("*** STOP 0x{:08X} ({:#x}, {:#x}, {:#x}, {:#x}){}{}: {}", code, p1, p2, p3, p4,
                    name.empty() ? "" : " ", name, why.empty() ? "KeBugCheckEx called by driver code" : why);
    log().critical("{}", report);
    log().flush();
    if (detail::bug_check_catch_depth() > 0) {
        // The test asked to see bug checks as exceptions: leave the IRQL as
        // the test expects it when the exception lands.
        throw bug_check_error(code, {p1, p2, p3, p4}, report);
    }
    std::fprintf(stderr, "%s\n", report.c_str());
    std::fflush(stderr);
    std::abort();
}

}  // namespace kernel
}  // namespace wskemu

using wskemu::kernel::raise_bug_check;

/* KeBugCheckEx (ntoskrnl) */
extern "C" VOID NTAPI KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR BugCheckParameter1, ULONG_PTR BugCheckParameter2,
                                   ULONG_PTR BugCheckParameter3, ULONG_PTR BugCheckParameter4) {
    raise_bug_check(BugCheckCode, BugCheckParameter1, BugCheckParameter2, BugCheckParameter3, BugCheckParameter4,
                    "KeBugCheckEx called by driver code");
}

/* KeBugCheck (ntoskrnl) */
extern "C" VOID NTAPI KeBugCheck(ULONG BugCheckCode) {
    raise_bug_check(BugCheckCode, 0, 0, 0, 0, "KeBugCheck called by driver code");
}

/* RtlAssert (ntoskrnl): a failed ASSERT or NT_ASSERT. */
extern "C" VOID NTAPI RtlAssert(PVOID VoidFailedAssertion, PVOID VoidFileName, ULONG LineNumber, PSTR MutableMessage) {
    const char* expression = static_cast<const char*>(VoidFailedAssertion);
    const char* file = static_cast<const char*>(VoidFileName);
    std::string why = fmt::format("assertion failed: {} at {}:{}{}{}", expression ? expression : "?",
                                  file ? file : "?", LineNumber, MutableMessage ? " - " : "",
                                  MutableMessage ? MutableMessage : "");
    raise_bug_check(KMODE_EXCEPTION_NOT_HANDLED, static_cast<ULONG_PTR>(static_cast<ULONG>(STATUS_ASSERTION_FAILURE)),
                    0, 0, 0, why);
}

/* DbgBreakPoint (ntoskrnl): with no kernel debugger, a breakpoint is an
 * unhandled STATUS_BREAKPOINT exception. */
extern "C" VOID NTAPI DbgBreakPoint(void) {
    raise_bug_check(KMODE_EXCEPTION_NOT_HANDLED, static_cast<ULONG_PTR>(static_cast<ULONG>(STATUS_BREAKPOINT)), 0, 0,
                    0, "DbgBreakPoint with no debugger attached");
}

/* DbgBreakPointWithStatus (ntoskrnl) */
extern "C" VOID NTAPI DbgBreakPointWithStatus(ULONG Status) {
    raise_bug_check(KMODE_EXCEPTION_NOT_HANDLED, static_cast<ULONG_PTR>(static_cast<ULONG>(STATUS_BREAKPOINT)), Status,
                    0, 0, "DbgBreakPointWithStatus with no debugger attached");
}
