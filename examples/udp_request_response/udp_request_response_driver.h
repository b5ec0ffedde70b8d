/* The UDP request/response driver's entry point, called by the demo host and the unit test. */
#ifndef WSKEMU_EXAMPLE_UDP_REQUEST_RESPONSE_DRIVER_H
#define WSKEMU_EXAMPLE_UDP_REQUEST_RESPONSE_DRIVER_H

#include <ntddk.h>
#include <wsk.h>

EXTERN_C_START

/* The wire format, both ways: a request is {Id, Length} then Length bytes of
 * question; the answer is {Id, Length} then the question's bytes reversed.
 * Fields in network byte order. */
typedef struct _UDP_RR_HEADER {
    ULONG Id;
    ULONG Length;
} UDP_RR_HEADER, *PUDP_RR_HEADER;

typedef struct _UDP_RR_RESULT {
    ULONG Answered;  /* requests that got their answer */
    ULONG Retries;   /* requests sent again after a timeout */
    ULONG Stale;     /* answers to an earlier try of a request, or from a stranger, dropped */
} UDP_RR_RESULT, *PUDP_RR_RESULT;

/* Registers with WSK, opens a datagram socket of Server's family bound to
 * the wildcard address, then for each of Requests requests sends it with
 * WskSendTo and waits for the answer with WskReceiveFrom; after TimeoutMs
 * without one it cancels the receive (IoCancelIrp) and sends again, at most
 * Attempts times. Checks every answer byte for byte, closes and deregisters.
 * Returns the first failure (STATUS_IO_TIMEOUT when a request was never
 * answered), or STATUS_SUCCESS. */
NTSTATUS UdpRequestResponseRun(PSOCKADDR Server, ULONG Requests, ULONG TimeoutMs, ULONG Attempts,
                               PUDP_RR_RESULT Result);

EXTERN_C_END

#endif
