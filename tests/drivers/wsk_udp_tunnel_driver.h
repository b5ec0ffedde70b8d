/* Entry points of the WSK UDP tunnel test driver, for the tests. */
#ifndef WSKEMU_TEST_WSK_UDP_TUNNEL_DRIVER_H
#define WSKEMU_TEST_WSK_UDP_TUNNEL_DRIVER_H

#include <ntddk.h>
#include <wsk.h>

EXTERN_C_START

/* The header the tunnel puts before each datagram it carries (all fields in
 * network byte order). */
#define WSK_UDP_TUNNEL_MAGIC 0x54554E31 /* "TUN1" */
typedef struct _WSK_UDP_TUNNEL_HEADER {
    ULONG Magic;
    ULONG Sequence; /* 1, 2, 3... per tunnel */
    ULONG Length;   /* of the payload that follows */
} WSK_UDP_TUNNEL_HEADER, *PWSK_UDP_TUNNEL_HEADER;

typedef struct _WSK_UDP_TUNNEL WSK_UDP_TUNNEL, *PWSK_UDP_TUNNEL;

/* What the tunnel did, for the test to check. */
typedef struct _WSK_UDP_TUNNEL_STATS {
    LONG Encapsulated;    /* datagrams from the application sent into the tunnel */
    LONG Decapsulated;    /* datagrams from the tunnel sent to the application */
    LONG Rejected;        /* datagrams from the far end with a bad header */
    LONG Batches;         /* WskSendMessages calls (one per indication chain) */
    LONG LongestBatch;    /* most datagrams in one of them */
    LONG SendFailures;    /* WskSendMessages that completed with a failure */
    LONG DeadIndications; /* NULL indications (a socket died) */
    NTSTATUS FirstFailure;
} WSK_UDP_TUNNEL_STATS, *PWSK_UDP_TUNNEL_STATS;

/* Registers with WSK and opens the tunnel: an inner datagram socket on the
 * loopback address of Remote's family (the application sends there; its
 * address is returned in InnerAddress) and an outer one whose fixed peer
 * (SIO_WSK_SET_REMOTE_ADDRESS) is Remote, the far end. Each chain of
 * datagrams the inner socket indicates is retained (STATUS_PENDING), sent
 * on with one WskSendMessages, each datagram behind a header MDL that
 * chains to the indication's own MDL (no copy), and released with
 * WskRelease when the send completes. Datagrams from the far end are
 * checked, stripped of their header (a WSK_BUF offset into the indication)
 * and sent to the last application address the same way. */
NTSTATUS WskUdpTunnelStart(const SOCKADDR *Remote, PSOCKADDR InnerAddress, PWSK_UDP_TUNNEL *Tunnel);

/* Disables the events (waiting for a running callback), waits for every
 * send in flight, closes both sockets, deregisters, frees the tunnel. */
VOID WskUdpTunnelStop(PWSK_UDP_TUNNEL Tunnel, PWSK_UDP_TUNNEL_STATS Stats);

EXTERN_C_END

#endif
