/* Entry points of the structured-exception test drivers, for the tests. */
#ifndef WSKEMU_TEST_SEH_DRIVER_H
#define WSKEMU_TEST_SEH_DRIVER_H

#include <ntddk.h>

EXTERN_C_START
NTSTATUS SehDriverProbeAndLock(PVOID Buffer, ULONG Length, BOOLEAN *Locked);
NTSTATUS SehDriverNested(NTSTATUS Code, LONG *Trace);
NTSTATUS SehDriverContinueSearch(NTSTATUS Code, LONG *Trace);
LONG SehDriverLeave(void);
LONG SehDriverNoException(void);
VOID SehDriverAssert(int Value);
VOID SehDriverBugCheck(void);
NTSTATUS SehDriverCppProbeAndLock(PVOID Buffer, ULONG Length);
LONG SehDriverCppFinally(NTSTATUS Code, NTSTATUS *Caught);
EXTERN_C_END

#endif
