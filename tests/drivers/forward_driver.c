/* A C11 driver that sits over another one the way legacy drivers do: it
 * finds the lower device with IoGetDeviceObjectPointer, sizes its own stack
 * from it, forwards IRPs with IoCopyCurrentIrpStackLocationToNext, a
 * completion routine and IoCallDriver, and sends the lower driver IRPs of its
 * own with IoBuildDeviceIoControlRequest. It includes only WDK headers. */
#include <ntddk.h>

#include "forward_driver.h"

typedef struct _FORWARD_EXTENSION {
    PFILE_OBJECT LowerFile;
    PDEVICE_OBJECT LowerDevice;
    volatile LONG Forwarded;
    volatile LONG PendingReturned;
} FORWARD_EXTENSION, *PFORWARD_EXTENSION;

static UNICODE_STRING DeviceName = RTL_CONSTANT_STRING(FORWARD_DRIVER_DEVICE_NAME);
static UNICODE_STRING LowerName = RTL_CONSTANT_STRING(IOCTL_DRIVER_DEVICE_NAME);

static NTSTATUS ForwardComplete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information) {
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static DRIVER_DISPATCH ForwardCreateClose;
static NTSTATUS NTAPI ForwardCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
    UNREFERENCED_PARAMETER(DeviceObject);
    return ForwardComplete(Irp, STATUS_SUCCESS, 0);
}

static IO_COMPLETION_ROUTINE ForwardDone;
static NTSTATUS NTAPI ForwardDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    PFORWARD_EXTENSION ext = (PFORWARD_EXTENSION)Context;
    UNREFERENCED_PARAMETER(DeviceObject);
    /* The rule for a routine that lets completion continue. */
    if (Irp->PendingReturned) {
        IoMarkIrpPending(Irp);
        InterlockedIncrement(&ext->PendingReturned);
    }
    InterlockedIncrement(&ext->Forwarded);
    return STATUS_CONTINUE_COMPLETION;
}

/* Asks the lower driver for its counters with an IRP built for the purpose. */
static NTSTATUS ForwardQueryLower(PFORWARD_EXTENSION Ext, IOCTL_DRIVER_STATS *Stats) {
    KEVENT done;
    IO_STATUS_BLOCK iosb;
    NTSTATUS status;
    PIRP irp;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    irp = IoBuildDeviceIoControlRequest(IOCTL_WSKEMU_STATS, Ext->LowerDevice, NULL, 0, Stats,
                                        sizeof(IOCTL_DRIVER_STATS), FALSE, &done, &iosb);
    if (irp == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    IoGetNextIrpStackLocation(irp)->FileObject = Ext->LowerFile;
    status = IoCallDriver(Ext->LowerDevice, irp);
    if (status == STATUS_PENDING) {
        KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
        status = iosb.Status;
    }
    return status;
}

static DRIVER_DISPATCH ForwardDeviceControl;
static NTSTATUS NTAPI ForwardDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
    PFORWARD_EXTENSION ext = (PFORWARD_EXTENSION)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    if (stack->Parameters.DeviceIoControl.IoControlCode == IOCTL_FORWARD_STATS) {
        FORWARD_DRIVER_STATS *stats = (FORWARD_DRIVER_STATS *)Irp->AssociatedIrp.SystemBuffer;
        NTSTATUS status;
        if (stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(FORWARD_DRIVER_STATS)) {
            return ForwardComplete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        }
        status = ForwardQueryLower(ext, &stats->Lower);
        stats->Forwarded = (ULONG)ext->Forwarded;
        stats->PendingReturned = (ULONG)ext->PendingReturned;
        stats->LowerStackSize = (ULONG)ext->LowerDevice->StackSize;
        stats->StackSize = (ULONG)DeviceObject->StackSize;
        return ForwardComplete(Irp, status, NT_SUCCESS(status) ? sizeof(FORWARD_DRIVER_STATS) : 0);
    }
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoGetNextIrpStackLocation(Irp)->FileObject = ext->LowerFile;
    IoSetCompletionRoutine(Irp, ForwardDone, ext, TRUE, TRUE, TRUE);
    return IoCallDriver(ext->LowerDevice, Irp);
}

static DRIVER_UNLOAD ForwardUnload;
static VOID NTAPI ForwardUnload(PDRIVER_OBJECT DriverObject) {
    PDEVICE_OBJECT device = DriverObject->DeviceObject;
    PFORWARD_EXTENSION ext = (PFORWARD_EXTENSION)device->DeviceExtension;
    ObDereferenceObject(ext->LowerFile); /* the lower driver gets IRP_MJ_CLOSE */
    IoDeleteDevice(device);
}

NTSTATUS NTAPI ForwardDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    PDEVICE_OBJECT device = NULL;
    PFORWARD_EXTENSION ext;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(RegistryPath);

    status = IoCreateDevice(DriverObject, sizeof(FORWARD_EXTENSION), &DeviceName, FILE_DEVICE_UNKNOWN,
                            FILE_DEVICE_SECURE_OPEN, FALSE, &device);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    ext = (PFORWARD_EXTENSION)device->DeviceExtension;
    status = IoGetDeviceObjectPointer(&LowerName, FILE_READ_DATA | FILE_WRITE_DATA, &ext->LowerFile,
                                      &ext->LowerDevice);
    if (!NT_SUCCESS(status)) {
        IoDeleteDevice(device);
        return status;
    }
    /* One stack location for this driver above those the lower one needs. */
    device->StackSize = (CCHAR)(ext->LowerDevice->StackSize + 1);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = ForwardCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = ForwardCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = ForwardDeviceControl;
    DriverObject->DriverUnload = ForwardUnload;
    return STATUS_SUCCESS;
}
