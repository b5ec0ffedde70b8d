/* Entry point of the C++ WSK test driver. */
#ifndef WSKEMU_TEST_WSK_SYNC_DRIVER_CPP_H
#define WSKEMU_TEST_WSK_SYNC_DRIVER_CPP_H
#include <ntddk.h>
#include <wsk.h>
EXTERN_C_START
/* WskSocketConnect to Remote, one WskSend of Length bytes, WskReceive until
 * Length bytes came back, WskCloseSocket; counts bytes that differ. */
NTSTATUS WskSyncDriverCppRun(PSOCKADDR Remote, ULONG Length, PSIZE_T Sent, PSIZE_T Received, PULONG Mismatches);
EXTERN_C_END
#endif
