/* The echo server driver: a WSK listening socket whose accept, receive and
 * disconnect callbacks echo every byte back to each client. */
#ifndef WSKEMU_EXAMPLE_ECHO_SERVER_DRIVER_H
#define WSKEMU_EXAMPLE_ECHO_SERVER_DRIVER_H

#include <ntddk.h>
#include <wsk.h>

EXTERN_C_START

typedef struct _ECHO_SERVER_STATS {
    LONG Accepted;       /* connections taken in WskAcceptEvent */
    LONG Refused;        /* connections refused (limit reached, out of memory, stopping) */
    LONG Open;           /* connections not yet closed */
    LONG Closed;         /* connections closed */
    LONG Aborted;        /* of those, closed after a reset, a failed send or a NULL indication */
    LONG64 BytesEchoed;  /* bytes whose WskSend completed with STATUS_SUCCESS */
    LONG Indications;    /* WskReceiveEvent calls with data */
    LONG NotAccepted;    /* indications answered STATUS_DATA_NOT_ACCEPTED or only partly accepted */
    LONG PostedReceives; /* WskReceive calls posted to take data the events left behind */
    LONG NullIndications;/* "socket dead" signals: NULL DataIndication or AcceptSocket */
    LONG SendFailures;   /* WskSend completions with a failure status */
} ECHO_SERVER_STATS, *PECHO_SERVER_STATS;

/* Registers with WSK, preallocates PoolSize send contexts (an IRP, a 16 KiB
 * buffer and its MDL each), starts the worker thread, and listens on Address
 * (port 0: any free port) with the accept, receive and disconnect events
 * enabled on the listening socket, so that every accepted socket inherits the
 * connection events. *Port gets the port it listens on (host byte order).
 * At most MaxConnections are open at once; more are refused. */
NTSTATUS EchoServerStart(const SOCKADDR *Address, ULONG MaxConnections, ULONG PoolSize, USHORT *Port);

/* Closes the listening socket and every connection, waits for them, stops
 * the worker thread, frees the contexts and deregisters. */
NTSTATUS EchoServerStop(VOID);

VOID EchoServerQueryStats(PECHO_SERVER_STATS Stats);

EXTERN_C_END

#endif
