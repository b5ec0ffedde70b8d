/* A C11 driver's DriverEntry and DriverUnload with a control device and a
 * symbolic link, the usual shape. */
#include <ntddk.h>

#include "device_driver.h"

typedef struct _CONTROL_EXTENSION {
    ULONG Magic;
    ULONG Opens;
} CONTROL_EXTENSION, *PCONTROL_EXTENSION;

static UNICODE_STRING DeviceName = RTL_CONSTANT_STRING(L"\\Device\\WskemuTest");
static UNICODE_STRING LinkName = RTL_CONSTANT_STRING(L"\\DosDevices\\WskemuTest");

static DRIVER_DISPATCH DeviceDispatchCreateClose;
static NTSTATUS NTAPI DeviceDispatchCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

VOID NTAPI DeviceDriverUnload(PDRIVER_OBJECT DriverObject) {
    IoDeleteSymbolicLink(&LinkName);
    if (DriverObject->DeviceObject != NULL) {
        IoDeleteDevice(DriverObject->DeviceObject);
    }
}

NTSTATUS NTAPI DeviceDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    PDEVICE_OBJECT device = NULL;
    PCONTROL_EXTENSION extension;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(RegistryPath);

    status = IoCreateDevice(DriverObject, sizeof(CONTROL_EXTENSION), &DeviceName, FILE_DEVICE_UNKNOWN,
                            FILE_DEVICE_SECURE_OPEN, FALSE, &device);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    extension = (PCONTROL_EXTENSION)device->DeviceExtension;
    if (extension->Magic != 0 || extension->Opens != 0) {
        IoDeleteDevice(device);
        return STATUS_UNSUCCESSFUL; /* the extension must come zeroed */
    }
    extension->Magic = 0x57534B45;
    status = IoCreateSymbolicLink(&LinkName, &DeviceName);
    if (!NT_SUCCESS(status)) {
        IoDeleteDevice(device);
        return status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = DeviceDispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = DeviceDispatchCreateClose;
    DriverObject->DriverUnload = DeviceDriverUnload;
    device->Flags |= DO_BUFFERED_IO;
    device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
