/* Entry points of the run-time library test driver, for the tests. */
#ifndef WSKEMU_TEST_RTL_DRIVER_H
#define WSKEMU_TEST_RTL_DRIVER_H

#include <ntddk.h>

EXTERN_C_START
/* Parses "a.b.c.d:port" strictly and describes it in Output as
 * "\Device\RtlDriver tcp a.b.c.d port <port>", also sent with DbgPrint.
 * Returns the first failing status. */
NTSTATUS RtlDriverDescribeEndpoint(PCSTR AddressText, PCHAR Output, SIZE_T OutputSize);
/* Round-trips Text through ANSI_STRING -> UNICODE_STRING (pool) -> IPv6
 * parse and print; Output receives the printed address. */
NTSTATUS RtlDriverNormalizeIpv6(PCSTR Text, PCHAR Output, SIZE_T OutputSize);
EXTERN_C_END

#endif
