/* Entry points of the WSK connection-event test driver, for the tests. */
#ifndef WSKEMU_TEST_WSK_EVENT_DRIVER_H
#define WSKEMU_TEST_WSK_EVENT_DRIVER_H

#include <ntddk.h>
#include <wsk.h>

EXTERN_C_START

/* How the driver's WskReceiveEvent answers. */
typedef enum _WSK_EVENT_DRIVER_MODE {
    /* Every indication is kept (STATUS_PENDING) and queued to a system worker
     * thread, which copies it out and calls WskRelease. */
    WskEventDriverRetain,
    /* The first indication is half accepted (*BytesAccepted); the worker then
     * posts a WskReceive for the rest, and later indications are consumed
     * whole. */
    WskEventDriverPartialAccept,
    /* The first callback spins (at DISPATCH_LEVEL) until the test lets it
     * return, for the races with close and disable; all bytes are consumed. */
    WskEventDriverHoldFirstCallback,
} WSK_EVENT_DRIVER_MODE;

typedef struct _WSK_EVENT_DRIVER WSK_EVENT_DRIVER, *PWSK_EVENT_DRIVER;

/* What the driver saw, for the test to check. */
typedef struct _WSK_EVENT_DRIVER_STATS {
    LONG Indications;         /* WskReceiveEvent calls with a list */
    LONG LongestChain;        /* most WSK_DATA_INDICATIONs in one list */
    LONG Retained;            /* lists kept with STATUS_PENDING */
    LONG Released;            /* WskRelease calls that succeeded */
    LONG PartialAccepts;      /* indications accepted in part */
    LONG PostedReceives;      /* WskReceive calls the worker made */
    LONG Disconnects;         /* WskDisconnectEvent calls */
    ULONG DisconnectFlags;    /* of the last one */
    LONG WrongIrql;           /* callbacks not at DISPATCH_LEVEL or without WSK_FLAG_AT_DISPATCH_LEVEL */
    LONG CallbacksAfterClose; /* callbacks that came after WskCloseSocket completed */
    LONG Overlaps;            /* callbacks that ran while another one of the socket ran */
    LONG DrainReceives;       /* WskReceive calls for bytes left behind a disconnect indicated while stopped */
    NTSTATUS FirstFailure;
} WSK_EVENT_DRIVER_STATS, *PWSK_EVENT_DRIVER_STATS;

/* Registers with WSK, starts the worker thread, connects a connection socket
 * to Remote (bound to the wildcard address of its family), and enables
 * WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT. Capacity bounds the bytes kept. */
NTSTATUS WskEventDriverStart(const SOCKADDR *Remote, WSK_EVENT_DRIVER_MODE Mode, SIZE_T Capacity,
                             PWSK_EVENT_DRIVER *Driver);

/* Waits up to TimeoutMs for WskDisconnectEvent and for the worker to finish
 * what it was given; then the bytes received so far are at *Received
 * (*Length of them, valid until WskEventDriverStop). */
NTSTATUS WskEventDriverWaitForDisconnect(PWSK_EVENT_DRIVER Driver, ULONG TimeoutMs, const UCHAR **Received,
                                         SIZE_T *Length);

/* Hold mode. Waits for the held callback, then calls WskCloseSocket with an
 * IRP; *CompletedWhileHeld says whether the close completed within 100 ms
 * while the callback still ran. Lets the callback return and waits for the
 * close; its status. */
NTSTATUS WskEventDriverCloseWhileHeld(PWSK_EVENT_DRIVER Driver, BOOLEAN *CompletedWhileHeld);

/* Hold mode. Waits for the held callback, then disables WSK_EVENT_RECEIVE,
 * with an IRP if UseIrp: *Returned is what WskControlSocket returned and
 * *CompletedWhileHeld whether the IRP completed while the callback ran. Lets
 * the callback return; the IRP's final status (or *Returned without one). */
NTSTATUS WskEventDriverDisableWhileHeld(PWSK_EVENT_DRIVER Driver, BOOLEAN UseIrp, NTSTATUS *Returned,
                                        BOOLEAN *CompletedWhileHeld);

/* Disables the events (waiting for a running callback), stops the worker,
 * releases what is still retained, closes the socket (if open), deregisters
 * and frees the driver. */
VOID WskEventDriverStop(PWSK_EVENT_DRIVER Driver, PWSK_EVENT_DRIVER_STATS Stats);

EXTERN_C_END

#endif
