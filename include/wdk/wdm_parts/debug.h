/* wskemu: bug checks, assertions and debug output. A bug check becomes a
 * report that names the STOP code and its parameters, then either a
 * wskemu::bug_check_error for a test that asked to catch it or an abort that
 * a death test can match (docs/porting.md). DbgPrint and friends go to the
 * wskemu log, with Windows' printf conventions (%wZ, %ws, %I64d, 32-bit %ld).
 * Part of <wdm.h>; do not include directly. */
#ifndef WSKEMU_WDM_DEBUG_H
#define WSKEMU_WDM_DEBUG_H

#ifndef _NTDEF_
#include <ntdef.h>
#endif

EXTERN_C_START

NTKERNELAPI DECLSPEC_NORETURN VOID NTAPI KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR BugCheckParameter1,
                                                      ULONG_PTR BugCheckParameter2, ULONG_PTR BugCheckParameter3,
                                                      ULONG_PTR BugCheckParameter4);
NTKERNELAPI DECLSPEC_NORETURN VOID NTAPI KeBugCheck(ULONG BugCheckCode);

/* Bug check codes raised by the emulator itself. */
#define IRQL_NOT_GREATER_OR_EQUAL 0x00000009
#define IRQL_NOT_LESS_OR_EQUAL 0x0000000A
#define NO_MORE_IRP_STACK_LOCATIONS 0x00000035
#define MAXIMUM_WAIT_OBJECTS_EXCEEDED 0x0000000C
#define KMODE_EXCEPTION_NOT_HANDLED 0x0000001E
#define MULTIPLE_IRP_COMPLETE_REQUESTS 0x00000044
#define CANCEL_STATE_IN_COMPLETED_IRP 0x00000048
#define TARGET_MDL_TOO_SMALL 0x00000040
#define INVALID_CANCEL_OF_FILE_OPEN 0x000000E8
#define PFN_LIST_CORRUPT 0x0000004E
#define PAGE_FAULT_IN_NONPAGED_AREA 0x00000050
#define SPIN_LOCK_NOT_OWNED 0x00000010
#define SPIN_LOCK_ALREADY_OWNED 0x0000000F
#define DRIVER_IRQL_NOT_LESS_OR_EQUAL 0x000000D1
#define BAD_POOL_CALLER 0x000000C2
#define DRIVER_CORRUPTED_EXPOOL 0x000000C5
#define DRIVER_VERIFIER_DETECTED_VIOLATION 0x000000C4
#define DRIVER_VERIFIER_IOMANAGER_VIOLATION 0x000000C9
#define DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS 0x000000CB
#define ATTEMPTED_SWITCH_FROM_DPC 0x000000B8
#define MANUALLY_INITIATED_CRASH 0x000000E2
#define KERNEL_SECURITY_CHECK_FAILURE 0x00000139

/* Debug output */
#define DPFLTR_ERROR_LEVEL 0
#define DPFLTR_WARNING_LEVEL 1
#define DPFLTR_TRACE_LEVEL 2
#define DPFLTR_INFO_LEVEL 3
#define DPFLTR_MASK 0x80000000
#define DPFLTR_IHVDRIVER_ID 77
#define DPFLTR_IHVNETWORK_ID 79
#define DPFLTR_DEFAULT_ID 101

NTSYSAPI ULONG __cdecl DbgPrint(PCSTR Format, ...);
NTSYSAPI ULONG __cdecl DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...);
NTSYSAPI ULONG NTAPI vDbgPrintEx(ULONG ComponentId, ULONG Level, PCCH Format, va_list arglist);
NTSYSAPI ULONG NTAPI vDbgPrintExWithPrefix(PCCH Prefix, ULONG ComponentId, ULONG Level, PCCH Format,
                                           va_list arglist);
NTSYSAPI VOID NTAPI DbgBreakPoint(void);
NTSYSAPI VOID NTAPI DbgBreakPointWithStatus(ULONG Status);
#define KdBreakPoint() DbgBreakPoint()

#if DBG
#define KdPrint(_x_) DbgPrint _x_
#define KdPrintEx(_x_) DbgPrintEx _x_
#define vKdPrintEx(_x_) vDbgPrintEx _x_
#define vKdPrintExWithPrefix(_x_) vDbgPrintExWithPrefix _x_
#else
#define KdPrint(_x_)
#define KdPrintEx(_x_)
#define vKdPrintEx(_x_)
#define vKdPrintExWithPrefix(_x_)
#endif

/* Assertions: RtlAssert and NT_ASSERT failures are reported as bug check
 * KMODE_EXCEPTION_NOT_HANDLED (0x1E) with STATUS_ASSERTION_FAILURE, what an
 * unhandled assertion does in a kernel without a debugger attached. */
NTSYSAPI VOID NTAPI RtlAssert(PVOID VoidFailedAssertion, PVOID VoidFileName, ULONG LineNumber,
                              PSTR MutableMessage);
#if DBG
#define ASSERT(exp) ((!(exp)) ? (RtlAssert((PVOID) #exp, (PVOID)__FILE__, __LINE__, NULL), FALSE) : TRUE)
#define ASSERTMSG(msg, exp) ((!(exp)) ? (RtlAssert((PVOID) #exp, (PVOID)__FILE__, __LINE__, (PCHAR)(msg)), FALSE) : TRUE)
#define RTL_SOFT_ASSERT(_exp) ((_exp) ? TRUE : (DbgPrint("%s(%d): Soft assertion failed\n   Expression: %s\n", __FILE__, __LINE__, #_exp), FALSE))
#define NT_ASSERT(exp) ASSERT(exp)
#define NT_ASSERTMSG(msg, exp) ASSERTMSG(msg, exp)
#define NT_ASSERTMSGW(msg, exp) ASSERT(exp)
#define NT_VERIFY(exp) ASSERT(exp)
#define NT_VERIFYMSG(msg, exp) ASSERTMSG(msg, exp)
#else
#define ASSERT(exp) ((void)0)
#define ASSERTMSG(msg, exp) ((void)0)
#define RTL_SOFT_ASSERT(_exp) ((void)0)
#define NT_ASSERT(exp) ((void)0)
#define NT_ASSERTMSG(msg, exp) ((void)0)
#define NT_ASSERTMSGW(msg, exp) ((void)0)
#define NT_VERIFY(exp) ((exp) ? TRUE : FALSE)
#define NT_VERIFYMSG(msg, exp) ((exp) ? TRUE : FALSE)
#endif
#define NT_ANALYSIS_ASSUME(exp) ((void)0)

/* PAGED_CODE() checks in every build, not only checked builds: code marked
 * pageable that runs above APC_LEVEL is a crash waiting for memory pressure. */
NTKERNELAPI VOID NTAPI wskemu_PagedCodeViolation(PCSTR Function);
#define PAGED_CODE()                                                                               \
    do {                                                                                           \
        if (KeGetCurrentIrql() > APC_LEVEL) {                                                      \
            wskemu_PagedCodeViolation(__func__);                                                   \
        }                                                                                          \
    } while (0)
#define PAGED_CODE_LOCKED() ((void)0)
#define PAGED_ASSERT(exp) ASSERT(exp)
#define NT_FRE_ASSERT(exp) ((!(exp)) ? (RtlAssert((PVOID) #exp, (PVOID)__FILE__, __LINE__, NULL), FALSE) : TRUE)

EXTERN_C_END

#endif /* WSKEMU_WDM_DEBUG_H */
