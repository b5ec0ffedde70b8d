/* A C11 test driver for WSK registration, written the way drivers register:
 * WskRegister in DriverEntry, WskCaptureProviderNPI with WSK_INFINITE_WAIT, a
 * transport query with the two-call pattern; WskReleaseProviderNPI and
 * WskDeregister in DriverUnload. It includes only WDK headers and builds
 * against the real WDK too. */
#include <ntddk.h>
#include <wsk.h>

#include "wsk_registration_driver.h"

#define WSKREG_TAG 'gRkW'

static const WSK_CLIENT_DISPATCH WskRegClientDispatch = {
    MAKE_WSK_VERSION(1, 0), /* Version */
    0,                      /* Reserved */
    NULL                    /* WskClientEvent: not required for 1.0 */
};

static WSK_REGISTRATION WskRegRegistration;
static WSK_PROVIDER_NPI WskRegProvider;
static BOOLEAN WskRegRegistered;
static BOOLEAN WskRegCaptured;
static WSK_REGISTRATION_DRIVER_RESULT WskRegResult;

static DRIVER_UNLOAD WskRegistrationDriverUnload;

static NTSTATUS WskRegQueryTransports(VOID) {
    SIZE_T required = 0;
    SIZE_T returned = 0;
    PWSK_TRANSPORT transports;
    NTSTATUS status;
    ULONG count;
    ULONG i;

    /* First call: no buffer, learn the size. */
    status = WskRegProvider.Dispatch->WskControlClient(WskRegProvider.Client, WSK_TRANSPORT_LIST_QUERY, 0, NULL, 0,
                                                       NULL, &required, NULL);
    WskRegResult.SizeQueryStatus = status;
    WskRegResult.RequiredSize = required;
    if (status != STATUS_BUFFER_OVERFLOW || required == 0) {
        return NT_SUCCESS(status) ? STATUS_UNSUCCESSFUL : status;
    }

    transports = (PWSK_TRANSPORT)ExAllocatePool2(POOL_FLAG_NON_PAGED, required, WSKREG_TAG);
    if (transports == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    status = WskRegProvider.Dispatch->WskControlClient(WskRegProvider.Client, WSK_TRANSPORT_LIST_QUERY, 0, NULL,
                                                       required, transports, &returned, NULL);
    WskRegResult.ListQueryStatus = status;
    WskRegResult.ListSize = returned;
    if (NT_SUCCESS(status)) {
        count = (ULONG)(returned / sizeof(WSK_TRANSPORT));
        WskRegResult.TransportCount = count;
        for (i = 0; i < count && i < ARRAYSIZE(WskRegResult.Transports); i++) {
            WskRegResult.Transports[i] = transports[i];
        }
    }
    ExFreePoolWithTag(transports, WSKREG_TAG);
    return status;
}

static VOID WskRegCleanup(VOID) {
    if (WskRegCaptured) {
        WskReleaseProviderNPI(&WskRegRegistration);
        WskRegCaptured = FALSE;
    }
    if (WskRegRegistered) {
        WskDeregister(&WskRegRegistration);
        WskRegRegistered = FALSE;
    }
}

NTSTATUS NTAPI WskRegistrationDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    WSK_CLIENT_NPI clientNpi;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlZeroMemory(&WskRegResult, sizeof(WskRegResult));

    clientNpi.ClientContext = NULL;
    clientNpi.Dispatch = &WskRegClientDispatch;
    status = WskRegister(&clientNpi, &WskRegRegistration);
    WskRegResult.RegisterStatus = status;
    if (!NT_SUCCESS(status)) {
        return status;
    }
    WskRegRegistered = TRUE;

    status = WskCaptureProviderNPI(&WskRegRegistration, WSK_INFINITE_WAIT, &WskRegProvider);
    WskRegResult.CaptureStatus = status;
    if (!NT_SUCCESS(status)) {
        WskRegCleanup();
        return status;
    }
    WskRegCaptured = TRUE;
    WskRegResult.ProviderVersion = WskRegProvider.Dispatch->Version;

    status = WskRegQueryTransports();
    if (!NT_SUCCESS(status)) {
        WskRegCleanup();
        return status;
    }
    DriverObject->DriverUnload = WskRegistrationDriverUnload;
    return STATUS_SUCCESS;
}

static VOID NTAPI WskRegistrationDriverUnload(PDRIVER_OBJECT DriverObject) {
    UNREFERENCED_PARAMETER(DriverObject);
    WskRegCleanup();
}

VOID WskRegistrationDriverGetResult(PWSK_REGISTRATION_DRIVER_RESULT Result) { *Result = WskRegResult; }
