/* Entry points of the WSK registration test driver, for the tests. */
#ifndef WSKEMU_TEST_WSK_REGISTRATION_DRIVER_H
#define WSKEMU_TEST_WSK_REGISTRATION_DRIVER_H

#include <ntddk.h>
#include <wsk.h>

EXTERN_C_START

/* What the driver saw while loading, for the test to check. */
typedef struct _WSK_REGISTRATION_DRIVER_RESULT {
    NTSTATUS RegisterStatus;
    NTSTATUS CaptureStatus;
    NTSTATUS SizeQueryStatus;    /* first WSK_TRANSPORT_LIST_QUERY, no buffer */
    SIZE_T RequiredSize;         /* size it returned */
    NTSTATUS ListQueryStatus;    /* second query, buffer of RequiredSize */
    SIZE_T ListSize;             /* size the second query returned */
    ULONG TransportCount;
    WSK_TRANSPORT Transports[8]; /* the first TransportCount entries */
    USHORT ProviderVersion;      /* WSK_PROVIDER_DISPATCH.Version */
} WSK_REGISTRATION_DRIVER_RESULT, *PWSK_REGISTRATION_DRIVER_RESULT;

/* DriverEntry: registers with WSK, captures the provider NPI (waiting as long
 * as it takes) and lists the transports with the two-call pattern. Sets
 * DriverObject->DriverUnload. */
DRIVER_INITIALIZE WskRegistrationDriverEntry;

/* The result of the last WskRegistrationDriverEntry. */
VOID WskRegistrationDriverGetResult(PWSK_REGISTRATION_DRIVER_RESULT Result);

EXTERN_C_END

#endif
