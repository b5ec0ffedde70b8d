/* Entry points of the WSK accept server test driver, for the tests. */
#ifndef WSKEMU_TEST_WSK_ACCEPT_SERVER_DRIVER_H
#define WSKEMU_TEST_WSK_ACCEPT_SERVER_DRIVER_H

#include <ntddk.h>
#include <wsk.h>

EXTERN_C_START

typedef struct _WSK_ACCEPT_SERVER WSK_ACCEPT_SERVER, *PWSK_ACCEPT_SERVER;

/* How the server takes its connections. */
typedef enum _WSK_ACCEPT_SERVER_MODE {
    AcceptServerWithWskAccept, /* WskAccept in a loop, the synchronous KEVENT pattern */
    AcceptServerWithAcceptEvent /* WskAcceptEvent; each connection served by completion routines */
} WSK_ACCEPT_SERVER_MODE;

/* Registers, captures the provider NPI, creates a listening socket of
 * Family (AF_INET or AF_INET6) bound to the loopback address, port 0, and in
 * event mode enables WSK_EVENT_ACCEPT. Every connection is served the same
 * way: Length bytes are received (WSK_FLAG_WAITALL), sent back, and the
 * socket closed. *Port is the listening port (network byte order). */
NTSTATUS WskAcceptServerOpen(ADDRESS_FAMILY Family, WSK_ACCEPT_SERVER_MODE Mode, ULONG Length,
                             PWSK_ACCEPT_SERVER *Server, USHORT *Port);

/* WskAccept mode: accepts and serves Count connections, one after the
 * other, with one IRP reused for every call. Returns the first failure. */
NTSTATUS WskAcceptServerServe(PWSK_ACCEPT_SERVER Server, ULONG Count);

/* Event mode: waits (up to TimeoutMs) until Count connections were served. */
NTSTATUS WskAcceptServerWait(PWSK_ACCEPT_SERVER Server, ULONG Count, ULONG TimeoutMs);

/* Connections served so far, and failures seen by the completion routines. */
ULONG WskAcceptServerServed(PWSK_ACCEPT_SERVER Server);
ULONG WskAcceptServerFailures(PWSK_ACCEPT_SERVER Server);

/* Closes the listening socket, waits for the connections still being
 * served, releases the NPI and deregisters (WskDeregister waits for every
 * socket). */
VOID WskAcceptServerClose(PWSK_ACCEPT_SERVER Server);

EXTERN_C_END

#endif
