/* Entry point of the WSK echo client test driver, for the tests. */
#ifndef WSKEMU_TEST_WSK_ECHO_CLIENT_DRIVER_H
#define WSKEMU_TEST_WSK_ECHO_CLIENT_DRIVER_H

#include <ntddk.h>
#include <wsk.h>

EXTERN_C_START

/* What each step returned, for the test to check. */
typedef struct _WSK_ECHO_CLIENT_RESULT {
    NTSTATUS RegisterStatus;
    NTSTATUS CaptureStatus;
    NTSTATUS SocketStatus;
    NTSTATUS BindStatus;
    NTSTATUS ConnectStatus;
    NTSTATUS RemoteAddressStatus;
    NTSTATUS SendStatus;     /* the last send's */
    SIZE_T BytesSent;        /* total over all sends */
    NTSTATUS ReceiveStatus;  /* the last receive's */
    SIZE_T BytesReceived;    /* total over all receives */
    NTSTATUS CloseStatus;
    BOOLEAN RemotePortMatches; /* WskGetRemoteAddress gave the port connected to */
} WSK_ECHO_CLIENT_RESULT, *PWSK_ECHO_CLIENT_RESULT;

/* Registers, captures the provider NPI, creates a connection socket of
 * Remote's family, binds it to the wildcard address, connects to Remote,
 * sends Message in Rounds sends of Length bytes each (the buffer described
 * by a chain of MdlCount MDLs, the first starting at an odd offset),
 * receives Rounds * Length echoed bytes into Reply with WSK_FLAG_WAITALL,
 * closes, releases and deregisters. Every call uses one IRP, reused, and
 * waits on a KEVENT when it pends. Returns the first failure, or
 * STATUS_SUCCESS. */
NTSTATUS WskEchoClientRun(const SOCKADDR *Remote, const UCHAR *Message, ULONG Length, ULONG Rounds, ULONG MdlCount,
                          UCHAR *Reply, PWSK_ECHO_CLIENT_RESULT Result);

EXTERN_C_END

#endif
