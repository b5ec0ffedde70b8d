/* A driver with a device and no dispatch routines. */
#include <ntddk.h>

#include "bare_driver.h"

static UNICODE_STRING DeviceName = RTL_CONSTANT_STRING(BARE_DRIVER_DEVICE_NAME);

static DRIVER_UNLOAD BareUnload;
static VOID NTAPI BareUnload(PDRIVER_OBJECT DriverObject) {
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS NTAPI BareDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    PDEVICE_OBJECT device = NULL;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(RegistryPath);
    status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
    if (NT_SUCCESS(status)) {
        DriverObject->DriverUnload = BareUnload;
    }
    return status;
}
