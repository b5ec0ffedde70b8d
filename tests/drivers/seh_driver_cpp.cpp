// A C++ test driver using the structured exception substitute.
#include <ntddk.h>

#include "seh_driver.h"

extern "C" NTSTATUS SehDriverCppProbeAndLock(PVOID Buffer, ULONG Length) {
    PMDL mdl = IoAllocateMdl(Buffer, Length, FALSE, FALSE, nullptr);
    if (mdl == nullptr) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    NTSTATUS status = STATUS_SUCCESS;
    __try {
        MmProbeAndLockPages(mdl, KernelMode, IoReadAccess);
        MmUnlockPages(mdl);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        status = GetExceptionCode();
    }
    IoFreeMdl(mdl);
    return status;
}

extern "C" LONG SehDriverCppFinally(NTSTATUS Code, NTSTATUS* Caught) {
    LONG trace = 0;
    *Caught = STATUS_SUCCESS;
    __try {
        __try {
            trace = 1;
            ExRaiseStatus(Code);
        } __finally {
            trace = trace * 10 + 2;
        }
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        *Caught = GetExceptionCode();
        trace = trace * 10 + 3;
    }
    return trace;
}
