/* A C11 test driver for kernel synchronisation: a system thread, KEVENTs, a
 * spin lock and a work item, used the way drivers use them. It includes only
 * WDK headers and builds against the real WDK too. */
#include <ntddk.h>

#include "sync_driver.h"

#define SYNC_TAG 'cnyS'

typedef struct _SYNC_CONTEXT {
    KSPIN_LOCK Lock;
    LONG Total;
    ULONG Rounds;
    KEVENT Go;          /* synchronisation: one per round, set by the test thread */
    KEVENT RoundDone;   /* synchronisation: set by the work item */
    PIO_WORKITEM WorkItem;
    PETHREAD DriverThread;
    LONG WorkerRuns;
    KIRQL WorkerIrql;
    KIRQL ThreadIrql;
    BOOLEAN WorkerOnOtherThread;
    BOOLEAN ThreadWasSystem;
    ULONG CurrentRound;
} SYNC_CONTEXT, *PSYNC_CONTEXT;

static DEVICE_OBJECT SyncFakeDevice; /* never looked into by IoAllocateWorkItem's user */

static VOID AddUnderLock(PSYNC_CONTEXT Context, LONG Amount) {
    KIRQL oldIrql;
    KeAcquireSpinLock(&Context->Lock, &oldIrql);
    Context->Total += Amount;
    KeReleaseSpinLock(&Context->Lock, oldIrql);
}

static VOID NTAPI SyncWorkRoutine(PDEVICE_OBJECT DeviceObject, PVOID Context) {
    PSYNC_CONTEXT context = (PSYNC_CONTEXT)Context;
    KLOCK_QUEUE_HANDLE handle;
    UNREFERENCED_PARAMETER(DeviceObject);
    context->WorkerIrql = KeGetCurrentIrql();
    context->WorkerOnOtherThread = (BOOLEAN)(PsGetCurrentThread() != context->DriverThread);
    KeAcquireInStackQueuedSpinLock(&context->Lock, &handle);
    context->Total += (LONG)context->CurrentRound;
    KeReleaseInStackQueuedSpinLock(&handle);
    InterlockedIncrement(&context->WorkerRuns);
    KeSetEvent(&context->RoundDone, IO_NO_INCREMENT, FALSE);
}

static VOID NTAPI SyncThreadRoutine(PVOID StartContext) {
    PSYNC_CONTEXT context = (PSYNC_CONTEXT)StartContext;
    ULONG round;
    context->DriverThread = PsGetCurrentThread();
    context->ThreadIrql = KeGetCurrentIrql();
    context->ThreadWasSystem = PsIsSystemThread(PsGetCurrentThread());
    for (round = 1; round <= context->Rounds; round++) {
        LARGE_INTEGER timeout;
        timeout.QuadPart = -50000000LL; /* 5 s */
        if (KeWaitForSingleObject(&context->Go, Executive, KernelMode, FALSE, &timeout) != STATUS_SUCCESS) {
            break;
        }
        context->CurrentRound = round;
        AddUnderLock(context, (LONG)round);
        IoQueueWorkItem(context->WorkItem, SyncWorkRoutine, DelayedWorkQueue, context);
        KeWaitForSingleObject(&context->RoundDone, Executive, KernelMode, FALSE, NULL);
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}

NTSTATUS SyncDriverRun(ULONG Rounds, PSYNC_DRIVER_RESULT Result) {
    PSYNC_CONTEXT context;
    HANDLE threadHandle = NULL;
    PVOID threadObject = NULL;
    NTSTATUS status;
    ULONG round;

    context = (PSYNC_CONTEXT)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*context), SYNC_TAG);
    if (context == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    KeInitializeSpinLock(&context->Lock);
    KeInitializeEvent(&context->Go, SynchronizationEvent, FALSE);
    KeInitializeEvent(&context->RoundDone, SynchronizationEvent, FALSE);
    context->Rounds = Rounds;
    context->WorkItem = IoAllocateWorkItem(&SyncFakeDevice);
    if (context->WorkItem == NULL) {
        ExFreePoolWithTag(context, SYNC_TAG);
        return STATUS_INSUFFICIENT_RESOURCES;
    }

    status = PsCreateSystemThread(&threadHandle, THREAD_ALL_ACCESS, NULL, NULL, NULL, SyncThreadRoutine, context);
    if (!NT_SUCCESS(status)) {
        IoFreeWorkItem(context->WorkItem);
        ExFreePoolWithTag(context, SYNC_TAG);
        return status;
    }
    status = ObReferenceObjectByHandle(threadHandle, SYNCHRONIZE, *PsThreadType, KernelMode, &threadObject, NULL);
    ZwClose(threadHandle);
    if (!NT_SUCCESS(status)) {
        return status;
    }

    for (round = 0; round < Rounds; round++) {
        /* Each round is consumed before the next set, so none are merged. */
        while (KeReadStateEvent(&context->Go) != 0) {
            LARGE_INTEGER shortDelay;
            shortDelay.QuadPart = -10000; /* 1 ms */
            KeDelayExecutionThread(KernelMode, FALSE, &shortDelay);
        }
        KeSetEvent(&context->Go, IO_NO_INCREMENT, FALSE);
    }
    KeWaitForSingleObject(threadObject, Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(threadObject);

    Result->Total = context->Total;
    Result->WorkerRuns = context->WorkerRuns;
    Result->WorkerIrql = context->WorkerIrql;
    Result->ThreadIrql = context->ThreadIrql;
    Result->WorkerOnOtherThread = context->WorkerOnOtherThread;
    Result->ThreadWasSystem = context->ThreadWasSystem;
    IoFreeWorkItem(context->WorkItem);
    ExFreePoolWithTag(context, SYNC_TAG);
    return STATUS_SUCCESS;
}

static volatile LONG SyncReached;

static VOID TerminateFromDeepInside(VOID) {
    InterlockedOr(&SyncReached, 1);
    PsTerminateSystemThread(STATUS_CANCELLED);
    InterlockedOr(&SyncReached, 2);
}

static VOID NTAPI TerminatingThreadRoutine(PVOID StartContext) {
    UNREFERENCED_PARAMETER(StartContext);
    TerminateFromDeepInside();
    InterlockedOr(&SyncReached, 4);
}

NTSTATUS SyncDriverTerminateNested(PLONG Reached) {
    HANDLE threadHandle;
    PVOID threadObject;
    NTSTATUS status;
    LARGE_INTEGER timeout;

    SyncReached = 0;
    status = PsCreateSystemThread(&threadHandle, THREAD_ALL_ACCESS, NULL, NULL, NULL, TerminatingThreadRoutine, NULL);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = ObReferenceObjectByHandle(threadHandle, SYNCHRONIZE, *PsThreadType, KernelMode, &threadObject, NULL);
    ZwClose(threadHandle);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    timeout.QuadPart = -50000000LL;
    status = KeWaitForSingleObject(threadObject, Executive, KernelMode, FALSE, &timeout);
    ObDereferenceObject(threadObject);
    *Reached = SyncReached;
    return status;
}
