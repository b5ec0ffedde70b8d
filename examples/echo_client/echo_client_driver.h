/* The echo client driver's entry point, called by the demo host and the unit test. */
#ifndef WSKEMU_EXAMPLE_ECHO_CLIENT_DRIVER_H
#define WSKEMU_EXAMPLE_ECHO_CLIENT_DRIVER_H

#include <ntddk.h>
#include <wsk.h>

EXTERN_C_START
/* Registers with WSK, connects to Remote, sends Messages messages of growing
 * size and reads each echo back with WSK_FLAG_WAITALL, checks every byte,
 * closes and deregisters. *BytesEchoed receives the total echoed. Returns the
 * first failure, or STATUS_SUCCESS. */
NTSTATUS EchoClientRun(PSOCKADDR Remote, ULONG Messages, PSIZE_T BytesEchoed);
EXTERN_C_END

#endif
