/* A C11 driver with a control device, written as drivers are: dispatch
 * routines for create, cleanup, close and device control; one IOCTL per
 * transfer method; requests pended to a system thread that completes them;
 * a request that waits for cancellation with a cancel routine. It includes
 * only WDK headers. */
#include <ntddk.h>

#include "ioctl_driver.h"

typedef struct _IOCTL_EXTENSION {
    IOCTL_DRIVER_STATS Stats;
    KSPIN_LOCK QueueLock;
    LIST_ENTRY Queue; /* IOCTL_WSKEMU_LATER requests for the worker */
    KEVENT Work;      /* set when the queue gets work or the driver stops */
    BOOLEAN Stopping;
    PETHREAD Worker;
} IOCTL_EXTENSION, *PIOCTL_EXTENSION;

static UNICODE_STRING DeviceName = RTL_CONSTANT_STRING(IOCTL_DRIVER_DEVICE_NAME);
static UNICODE_STRING LinkName = RTL_CONSTANT_STRING(IOCTL_DRIVER_LINK_NAME);

static NTSTATUS IoctlComplete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information) {
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static VOID IoctlCount(ULONG *Counter) {
    InterlockedIncrement((volatile LONG *)Counter);
}

static DRIVER_DISPATCH IoctlCreate;
static NTSTATUS NTAPI IoctlCreate(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
    PIOCTL_EXTENSION ext = (PIOCTL_EXTENSION)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    PUNICODE_STRING name = &stack->FileObject->FileName;
    USHORT copy = min(name->Length, (USHORT)sizeof(ext->Stats.LastFileName));
    IoctlCount(&ext->Stats.Creates);
    ext->Stats.LastFileNameBytes = name->Length;
    RtlZeroMemory(ext->Stats.LastFileName, sizeof(ext->Stats.LastFileName));
    RtlCopyMemory(ext->Stats.LastFileName, name->Buffer, copy);
    ext->Stats.LastCreateAccess = stack->Parameters.Create.SecurityContext->DesiredAccess;
    return IoctlComplete(Irp, STATUS_SUCCESS, 0);
}

static DRIVER_DISPATCH IoctlCleanup;
static NTSTATUS NTAPI IoctlCleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
    IoctlCount(&((PIOCTL_EXTENSION)DeviceObject->DeviceExtension)->Stats.Cleanups);
    return IoctlComplete(Irp, STATUS_SUCCESS, 0);
}

static DRIVER_DISPATCH IoctlClose;
static NTSTATUS NTAPI IoctlClose(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
    IoctlCount(&((PIOCTL_EXTENSION)DeviceObject->DeviceExtension)->Stats.Closes);
    return IoctlComplete(Irp, STATUS_SUCCESS, 0);
}

static DRIVER_CANCEL IoctlCancel;
static VOID NTAPI IoctlCancel(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    IoctlCount(&((PIOCTL_EXTENSION)DeviceObject->DeviceExtension)->Stats.Cancelled);
    IoctlComplete(Irp, STATUS_CANCELLED, 0);
}

/* METHOD_NEITHER: the addresses are the caller's own; probe them when the
 * request came from user mode. */
static NTSTATUS IoctlFlipCase(PIRP Irp, PIO_STACK_LOCATION Stack) {
    PUCHAR input = (PUCHAR)Stack->Parameters.DeviceIoControl.Type3InputBuffer;
    PUCHAR output = (PUCHAR)Irp->UserBuffer;
    ULONG inLength = Stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG outLength = Stack->Parameters.DeviceIoControl.OutputBufferLength;
    volatile NTSTATUS status = STATUS_SUCCESS;
    ULONG i;
    if (outLength < inLength) {
        return IoctlComplete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    }
    __try {
        if (Irp->RequestorMode != KernelMode) {
            ProbeForRead(input, inLength, 1);
            ProbeForWrite(output, outLength, 1);
        }
        for (i = 0; i < inLength; ++i) {
            output[i] = (UCHAR)(input[i] ^ 0x20);
        }
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        status = GetExceptionCode();
    }
    return IoctlComplete(Irp, status, NT_SUCCESS(status) ? inLength : 0);
}

/* True if the stack location and IRP carry the buffers of the code's method,
 * as the I/O manager sets them up. */
static BOOLEAN IoctlParametersMatch(PIRP Irp, PIO_STACK_LOCATION Stack) {
    ULONG inLength = Stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG outLength = Stack->Parameters.DeviceIoControl.OutputBufferLength;
    switch (METHOD_FROM_CTL_CODE(Stack->Parameters.DeviceIoControl.IoControlCode)) {
    case METHOD_BUFFERED:
        return (inLength == 0 && outLength == 0) == (Irp->AssociatedIrp.SystemBuffer == NULL) &&
               Irp->MdlAddress == NULL;
    case METHOD_IN_DIRECT:
    case METHOD_OUT_DIRECT:
        return (inLength == 0) == (Irp->AssociatedIrp.SystemBuffer == NULL) &&
               (outLength == 0 ? Irp->MdlAddress == NULL
                               : Irp->MdlAddress != NULL && MmGetMdlByteCount(Irp->MdlAddress) == outLength);
    default:
        return Irp->AssociatedIrp.SystemBuffer == NULL && Irp->MdlAddress == NULL;
    }
}

static DRIVER_DISPATCH IoctlDeviceControl;
static NTSTATUS NTAPI IoctlDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
    PIOCTL_EXTENSION ext = (PIOCTL_EXTENSION)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG inLength = stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG outLength = stack->Parameters.DeviceIoControl.OutputBufferLength;
    PUCHAR system = (PUCHAR)Irp->AssociatedIrp.SystemBuffer;
    PUCHAR mapped;
    KIRQL irql;
    ULONG i;

    /* Requests may come from several threads at once. */
    InterlockedExchange((volatile LONG *)&ext->Stats.LastRequestorMode, (LONG)Irp->RequestorMode);
    InterlockedExchange64((volatile LONG64 *)&ext->Stats.LastFileObject, (LONG64)(ULONG_PTR)stack->FileObject);
    if (IoctlParametersMatch(Irp, stack)) {
        IoctlCount(&ext->Stats.ParametersChecked);
    }

    switch (stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_WSKEMU_REVERSE:
        if (outLength < inLength) {
            return IoctlComplete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        }
        for (i = 0; i < inLength / 2; ++i) {
            UCHAR byte = system[i];
            system[i] = system[inLength - 1 - i];
            system[inLength - 1 - i] = byte;
        }
        return IoctlComplete(Irp, STATUS_SUCCESS, inLength);

    case IOCTL_WSKEMU_COMPARE:
        if (Irp->MdlAddress == NULL) {
            return IoctlComplete(Irp, STATUS_INVALID_PARAMETER, 0);
        }
        mapped = (PUCHAR)MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority);
        if (mapped == NULL) {
            return IoctlComplete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
        }
        i = min(inLength, outLength);
        return IoctlComplete(Irp,
                             inLength == outLength && RtlCompareMemory(system, mapped, i) == i ? STATUS_SUCCESS
                                                                                               : STATUS_DATA_ERROR,
                             i);

    case IOCTL_WSKEMU_FILL:
        if (Irp->MdlAddress == NULL || inLength == 0) {
            return IoctlComplete(Irp, STATUS_INVALID_PARAMETER, 0);
        }
        mapped = (PUCHAR)MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority);
        if (mapped == NULL) {
            return IoctlComplete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
        }
        for (i = 0; i < outLength; ++i) {
            mapped[i] = (UCHAR)(system[0] + i);
        }
        return IoctlComplete(Irp, STATUS_SUCCESS, outLength);

    case IOCTL_WSKEMU_FLIP_CASE:
        return IoctlFlipCase(Irp, stack);

    case IOCTL_WSKEMU_LATER:
        if (outLength < inLength) {
            return IoctlComplete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        }
        IoMarkIrpPending(Irp);
        KeAcquireSpinLock(&ext->QueueLock, &irql);
        InsertTailList(&ext->Queue, &Irp->Tail.Overlay.ListEntry);
        KeReleaseSpinLock(&ext->QueueLock, irql);
        IoctlCount(&ext->Stats.Pended);
        KeSetEvent(&ext->Work, IO_NO_INCREMENT, FALSE);
        return STATUS_PENDING;

    case IOCTL_WSKEMU_WAIT_FOR_CANCEL:
        IoMarkIrpPending(Irp);
        IoSetCancelRoutine(Irp, IoctlCancel);
        if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL) {
            /* Cancelled before the routine was in place. */
            IoctlComplete(Irp, STATUS_CANCELLED, 0);
        }
        return STATUS_PENDING;

    case IOCTL_WSKEMU_STATS:
        if (outLength < sizeof(IOCTL_DRIVER_STATS)) {
            return IoctlComplete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        }
        RtlCopyMemory(system, &ext->Stats, sizeof(IOCTL_DRIVER_STATS));
        return IoctlComplete(Irp, STATUS_SUCCESS, sizeof(IOCTL_DRIVER_STATS));

    default:
        return IoctlComplete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

/* The worker: completes queued IOCTL_WSKEMU_LATER requests a little later,
 * from a system thread, with each byte incremented. */
static KSTART_ROUTINE IoctlWorker;
static VOID NTAPI IoctlWorker(PVOID Context) {
    PIOCTL_EXTENSION ext = (PIOCTL_EXTENSION)Context;
    LARGE_INTEGER delay;
    delay.QuadPart = -10 * 1000 * 10; /* 10 ms, so that the issuer is waiting */
    for (;;) {
        PLIST_ENTRY entry = NULL;
        KIRQL irql;
        BOOLEAN stopping = FALSE;
        KeWaitForSingleObject(&ext->Work, Executive, KernelMode, FALSE, NULL);
        for (;;) {
            PIRP irp;
            PIO_STACK_LOCATION stack;
            PUCHAR buffer;
            ULONG i;
            /* Stopping is read under the lock it is written under: a wake-up
             * for queued work may still be running when the unload sets it. */
            KeAcquireSpinLock(&ext->QueueLock, &irql);
            entry = IsListEmpty(&ext->Queue) ? NULL : RemoveHeadList(&ext->Queue);
            stopping = ext->Stopping;
            KeReleaseSpinLock(&ext->QueueLock, irql);
            if (entry == NULL) {
                break;
            }
            irp = CONTAINING_RECORD(entry, IRP, Tail.Overlay.ListEntry);
            stack = IoGetCurrentIrpStackLocation(irp);
            buffer = (PUCHAR)irp->AssociatedIrp.SystemBuffer;
            KeDelayExecutionThread(KernelMode, FALSE, &delay);
            for (i = 0; i < stack->Parameters.DeviceIoControl.InputBufferLength; ++i) {
                buffer[i] = (UCHAR)(buffer[i] + 1);
            }
            IoctlComplete(irp, STATUS_SUCCESS, stack->Parameters.DeviceIoControl.InputBufferLength);
        }
        if (stopping) {
            PsTerminateSystemThread(STATUS_SUCCESS);
        }
    }
}

static DRIVER_UNLOAD IoctlUnload;
static VOID NTAPI IoctlUnload(PDRIVER_OBJECT DriverObject) {
    PDEVICE_OBJECT device = DriverObject->DeviceObject;
    PIOCTL_EXTENSION ext = (PIOCTL_EXTENSION)device->DeviceExtension;
    KIRQL irql;
    IoDeleteSymbolicLink(&LinkName);
    KeAcquireSpinLock(&ext->QueueLock, &irql);
    ext->Stopping = TRUE;
    KeReleaseSpinLock(&ext->QueueLock, irql);
    KeSetEvent(&ext->Work, IO_NO_INCREMENT, FALSE);
    KeWaitForSingleObject(ext->Worker, Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(ext->Worker);
    IoDeleteDevice(device);
}

NTSTATUS NTAPI IoctlDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    PDEVICE_OBJECT device = NULL;
    PIOCTL_EXTENSION ext;
    HANDLE thread;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(RegistryPath);

    status = IoCreateDevice(DriverObject, sizeof(IOCTL_EXTENSION), &DeviceName, FILE_DEVICE_UNKNOWN,
                            FILE_DEVICE_SECURE_OPEN, FALSE, &device);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    ext = (PIOCTL_EXTENSION)device->DeviceExtension;
    KeInitializeSpinLock(&ext->QueueLock);
    InitializeListHead(&ext->Queue);
    KeInitializeEvent(&ext->Work, SynchronizationEvent, FALSE);
    status = IoCreateSymbolicLink(&LinkName, &DeviceName);
    if (!NT_SUCCESS(status)) {
        IoDeleteDevice(device);
        return status;
    }
    status = PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, NULL, NULL, NULL, IoctlWorker, ext);
    if (NT_SUCCESS(status)) {
        status = ObReferenceObjectByHandle(thread, THREAD_ALL_ACCESS, *PsThreadType, KernelMode,
                                           (PVOID *)&ext->Worker, NULL);
        ZwClose(thread);
    }
    if (!NT_SUCCESS(status)) {
        IoDeleteSymbolicLink(&LinkName);
        IoDeleteDevice(device);
        return status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = IoctlCreate;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = IoctlCleanup;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = IoctlClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = IoctlDeviceControl;
    DriverObject->DriverUnload = IoctlUnload;
    /* DO_DEVICE_INITIALIZING stays set: the I/O manager clears it for devices
     * created in DriverEntry. */
    return STATUS_SUCCESS;
}
