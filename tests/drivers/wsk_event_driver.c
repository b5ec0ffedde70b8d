/* A C11 test driver: a stream consumer written the way connection-socket
 * drivers use WSK event callbacks. WskReceiveEvent either keeps each
 * indication (STATUS_PENDING) for a system worker thread that copies it out
 * and calls WskRelease, or accepts part of the first one (*BytesAccepted) and
 * has the worker post a WskReceive for the rest, or holds the first callback
 * while the test closes the socket or disables the event. WskDisconnectEvent
 * signals a KEVENT. Setup and teardown use one IRP in the synchronous KEVENT
 * pattern, reused with IoReuseIrp. Only WDK headers. */
#include <ntddk.h>
#include <wsk.h>

#include "wsk_event_driver.h"

#define EVENT_DRIVER_TAG 'vEkW'
#define EVENT_DRIVER_QUEUE 512
#define EVENT_DRIVER_RECEIVE_SIZE 65536

struct _WSK_EVENT_DRIVER {
    WSK_REGISTRATION Registration;
    WSK_PROVIDER_NPI Provider;
    PWSK_SOCKET Socket;
    WSK_EVENT_DRIVER_MODE Mode;
    KSPIN_LOCK Lock; /* guards Queue, Received/Length, Stats */
    PWSK_DATA_INDICATION Queue[EVENT_DRIVER_QUEUE];
    ULONG Head;
    ULONG Count;
    PUCHAR Received;
    SIZE_T Capacity;
    SIZE_T Length;
    KEVENT Work;         /* synchronization: the worker has something to do */
    KEVENT Idle;         /* notification: the worker has nothing left to do */
    KEVENT Disconnected; /* notification: WskDisconnectEvent came */
    KEVENT Held;         /* notification: the first callback is being held */
    volatile LONG LetGo;       /* the held callback may return */
    volatile LONG FirstDone;   /* the first indication was answered */
    volatile LONG PartialLeft; /* a partial accept left bytes: the worker posts a WskReceive */
    volatile LONG ReceiveSettled; /* that WskReceive completed: indications resumed */
    volatile LONG DrainLeft;   /* a graceful disconnect came while indications were stopped */
    volatile LONG Stopping;
    volatile LONG Closed;
    volatile LONG Running; /* callbacks running now */
    PVOID Thread;
    /* The worker's WskReceive. */
    PIRP ReceiveIrp;
    PUCHAR ReceiveBuffer;
    PMDL ReceiveMdl;
    KEVENT ReceiveDone;
    WSK_EVENT_DRIVER_STATS Stats;
};

static NTSTATUS WSKAPI EventDriverReceive(PVOID SocketContext, ULONG Flags, PWSK_DATA_INDICATION DataIndication,
                                          SIZE_T BytesIndicated, SIZE_T *BytesAccepted);
static NTSTATUS WSKAPI EventDriverDisconnect(PVOID SocketContext, ULONG Flags);

static const WSK_CLIENT_DISPATCH EventDriverClientDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};
static const WSK_CLIENT_CONNECTION_DISPATCH EventDriverEvents = {EventDriverReceive, EventDriverDisconnect, NULL};

static const WSK_PROVIDER_CONNECTION_DISPATCH *EventDriverTable(PWSK_SOCKET Socket) {
    return (const WSK_PROVIDER_CONNECTION_DISPATCH *)Socket->Dispatch;
}

/* ---- the synchronous pattern ---------------------------------------------------- */

static IO_COMPLETION_ROUTINE EventDriverSignal;
static NTSTATUS EventDriverSignal(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static VOID EventDriverPrepare(PIRP Irp, PKEVENT Event) {
    KeResetEvent(Event);
    IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Irp, EventDriverSignal, Event, TRUE, TRUE, TRUE);
}

static NTSTATUS EventDriverWait(NTSTATUS Status, PIRP Irp, PKEVENT Event) {
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(Event, Executive, KernelMode, FALSE, NULL);
        Status = Irp->IoStatus.Status;
    }
    return Status;
}

/* SO_WSK_EVENT_CALLBACK: enabling takes no IRP; a disable may have one. */
static NTSTATUS EventDriverControl(PWSK_SOCKET Socket, ULONG Mask, PIRP Irp) {
    WSK_EVENT_CALLBACK_CONTROL control;
    control.NpiId = (PNPIID)&NPI_WSK_INTERFACE_ID;
    control.EventMask = Mask;
    return EventDriverTable(Socket)->WskControlSocket(Socket, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET,
                                                            sizeof(control), &control, 0, NULL, NULL, Irp);
}

static VOID EventDriverFailed(PWSK_EVENT_DRIVER Driver, NTSTATUS Status) {
    KIRQL irql;
    KeAcquireSpinLock(&Driver->Lock, &irql);
    if (NT_SUCCESS(Driver->Stats.FirstFailure)) {
        Driver->Stats.FirstFailure = Status;
    }
    KeReleaseSpinLock(&Driver->Lock, irql);
}

/* ---- the bytes ------------------------------------------------------------------ */

/* Appends up to Limit bytes of an indication chain (all with (SIZE_T)-1). */
static VOID EventDriverCopy(PWSK_EVENT_DRIVER Driver, PWSK_DATA_INDICATION List, SIZE_T Limit) {
    KIRQL irql;
    KeAcquireSpinLock(&Driver->Lock, &irql);
    for (; List != NULL && Limit > 0; List = List->Next) {
        SIZE_T left = List->Buffer.Length;
        ULONG offset = List->Buffer.Offset;
        PMDL mdl;
        for (mdl = List->Buffer.Mdl; mdl != NULL && left > 0 && Limit > 0; mdl = mdl->Next) {
            PUCHAR base = (PUCHAR)MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority);
            SIZE_T take = MmGetMdlByteCount(mdl) - offset;
            if (take > left) {
                take = left;
            }
            if (take > Limit) {
                take = Limit;
            }
            if (take > Driver->Capacity - Driver->Length) {
                take = Driver->Capacity - Driver->Length;
            }
            RtlCopyMemory(Driver->Received + Driver->Length, base + offset, take);
            Driver->Length += take;
            left -= take;
            Limit -= take;
            offset = 0;
        }
    }
    KeReleaseSpinLock(&Driver->Lock, irql);
}

/* ---- callbacks --------------------------------------------------------------------- */

static VOID EventDriverEnter(PWSK_EVENT_DRIVER Driver, ULONG Flags) {
    if (InterlockedIncrement(&Driver->Running) != 1) {
        InterlockedIncrement(&Driver->Stats.Overlaps);
    }
    if (KeGetCurrentIrql() != DISPATCH_LEVEL || (Flags & WSK_FLAG_AT_DISPATCH_LEVEL) == 0) {
        InterlockedIncrement(&Driver->Stats.WrongIrql);
    }
    if (ReadNoFence(&Driver->Closed) != 0) {
        InterlockedIncrement(&Driver->Stats.CallbacksAfterClose);
    }
}

/* Spins at DISPATCH_LEVEL (no waiting there) until the test lets go, 10 s at most. */
static VOID EventDriverHold(PWSK_EVENT_DRIVER Driver) {
    LARGE_INTEGER frequency;
    LARGE_INTEGER start = KeQueryPerformanceCounter(&frequency);
    KeSetEvent(&Driver->Held, IO_NO_INCREMENT, FALSE);
    while (InterlockedCompareExchange(&Driver->LetGo, 0, 0) == 0) {
        LARGE_INTEGER now = KeQueryPerformanceCounter(NULL);
        if (now.QuadPart - start.QuadPart > 10 * frequency.QuadPart) {
            break;
        }
    }
}

static NTSTATUS WSKAPI EventDriverReceive(PVOID SocketContext, ULONG Flags, PWSK_DATA_INDICATION DataIndication,
                                          SIZE_T BytesIndicated, SIZE_T *BytesAccepted) {
    PWSK_EVENT_DRIVER driver = (PWSK_EVENT_DRIVER)SocketContext;
    NTSTATUS status = STATUS_SUCCESS;
    BOOLEAN first;
    LONG chain = 0;
    PWSK_DATA_INDICATION d;
    KIRQL irql;
    EventDriverEnter(driver, Flags);
    if (DataIndication == NULL) {
        /* The socket is dead: nothing to consume. */
        InterlockedDecrement(&driver->Running);
        return STATUS_SUCCESS;
    }
    for (d = DataIndication; d != NULL; d = d->Next) {
        chain++;
    }
    KeAcquireSpinLock(&driver->Lock, &irql);
    driver->Stats.Indications++;
    if (chain > driver->Stats.LongestChain) {
        driver->Stats.LongestChain = chain;
    }
    KeReleaseSpinLock(&driver->Lock, irql);
    first = InterlockedCompareExchange(&driver->FirstDone, 1, 0) == 0;
    switch (driver->Mode) {
    case WskEventDriverRetain:
        KeAcquireSpinLock(&driver->Lock, &irql);
        if (driver->Count < EVENT_DRIVER_QUEUE) {
            driver->Queue[(driver->Head + driver->Count) % EVENT_DRIVER_QUEUE] = DataIndication;
            driver->Count++;
            driver->Stats.Retained++;
            KeClearEvent(&driver->Idle);
            status = STATUS_PENDING;
        }
        KeReleaseSpinLock(&driver->Lock, irql);
        if (status == STATUS_PENDING) {
            KeSetEvent(&driver->Work, IO_NO_INCREMENT, FALSE);
        } else {
            EventDriverCopy(driver, DataIndication, (SIZE_T)-1); /* the queue is full: consume it now */
        }
        break;
    case WskEventDriverPartialAccept:
        if (first && BytesIndicated > 1) {
            *BytesAccepted = BytesIndicated / 2;
            EventDriverCopy(driver, DataIndication, *BytesAccepted);
            InterlockedIncrement(&driver->Stats.PartialAccepts);
            /* No indication comes until a WskReceive: the worker posts it. */
            KeAcquireSpinLock(&driver->Lock, &irql);
            KeClearEvent(&driver->Idle);
            InterlockedExchange(&driver->PartialLeft, 1);
            KeReleaseSpinLock(&driver->Lock, irql);
            KeSetEvent(&driver->Work, IO_NO_INCREMENT, FALSE);
        } else {
            EventDriverCopy(driver, DataIndication, (SIZE_T)-1);
        }
        break;
    case WskEventDriverHoldFirstCallback:
        if (first) {
            EventDriverHold(driver);
        }
        EventDriverCopy(driver, DataIndication, (SIZE_T)-1);
        break;
    }
    InterlockedDecrement(&driver->Running);
    return status;
}

static NTSTATUS WSKAPI EventDriverDisconnect(PVOID SocketContext, ULONG Flags) {
    PWSK_EVENT_DRIVER driver = (PWSK_EVENT_DRIVER)SocketContext;
    KIRQL irql;
    EventDriverEnter(driver, Flags);
    KeAcquireSpinLock(&driver->Lock, &irql);
    driver->Stats.Disconnects++;
    driver->Stats.DisconnectFlags = Flags;
    KeReleaseSpinLock(&driver->Lock, irql);
    if (driver->Mode == WskEventDriverPartialAccept && (Flags & WSK_FLAG_ABORTIVE) == 0 &&
        InterlockedCompareExchange(&driver->ReceiveSettled, 0, 0) == 0) {
        /* The FIN came while indications were stopped for our WskReceive:
         * the bytes still held wait for WskReceive calls, which the worker
         * makes (no waiting here, at DISPATCH_LEVEL). */
        InterlockedExchange(&driver->DrainLeft, 1);
        KeSetEvent(&driver->Work, IO_NO_INCREMENT, FALSE);
        InterlockedDecrement(&driver->Running);
        return STATUS_SUCCESS;
    }
    KeSetEvent(&driver->Disconnected, IO_NO_INCREMENT, FALSE);
    InterlockedDecrement(&driver->Running);
    return STATUS_SUCCESS;
}

/* ---- the worker thread ------------------------------------------------------------- */

/* Copies out and releases every queued indication. */
static VOID EventDriverDrain(PWSK_EVENT_DRIVER Driver) {
    for (;;) {
        PWSK_DATA_INDICATION list = NULL;
        KIRQL irql;
        NTSTATUS status;
        KeAcquireSpinLock(&Driver->Lock, &irql);
        if (Driver->Count > 0) {
            list = Driver->Queue[Driver->Head];
            Driver->Head = (Driver->Head + 1) % EVENT_DRIVER_QUEUE;
            Driver->Count--;
        }
        KeReleaseSpinLock(&Driver->Lock, irql);
        if (list == NULL) {
            return;
        }
        EventDriverCopy(Driver, list, (SIZE_T)-1);
        status = EventDriverTable(Driver->Socket)->WskRelease(Driver->Socket, list);
        if (NT_SUCCESS(status)) {
            InterlockedIncrement(&Driver->Stats.Released);
        } else {
            EventDriverFailed(Driver, status);
        }
    }
}

static IO_COMPLETION_ROUTINE EventDriverReceiveDone;
static NTSTATUS EventDriverReceiveDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    PWSK_EVENT_DRIVER driver = (PWSK_EVENT_DRIVER)Context;
    KIRQL irql;
    UNREFERENCED_PARAMETER(DeviceObject);
    /* Copied here, before indications resume behind these bytes. */
    if (NT_SUCCESS(Irp->IoStatus.Status)) {
        SIZE_T n = Irp->IoStatus.Information;
        KeAcquireSpinLock(&driver->Lock, &irql);
        if (n > driver->Capacity - driver->Length) {
            n = driver->Capacity - driver->Length;
        }
        RtlCopyMemory(driver->Received + driver->Length, driver->ReceiveBuffer, n);
        driver->Length += n;
        KeReleaseSpinLock(&driver->Lock, irql);
    } else {
        EventDriverFailed(driver, Irp->IoStatus.Status);
    }
    KeSetEvent(&driver->ReceiveDone, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* The rest of a partly accepted indication: one WskReceive, which gets the
 * kept bytes first. Returns the bytes it brought (0 at the end of the stream
 * or on failure). */
static SIZE_T EventDriverPostReceive(PWSK_EVENT_DRIVER Driver) {
    WSK_BUF buffer;
    NTSTATUS status;
    buffer.Mdl = Driver->ReceiveMdl;
    buffer.Offset = 0;
    buffer.Length = EVENT_DRIVER_RECEIVE_SIZE;
    KeResetEvent(&Driver->ReceiveDone);
    IoReuseIrp(Driver->ReceiveIrp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Driver->ReceiveIrp, EventDriverReceiveDone, Driver, TRUE, TRUE, TRUE);
    status = EventDriverTable(Driver->Socket)->WskReceive(Driver->Socket, &buffer, 0, Driver->ReceiveIrp);
    UNREFERENCED_PARAMETER(status); /* the completion routine ran or will run */
    KeWaitForSingleObject(&Driver->ReceiveDone, Executive, KernelMode, FALSE, NULL);
    return NT_SUCCESS(Driver->ReceiveIrp->IoStatus.Status) ? Driver->ReceiveIrp->IoStatus.Information : 0;
}

/* After a disconnect indicated while indications were stopped: WskReceive
 * until the end of the stream, then the disconnect counts as seen. */
static VOID EventDriverDrainAfterDisconnect(PWSK_EVENT_DRIVER Driver) {
    SIZE_T n;
    do {
        InterlockedIncrement(&Driver->Stats.DrainReceives);
        n = EventDriverPostReceive(Driver);
    } while (n > 0);
    KeSetEvent(&Driver->Disconnected, IO_NO_INCREMENT, FALSE);
}

static KSTART_ROUTINE EventDriverWorker;
static VOID EventDriverWorker(PVOID Context) {
    PWSK_EVENT_DRIVER driver = (PWSK_EVENT_DRIVER)Context;
    KIRQL irql;
    for (;;) {
        KeWaitForSingleObject(&driver->Work, Executive, KernelMode, FALSE, NULL);
        EventDriverDrain(driver);
        if (InterlockedExchange(&driver->PartialLeft, 0) != 0) {
            InterlockedIncrement(&driver->Stats.PostedReceives);
            EventDriverPostReceive(driver);
            InterlockedExchange(&driver->ReceiveSettled, 1);
        }
        if (InterlockedExchange(&driver->DrainLeft, 0) != 0) {
            EventDriverDrainAfterDisconnect(driver);
        }
        /* Idle only with nothing left: a callback may have queued meanwhile. */
        KeAcquireSpinLock(&driver->Lock, &irql);
        if (driver->Count == 0 && driver->PartialLeft == 0) {
            KeSetEvent(&driver->Idle, IO_NO_INCREMENT, FALSE);
        }
        KeReleaseSpinLock(&driver->Lock, irql);
        if (InterlockedCompareExchange(&driver->Stopping, 0, 0) != 0) {
            break;
        }
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}

/* ---- life ---------------------------------------------------------------------------- */

static NTSTATUS EventDriverConnect(PWSK_EVENT_DRIVER Driver, const SOCKADDR *Remote, PIRP Irp, PKEVENT Event) {
    SOCKADDR_STORAGE local;
    NTSTATUS status;
    EventDriverPrepare(Irp, Event);
    status = EventDriverWait(Driver->Provider.Dispatch->WskSocket(Driver->Provider.Client, Remote->sa_family,
                                                                  SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET,
                                                                  Driver, &EventDriverEvents, NULL, NULL, NULL, Irp),
                             Irp, Event);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    Driver->Socket = (PWSK_SOCKET)Irp->IoStatus.Information;
    RtlZeroMemory(&local, sizeof(local));
    local.ss_family = Remote->sa_family; /* the wildcard address, port 0 */
    EventDriverPrepare(Irp, Event);
    status = EventDriverWait(EventDriverTable(Driver->Socket)->WskBind(Driver->Socket, (PSOCKADDR)&local, 0, Irp),
                             Irp, Event);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    EventDriverPrepare(Irp, Event);
    status = EventDriverWait(
        EventDriverTable(Driver->Socket)->WskConnect(Driver->Socket, (PSOCKADDR)Remote, 0, Irp), Irp, Event);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    return EventDriverControl(Driver->Socket, WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT, NULL);
}

static VOID EventDriverClose(PWSK_EVENT_DRIVER Driver, PIRP Irp, PKEVENT Event) {
    if (Driver->Socket == NULL) {
        return;
    }
    EventDriverPrepare(Irp, Event);
    EventDriverWait(EventDriverTable(Driver->Socket)->WskCloseSocket(Driver->Socket, Irp), Irp, Event);
    InterlockedExchange(&Driver->Closed, 1);
    Driver->Socket = NULL;
}

static VOID EventDriverFree(PWSK_EVENT_DRIVER Driver) {
    if (Driver->ReceiveMdl != NULL) {
        IoFreeMdl(Driver->ReceiveMdl);
    }
    if (Driver->ReceiveBuffer != NULL) {
        ExFreePoolWithTag(Driver->ReceiveBuffer, EVENT_DRIVER_TAG);
    }
    if (Driver->ReceiveIrp != NULL) {
        IoFreeIrp(Driver->ReceiveIrp);
    }
    if (Driver->Received != NULL) {
        ExFreePoolWithTag(Driver->Received, EVENT_DRIVER_TAG);
    }
    ExFreePoolWithTag(Driver, EVENT_DRIVER_TAG);
}

NTSTATUS WskEventDriverStart(const SOCKADDR *Remote, WSK_EVENT_DRIVER_MODE Mode, SIZE_T Capacity,
                             PWSK_EVENT_DRIVER *Driver) {
    WSK_CLIENT_NPI npi;
    PWSK_EVENT_DRIVER driver;
    HANDLE thread;
    NTSTATUS status;
    KEVENT event;
    PIRP irp;
    *Driver = NULL;
    driver = (PWSK_EVENT_DRIVER)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*driver), EVENT_DRIVER_TAG);
    if (driver == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    RtlZeroMemory(driver, sizeof(*driver));
    driver->Mode = Mode;
    driver->Capacity = Capacity;
    KeInitializeSpinLock(&driver->Lock);
    KeInitializeEvent(&driver->Work, SynchronizationEvent, FALSE);
    KeInitializeEvent(&driver->Idle, NotificationEvent, TRUE);
    KeInitializeEvent(&driver->Disconnected, NotificationEvent, FALSE);
    KeInitializeEvent(&driver->Held, NotificationEvent, FALSE);
    KeInitializeEvent(&driver->ReceiveDone, SynchronizationEvent, FALSE);
    driver->Received = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, Capacity, EVENT_DRIVER_TAG);
    driver->ReceiveBuffer = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, EVENT_DRIVER_RECEIVE_SIZE, EVENT_DRIVER_TAG);
    driver->ReceiveIrp = IoAllocateIrp(1, FALSE);
    if (driver->Received == NULL || driver->ReceiveBuffer == NULL || driver->ReceiveIrp == NULL) {
        EventDriverFree(driver);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    driver->ReceiveMdl = IoAllocateMdl(driver->ReceiveBuffer, EVENT_DRIVER_RECEIVE_SIZE, FALSE, FALSE, NULL);
    if (driver->ReceiveMdl == NULL) {
        EventDriverFree(driver);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    MmBuildMdlForNonPagedPool(driver->ReceiveMdl);
    npi.ClientContext = driver;
    npi.Dispatch = &EventDriverClientDispatch;
    status = WskRegister(&npi, &driver->Registration);
    if (!NT_SUCCESS(status)) {
        EventDriverFree(driver);
        return status;
    }
    status = WskCaptureProviderNPI(&driver->Registration, WSK_INFINITE_WAIT, &driver->Provider);
    if (!NT_SUCCESS(status)) {
        WskDeregister(&driver->Registration);
        EventDriverFree(driver);
        return status;
    }
    status = PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, NULL, NULL, NULL, EventDriverWorker, driver);
    if (NT_SUCCESS(status)) {
        status = ObReferenceObjectByHandle(thread, SYNCHRONIZE, *PsThreadType, KernelMode, &driver->Thread, NULL);
        ZwClose(thread);
    }
    irp = IoAllocateIrp(1, FALSE);
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    if (NT_SUCCESS(status) && irp == NULL) {
        status = STATUS_INSUFFICIENT_RESOURCES;
    }
    if (NT_SUCCESS(status)) {
        status = EventDriverConnect(driver, Remote, irp, &event);
    }
    if (irp != NULL) {
        IoFreeIrp(irp);
    }
    if (!NT_SUCCESS(status)) {
        WSK_EVENT_DRIVER_STATS ignored;
        WskEventDriverStop(driver, &ignored);
        return status;
    }
    *Driver = driver;
    return STATUS_SUCCESS;
}

NTSTATUS WskEventDriverWaitForDisconnect(PWSK_EVENT_DRIVER Driver, ULONG TimeoutMs, const UCHAR **Received,
                                         SIZE_T *Length) {
    LARGE_INTEGER timeout;
    NTSTATUS status;
    KIRQL irql;
    timeout.QuadPart = -(LONGLONG)TimeoutMs * 10000;
    status = KeWaitForSingleObject(&Driver->Disconnected, Executive, KernelMode, FALSE, &timeout);
    if (status == STATUS_SUCCESS) {
        status = KeWaitForSingleObject(&Driver->Idle, Executive, KernelMode, FALSE, &timeout);
    }
    KeAcquireSpinLock(&Driver->Lock, &irql);
    *Received = Driver->Received;
    *Length = Driver->Length;
    KeReleaseSpinLock(&Driver->Lock, irql);
    return status == STATUS_SUCCESS ? STATUS_SUCCESS : STATUS_IO_TIMEOUT;
}

/* Waits for the held callback; then, after Start, lets it go. */
static NTSTATUS EventDriverWaitHeld(PWSK_EVENT_DRIVER Driver) {
    LARGE_INTEGER timeout;
    timeout.QuadPart = -50000000LL; /* 5 s */
    return KeWaitForSingleObject(&Driver->Held, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS
               ? STATUS_SUCCESS
               : STATUS_IO_TIMEOUT;
}

static BOOLEAN EventDriverSignalledWithin(PKEVENT Event, LONG Milliseconds) {
    LARGE_INTEGER timeout;
    timeout.QuadPart = -(LONGLONG)Milliseconds * 10000;
    return KeWaitForSingleObject(Event, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS;
}

NTSTATUS WskEventDriverCloseWhileHeld(PWSK_EVENT_DRIVER Driver, BOOLEAN *CompletedWhileHeld) {
    KEVENT event;
    PIRP irp;
    NTSTATUS status = EventDriverWaitHeld(Driver);
    *CompletedWhileHeld = FALSE;
    if (!NT_SUCCESS(status)) {
        InterlockedExchange(&Driver->LetGo, 1);
        return status;
    }
    irp = IoAllocateIrp(1, FALSE);
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    EventDriverPrepare(irp, &event);
    status = EventDriverTable(Driver->Socket)->WskCloseSocket(Driver->Socket, irp);
    *CompletedWhileHeld = status != STATUS_PENDING || EventDriverSignalledWithin(&event, 100);
    InterlockedExchange(&Driver->LetGo, 1);
    status = EventDriverWait(status, irp, &event);
    InterlockedExchange(&Driver->Closed, 1);
    Driver->Socket = NULL;
    IoFreeIrp(irp);
    return status;
}

NTSTATUS WskEventDriverDisableWhileHeld(PWSK_EVENT_DRIVER Driver, BOOLEAN UseIrp, NTSTATUS *Returned,
                                        BOOLEAN *CompletedWhileHeld) {
    KEVENT event;
    PIRP irp = NULL;
    NTSTATUS status = EventDriverWaitHeld(Driver);
    *CompletedWhileHeld = FALSE;
    *Returned = status;
    if (!NT_SUCCESS(status)) {
        InterlockedExchange(&Driver->LetGo, 1);
        return status;
    }
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    if (UseIrp) {
        irp = IoAllocateIrp(1, FALSE);
        EventDriverPrepare(irp, &event);
    }
    status = EventDriverControl(Driver->Socket, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE, irp);
    *Returned = status;
    if (irp != NULL) {
        *CompletedWhileHeld = status != STATUS_PENDING || EventDriverSignalledWithin(&event, 100);
    }
    InterlockedExchange(&Driver->LetGo, 1);
    if (irp != NULL) {
        status = EventDriverWait(status, irp, &event);
        IoFreeIrp(irp);
    }
    return status;
}

VOID WskEventDriverStop(PWSK_EVENT_DRIVER Driver, PWSK_EVENT_DRIVER_STATS Stats) {
    KEVENT event;
    PIRP irp = IoAllocateIrp(1, FALSE);
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    InterlockedExchange(&Driver->LetGo, 1);
    if (Driver->Socket != NULL) {
        /* No callback after these: a disable waits for one that runs. */
        EventDriverPrepare(irp, &event);
        EventDriverWait(EventDriverControl(Driver->Socket, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE, irp), irp, &event);
        EventDriverPrepare(irp, &event);
        EventDriverWait(EventDriverControl(Driver->Socket, WSK_EVENT_DISABLE | WSK_EVENT_DISCONNECT, irp), irp,
                        &event);
    }
    if (Driver->Thread != NULL) {
        InterlockedExchange(&Driver->Stopping, 1);
        KeSetEvent(&Driver->Work, IO_NO_INCREMENT, FALSE);
        KeWaitForSingleObject(Driver->Thread, Executive, KernelMode, FALSE, NULL);
        ObDereferenceObject(Driver->Thread);
    }
    if (Driver->Socket != NULL) {
        EventDriverDrain(Driver); /* WskCloseSocket does not release retained lists */
    }
    EventDriverClose(Driver, irp, &event);
    IoFreeIrp(irp);
    WskReleaseProviderNPI(&Driver->Registration);
    WskDeregister(&Driver->Registration);
    *Stats = Driver->Stats;
    EventDriverFree(Driver);
}
