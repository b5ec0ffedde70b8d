/* A tour of the emulated kernel, written as a two-level WDM driver stack:
 * the upper level issues write IRPs it allocated itself (the pattern WSK
 * clients use), the lower level queues them, with a cancel routine, for a
 * system thread that completes them. It includes only WDK headers and would
 * build against the WDK as it is. */
#include <ntddk.h>

#include "tour_driver.h"

#define TOUR_TAG 'ruoT'

typedef struct _LOWER_EXTENSION {
    KSPIN_LOCK Lock;
    LIST_ENTRY Queue;
    KEVENT WorkAvailable;
    BOOLEAN Stopping;
    BOOLEAN Paused;
    PETHREAD Worker;
} LOWER_EXTENSION, *PLOWER_EXTENSION;

static DRIVER_OBJECT LowerDriver;
static DEVICE_OBJECT LowerDevice;
static LOWER_EXTENSION LowerExtension;

static DRIVER_CANCEL LowerCancel;
static VOID NTAPI LowerCancel(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
    PLOWER_EXTENSION ext = (PLOWER_EXTENSION)DeviceObject->DeviceExtension;
    KIRQL irql;
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    KeAcquireSpinLock(&ext->Lock, &irql);
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
    KeReleaseSpinLock(&ext->Lock, irql);
    DbgPrint("tour: lower: IRP %p cancelled while queued\n", Irp);
    Irp->IoStatus.Status = STATUS_CANCELLED;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

static DRIVER_DISPATCH LowerWrite;
static NTSTATUS NTAPI LowerWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
    PLOWER_EXTENSION ext = (PLOWER_EXTENSION)DeviceObject->DeviceExtension;
    KIRQL irql;
    IoMarkIrpPending(Irp);
    KeAcquireSpinLock(&ext->Lock, &irql);
    IoSetCancelRoutine(Irp, LowerCancel);
    if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL) {
        KeReleaseSpinLock(&ext->Lock, irql);
        Irp->IoStatus.Status = STATUS_CANCELLED;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return STATUS_PENDING;
    }
    InsertTailList(&ext->Queue, &Irp->Tail.Overlay.ListEntry);
    KeReleaseSpinLock(&ext->Lock, irql);
    KeSetEvent(&ext->WorkAvailable, IO_NO_INCREMENT, FALSE);
    return STATUS_PENDING;
}

/* Adds up the bytes the IRP's MDL describes, as a device would consume them. */
static ULONG Checksum(PIRP Irp, ULONG Length) {
    PUCHAR data = (PUCHAR)MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority | MdlMappingNoExecute);
    ULONG sum = 0;
    ULONG i;
    if (data == NULL) {
        return 0;
    }
    for (i = 0; i < Length; i++) {
        sum += data[i];
    }
    return sum;
}

static KSTART_ROUTINE LowerWorker;
static VOID NTAPI LowerWorker(PVOID Context) {
    PLOWER_EXTENSION ext = (PLOWER_EXTENSION)Context;
    for (;;) {
        KIRQL irql;
        PIRP irp = NULL;
        KeWaitForSingleObject(&ext->WorkAvailable, Executive, KernelMode, FALSE, NULL);
        KeAcquireSpinLock(&ext->Lock, &irql);
        while (!ext->Paused && !IsListEmpty(&ext->Queue)) {
            PLIST_ENTRY entry = RemoveHeadList(&ext->Queue);
            irp = CONTAINING_RECORD(entry, IRP, Tail.Overlay.ListEntry);
            if (IoSetCancelRoutine(irp, NULL) == NULL) {
                /* The cancel routine is running; it owns the IRP now. */
                InitializeListHead(entry);
                continue;
            }
            KeReleaseSpinLock(&ext->Lock, irql);
            {
                PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(irp);
                ULONG length = sp->Parameters.Write.Length;
                ULONG sum = Checksum(irp, length);
                DbgPrint("tour: lower: wrote %lu bytes, checksum %lu\n", length, sum);
                irp->IoStatus.Status = STATUS_SUCCESS;
                irp->IoStatus.Information = length;
                IoCompleteRequest(irp, IO_NO_INCREMENT);
            }
            KeAcquireSpinLock(&ext->Lock, &irql);
        }
        if (ext->Stopping) {
            KeReleaseSpinLock(&ext->Lock, irql);
            break;
        }
        KeReleaseSpinLock(&ext->Lock, irql);
    }
    DbgPrint("tour: lower: worker thread exits\n");
    PsTerminateSystemThread(STATUS_SUCCESS);
}

NTSTATUS TourStart(void) {
    HANDLE thread;
    NTSTATUS status;
    OBJECT_ATTRIBUTES attributes;
    UNICODE_STRING name;

    RtlInitUnicodeString(&name, L"\\Driver\\TourLower");
    LowerDriver.Type = IO_TYPE_DRIVER;
    LowerDriver.DriverName = name;
    LowerDriver.MajorFunction[IRP_MJ_WRITE] = LowerWrite;
    LowerDevice.Type = IO_TYPE_DEVICE;
    LowerDevice.DriverObject = &LowerDriver;
    LowerDevice.DeviceExtension = &LowerExtension;
    LowerDevice.StackSize = 1;
    LowerDevice.Flags = DO_DIRECT_IO;

    KeInitializeSpinLock(&LowerExtension.Lock);
    InitializeListHead(&LowerExtension.Queue);
    KeInitializeEvent(&LowerExtension.WorkAvailable, SynchronizationEvent, FALSE);
    LowerExtension.Stopping = FALSE;
    LowerExtension.Paused = FALSE;

    InitializeObjectAttributes(&attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    status = PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, &attributes, NULL, NULL, LowerWorker, &LowerExtension);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = ObReferenceObjectByHandle(thread, THREAD_ALL_ACCESS, *PsThreadType, KernelMode,
                                       (PVOID *)&LowerExtension.Worker, NULL);
    ZwClose(thread);
    DbgPrint("tour: %wZ started its worker thread: %s\n", &LowerDriver.DriverName,
             NT_SUCCESS(status) ? "ok" : "failed");
    return status;
}

static IO_COMPLETION_ROUTINE UpperComplete;
static NTSTATUS NTAPI UpperComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* One synchronous write through the stack, reusing the caller's IRP. */
static NTSTATUS UpperWrite(PIRP Irp, PUCHAR Data, ULONG Length, BOOLEAN CancelIt, PULONG_PTR Written) {
    KEVENT done;
    NTSTATUS status;
    PIO_STACK_LOCATION next;
    PMDL mdl;

    KeInitializeEvent(&done, NotificationEvent, FALSE);
    IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
    mdl = IoAllocateMdl(Data, Length, FALSE, FALSE, Irp);
    if (mdl == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    MmBuildMdlForNonPagedPool(mdl);
    next = IoGetNextIrpStackLocation(Irp);
    next->MajorFunction = IRP_MJ_WRITE;
    next->Parameters.Write.Length = Length;
    IoSetCompletionRoutine(Irp, UpperComplete, &done, TRUE, TRUE, TRUE);

    status = IoCallDriver(&LowerDevice, Irp);
    if (status == STATUS_PENDING) {
        if (CancelIt) {
            IoCancelIrp(Irp);
        }
        KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
        status = Irp->IoStatus.Status;
    }
    *Written = Irp->IoStatus.Information;
    Irp->MdlAddress = NULL;
    IoFreeMdl(mdl);
    return status;
}

ULONG TourRun(ULONG Count) {
    ULONG good = 0;
    ULONG i;
    KIRQL irql;
    PIRP irp = IoAllocateIrp(LowerDevice.StackSize, FALSE);
    PUCHAR data = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, 64 * Count + 1, TOUR_TAG);
    if (irp == NULL || data == NULL) {
        if (irp != NULL) {
            IoFreeIrp(irp);
        }
        if (data != NULL) {
            ExFreePoolWithTag(data, TOUR_TAG);
        }
        return 0;
    }
    for (i = 0; i < 64 * Count + 1; i++) {
        data[i] = (UCHAR)(i * 7);
    }
    for (i = 1; i <= Count; i++) {
        ULONG_PTR written = 0;
        BOOLEAN cancel = (i == Count);
        NTSTATUS status;
        if (cancel) {
            /* Hold the worker so that the last write is still queued when it is cancelled. */
            KeAcquireSpinLock(&LowerExtension.Lock, &irql);
            LowerExtension.Paused = TRUE;
            KeReleaseSpinLock(&LowerExtension.Lock, irql);
        }
        status = UpperWrite(irp, data, 64 * i, cancel, &written);
        DbgPrint("tour: upper: write of %lu bytes completed with 0x%08lX, Information %Iu\n", 64 * i, status, written);
        if ((!cancel && status == STATUS_SUCCESS && written == 64 * i) ||
            (cancel && status == STATUS_CANCELLED && written == 0)) {
            good++;
        }
    }
    KeAcquireSpinLock(&LowerExtension.Lock, &irql);
    LowerExtension.Paused = FALSE;
    KeReleaseSpinLock(&LowerExtension.Lock, irql);
    IoFreeIrp(irp);
    ExFreePoolWithTag(data, TOUR_TAG);
    return good;
}

VOID TourStop(void) {
    KIRQL irql;
    KeAcquireSpinLock(&LowerExtension.Lock, &irql);
    LowerExtension.Stopping = TRUE;
    KeReleaseSpinLock(&LowerExtension.Lock, irql);
    KeSetEvent(&LowerExtension.WorkAvailable, IO_NO_INCREMENT, FALSE);
    KeWaitForSingleObject(LowerExtension.Worker, Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(LowerExtension.Worker);
    DbgPrint("tour: stopped\n");
}
