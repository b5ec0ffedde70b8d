/* A C11 test driver using structured exception handling the way drivers do:
 * MmProbeAndLockPages inside __try, nested __try/__finally, __leave.
 * It includes only WDK headers. */
#include <ntddk.h>

#include "seh_driver.h"

NTSTATUS SehDriverProbeAndLock(PVOID Buffer, ULONG Length, BOOLEAN *Locked) {
    PMDL mdl = IoAllocateMdl(Buffer, Length, FALSE, FALSE, NULL);
    volatile NTSTATUS status = STATUS_SUCCESS;
    *Locked = FALSE;
    if (mdl == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    __try {
        MmProbeAndLockPages(mdl, KernelMode, IoReadAccess);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        status = GetExceptionCode();
    }
    if (NT_SUCCESS(status)) {
        *Locked = TRUE;
        MmUnlockPages(mdl);
    }
    IoFreeMdl(mdl);
    return status;
}

static DECLSPEC_NOINLINE VOID RaiseFromInside(NTSTATUS Code) {
    ExRaiseStatus(Code);
}

static DECLSPEC_NOINLINE VOID RaiseFromDeepInside(NTSTATUS Code) {
    RaiseFromInside(Code);
}

NTSTATUS SehDriverNested(NTSTATUS Code, LONG *Trace) {
    volatile NTSTATUS caught = STATUS_SUCCESS;
    volatile LONG trace = 0;
    __try {
        __try {
            trace = trace * 10 + 1;
            RaiseFromDeepInside(Code);
            trace = trace * 10 + 9; /* never reached */
        } __finally {
            trace = trace * 10 + 2;
        }
        trace = trace * 10 + 9; /* never reached */
    } __except (GetExceptionCode() == Code ? EXCEPTION_EXECUTE_HANDLER : EXCEPTION_CONTINUE_SEARCH) {
        caught = GetExceptionCode();
        trace = trace * 10 + 3;
    }
    *Trace = trace;
    return caught;
}

NTSTATUS SehDriverContinueSearch(NTSTATUS Code, LONG *Trace) {
    volatile NTSTATUS caught = STATUS_SUCCESS;
    volatile LONG trace = 0;
    __try {
        __try {
            ExRaiseStatus(Code);
        } __except (EXCEPTION_CONTINUE_SEARCH) {
            trace = trace * 10 + 9; /* the filter declined: never reached */
        }
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        caught = GetExceptionCode();
        trace = trace * 10 + 1;
    }
    *Trace = trace;
    return caught;
}

LONG SehDriverLeave(void) {
    volatile LONG trace = 0;
    __try {
        trace = 1;
        if (trace == 1) {
            __leave;
        }
        trace = 9;
    } __finally {
        trace = trace * 10 + 2;
    }
    return trace;
}

LONG SehDriverNoException(void) {
    volatile LONG trace = 0;
    __try {
        trace = 1;
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        trace = 9;
    }
    __try {
        trace = trace * 10 + 2;
    } __finally {
        trace = trace * 10 + 3;
    }
    return trace;
}

VOID SehDriverAssert(int Value) {
    ASSERT(Value == 42);
}

VOID SehDriverBugCheck(void) {
    KeBugCheckEx(0xDEAD, 1, 2, 3, 4);
}
