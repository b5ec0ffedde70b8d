/* A framing layer over WSK: sends length-prefixed messages on a TCP
 * connection with a fixed pool of reusable send slots (IRP, buffers, MDL
 * chain). Written against the WDK only. */
#ifndef FRAMED_SENDER_H
#define FRAMED_SENDER_H

#include <ntddk.h>
#include <wsk.h>

EXTERN_C_START

/* The largest message one frame carries. */
#define FRAMED_SENDER_MAX_MESSAGE 65536

typedef struct _FRAMED_SENDER FRAMED_SENDER, *PFRAMED_SENDER;

typedef struct _FRAMED_SENDER_STATS {
    ULONG64 MessagesSent;        /* frames whose send completed with success */
    ULONG64 BytesSent;           /* bytes the completed sends reported, headers included */
    ULONG InlineCompletions;     /* sends whose WskSend returned the result */
    ULONG PendingCompletions;    /* sends whose WskSend returned STATUS_PENDING */
    NTSTATUS FirstError;         /* the first failed send's status, or STATUS_SUCCESS */
} FRAMED_SENDER_STATS, *PFRAMED_SENDER_STATS;

/* Registers with WSK, connects to Remote (WskSocketConnect from the wildcard
 * address of its family) and prepares SlotCount send slots. PASSIVE_LEVEL. */
NTSTATUS FramedSenderOpen(const SOCKADDR *Remote, ULONG SlotCount, PFRAMED_SENDER *Sender);

/* Sends one frame: a 4-byte big-endian length, then Message. Copies the
 * message into a free slot (waiting up to Timeout for one; NULL waits for
 * ever) and starts the send; returns once the send is started or has
 * completed. STATUS_TIMEOUT when no slot became free; the first send error
 * once one has happened (the connection is then unusable). PASSIVE_LEVEL. */
NTSTATUS FramedSenderSend(PFRAMED_SENDER Sender, const VOID *Message, ULONG Length, PLARGE_INTEGER Timeout);

/* Waits until every started send has completed (up to Timeout); returns the
 * first send error, STATUS_TIMEOUT, or STATUS_SUCCESS. PASSIVE_LEVEL. */
NTSTATUS FramedSenderFlush(PFRAMED_SENDER Sender, PLARGE_INTEGER Timeout);

VOID FramedSenderQueryStats(PFRAMED_SENDER Sender, PFRAMED_SENDER_STATS Stats);

/* Waits for the sends in flight; unless a send failed, disconnects
 * gracefully and waits (5 s at most) for the peer's FIN; closes the socket,
 * deregisters and frees everything. PASSIVE_LEVEL. */
VOID FramedSenderClose(PFRAMED_SENDER Sender);

EXTERN_C_END

#endif
