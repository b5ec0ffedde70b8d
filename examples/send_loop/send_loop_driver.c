/* A WSK driver with a control device, the way drivers take commands from user
 * mode: \Device\WskemuSendLoop (linked as \DosDevices\WskemuSendLoop) takes
 * IOCTLs that start a send loop, query it and stop it. The loop is a system
 * thread: WskSocketConnect to the peer given to IOCTL_SEND_LOOP_START, then
 * WskSend of numbered messages until stopped, one IRP reused for every call,
 * a pending send cancelled with IoCancelIrp when asked to stop (after 2 s
 * to finish), then WskDisconnect and, once the peer has closed too,
 * WskCloseSocket. It includes
 * only WDK headers and builds against the WDK as it is. */
#include <ntddk.h>
#include <wsk.h>

#include "send_loop.h"

#define SEND_LOOP_TAG 'pLdS'

typedef struct _SEND_LOOP {
    WSK_REGISTRATION Registration;
    KMUTEX Control;       /* serialises start, stop and unload (at PASSIVE_LEVEL) */
    KSPIN_LOCK StatsLock; /* guards Stats */
    SEND_LOOP_STATS Stats;
    PETHREAD Thread;      /* the loop's thread, until stopped */
    KEVENT Stop;          /* set to stop the loop */
    SOCKADDR_STORAGE Remote;
} SEND_LOOP, *PSEND_LOOP;

static const WSK_CLIENT_DISPATCH SendLoopClientDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};
static UNICODE_STRING DeviceName = RTL_CONSTANT_STRING(SEND_LOOP_DEVICE_NAME);
static UNICODE_STRING LinkName = RTL_CONSTANT_STRING(SEND_LOOP_LINK_NAME);

/* ---- the loop ----------------------------------------------------------- */

static IO_COMPLETION_ROUTINE SendLoopSignal;
static NTSTATUS NTAPI SendLoopSignal(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED; /* the IRP is ours to reuse */
}

static VOID SendLoopPrepare(PIRP Irp, PKEVENT Done) {
    KeClearEvent(Done);
    IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Irp, SendLoopSignal, Done, TRUE, TRUE, TRUE);
}

/* Waits for a call that pended. With Stop, a stop request cancels it, after
 * a grace period: a stream send cancelled once part of it went aborts the
 * connection, so a send that is moving is let finish. Two seconds, so that a
 * peer that reads is not cut off when the machine is busy; only a stalled
 * peer waits that long. */
static NTSTATUS SendLoopWait(NTSTATUS Status, PIRP Irp, PKEVENT Done, PKEVENT Stop) {
    if (Status == STATUS_PENDING) {
        if (Stop != NULL) {
            PVOID objects[2];
            objects[0] = Done;
            objects[1] = Stop;
            if (KeWaitForMultipleObjects(2, objects, WaitAny, Executive, KernelMode, FALSE, NULL, NULL) ==
                STATUS_WAIT_1) {
                LARGE_INTEGER grace;
                grace.QuadPart = -2000LL * 10000; /* 2 s, relative */
                if (KeWaitForSingleObject(Done, Executive, KernelMode, FALSE, &grace) == STATUS_TIMEOUT) {
                    IoCancelIrp(Irp);
                }
            }
        }
        KeWaitForSingleObject(Done, Executive, KernelMode, FALSE, NULL);
        Status = Irp->IoStatus.Status;
    }
    return Status;
}

/* After our WskDisconnect: receives until the peer closes its side too. A
 * close of a connection not disconnected both ways is abortive, and the
 * peer's reset would throw away whatever it has not read yet; so the close
 * waits for the peer's FIN (10 s at most, then the receive is cancelled and
 * the close aborts). Anything the peer sends is dropped. */
static VOID SendLoopAwaitPeerClose(PWSK_SOCKET Socket, PIRP Irp, PKEVENT Done, PMDL Mdl) {
    PWSK_PROVIDER_CONNECTION_DISPATCH dispatch = (PWSK_PROVIDER_CONNECTION_DISPATCH)Socket->Dispatch;
    for (;;) {
        WSK_BUF buffer;
        NTSTATUS status;
        buffer.Mdl = Mdl;
        buffer.Offset = 0;
        buffer.Length = SEND_LOOP_MESSAGE_SIZE;
        SendLoopPrepare(Irp, Done);
        status = dispatch->WskReceive(Socket, &buffer, 0, Irp);
        if (status == STATUS_PENDING) {
            LARGE_INTEGER limit;
            limit.QuadPart = -10000LL * 10000; /* 10 s, relative */
            if (KeWaitForSingleObject(Done, Executive, KernelMode, FALSE, &limit) == STATUS_TIMEOUT) {
                IoCancelIrp(Irp);
            }
            KeWaitForSingleObject(Done, Executive, KernelMode, FALSE, NULL);
            status = Irp->IoStatus.Status;
        }
        if (!NT_SUCCESS(status) || Irp->IoStatus.Information == 0) {
            return; /* the peer's FIN (0 bytes), or the connection ended otherwise */
        }
    }
}

static VOID SendLoopCount(PSEND_LOOP Loop, ULONG_PTR Bytes) {
    KIRQL irql;
    KeAcquireSpinLock(&Loop->StatsLock, &irql);
    Loop->Stats.BytesSent += Bytes;
    Loop->Stats.Sends++;
    KeReleaseSpinLock(&Loop->StatsLock, irql);
}

static VOID SendLoopEnded(PSEND_LOOP Loop, NTSTATUS Status) {
    KIRQL irql;
    KeAcquireSpinLock(&Loop->StatsLock, &irql);
    Loop->Stats.Running = 0;
    Loop->Stats.LastStatus = Status;
    KeReleaseSpinLock(&Loop->StatsLock, irql);
}

/* Message number Sequence: its number, then a pattern derived from it. */
static VOID SendLoopFill(PUCHAR Message, ULONGLONG Sequence) {
    ULONG i;
    for (i = 0; i < 8; ++i) {
        Message[i] = (UCHAR)(Sequence >> (8 * i));
    }
    for (i = 8; i < SEND_LOOP_MESSAGE_SIZE; ++i) {
        Message[i] = (UCHAR)(Sequence + i);
    }
}

/* Sends until stopped or failed, on a socket already connected. */
static NTSTATUS SendLoopSend(PSEND_LOOP Loop, PWSK_SOCKET Socket, PIRP Irp, PKEVENT Done, PUCHAR Message,
                             PMDL Mdl) {
    PWSK_PROVIDER_CONNECTION_DISPATCH dispatch = (PWSK_PROVIDER_CONNECTION_DISPATCH)Socket->Dispatch;
    ULONGLONG sequence = 0;
    NTSTATUS status = STATUS_SUCCESS;
    while (KeReadStateEvent(&Loop->Stop) == 0) {
        WSK_BUF buffer;
        buffer.Mdl = Mdl;
        buffer.Offset = 0;
        buffer.Length = SEND_LOOP_MESSAGE_SIZE;
        SendLoopFill(Message, sequence);
        SendLoopPrepare(Irp, Done);
        status = SendLoopWait(dispatch->WskSend(Socket, &buffer, 0, Irp), Irp, Done, &Loop->Stop);
        if (status == STATUS_CANCELLED && KeReadStateEvent(&Loop->Stop) != 0) {
            return STATUS_SUCCESS; /* stopped while the send was pending */
        }
        if (!NT_SUCCESS(status)) {
            return status;
        }
        /* A stream send completes whole or fails. */
        SendLoopCount(Loop, Irp->IoStatus.Information);
        sequence++;
    }
    return status;
}

static KSTART_ROUTINE SendLoopThread;
static VOID NTAPI SendLoopThread(PVOID Context) {
    PSEND_LOOP loop = (PSEND_LOOP)Context;
    WSK_PROVIDER_NPI provider;
    SOCKADDR_STORAGE local;
    KEVENT done;
    PIRP irp = NULL;
    PUCHAR message = NULL;
    PMDL mdl = NULL;
    PWSK_SOCKET socket = NULL;
    NTSTATUS status;

    status = WskCaptureProviderNPI(&loop->Registration, WSK_INFINITE_WAIT, &provider);
    if (!NT_SUCCESS(status)) {
        SendLoopEnded(loop, status);
        PsTerminateSystemThread(status);
    }
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    irp = IoAllocateIrp(1, FALSE);
    message = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, SEND_LOOP_MESSAGE_SIZE, SEND_LOOP_TAG);
    mdl = message != NULL ? IoAllocateMdl(message, SEND_LOOP_MESSAGE_SIZE, FALSE, FALSE, NULL) : NULL;
    if (irp == NULL || mdl == NULL) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        goto Release;
    }
    MmBuildMdlForNonPagedPool(mdl);

    RtlZeroMemory(&local, sizeof(local));
    local.ss_family = loop->Remote.ss_family; /* the wildcard address, any port */
    SendLoopPrepare(irp, &done);
    status = SendLoopWait(provider.Dispatch->WskSocketConnect(provider.Client, SOCK_STREAM, IPPROTO_TCP,
                                                              (PSOCKADDR)&local, (PSOCKADDR)&loop->Remote, 0, NULL,
                                                              NULL, NULL, NULL, NULL, irp),
                          irp, &done, &loop->Stop);
    DbgPrint("send loop: WskSocketConnect -> 0x%08lX\n", (ULONG)status);
    if (!NT_SUCCESS(status)) {
        goto Release;
    }
    socket = (PWSK_SOCKET)irp->IoStatus.Information;

    status = SendLoopSend(loop, socket, irp, &done, message, mdl);
    if (NT_SUCCESS(status)) {
        /* Stopped: a graceful close, so the peer reads every byte sent. */
        SendLoopPrepare(irp, &done);
        if (NT_SUCCESS(SendLoopWait(((PWSK_PROVIDER_CONNECTION_DISPATCH)socket->Dispatch)
                                        ->WskDisconnect(socket, NULL, 0, irp),
                                    irp, &done, NULL))) {
            SendLoopAwaitPeerClose(socket, irp, &done, mdl);
        }
    }
    SendLoopPrepare(irp, &done);
    SendLoopWait(((PWSK_PROVIDER_BASIC_DISPATCH)socket->Dispatch)->WskCloseSocket(socket, irp), irp, &done, NULL);

Release:
    if (mdl != NULL) {
        IoFreeMdl(mdl);
    }
    if (message != NULL) {
        ExFreePoolWithTag(message, SEND_LOOP_TAG);
    }
    if (irp != NULL) {
        IoFreeIrp(irp);
    }
    WskReleaseProviderNPI(&loop->Registration);
    DbgPrint("send loop: ended with 0x%08lX after %lu sends, %I64u bytes\n", (ULONG)status, loop->Stats.Sends,
             loop->Stats.BytesSent);
    SendLoopEnded(loop, status);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

/* ---- control ------------------------------------------------------------- */

/* Stops the loop if one runs and waits for its thread. */
static NTSTATUS SendLoopStop(PSEND_LOOP Loop) {
    if (Loop->Thread == NULL) {
        return STATUS_INVALID_DEVICE_STATE;
    }
    KeSetEvent(&Loop->Stop, IO_NO_INCREMENT, FALSE);
    KeWaitForSingleObject(Loop->Thread, Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(Loop->Thread);
    Loop->Thread = NULL;
    return STATUS_SUCCESS;
}

static VOID SendLoopQuery(PSEND_LOOP Loop, SEND_LOOP_STATS *Stats) {
    KIRQL irql;
    KeAcquireSpinLock(&Loop->StatsLock, &irql);
    *Stats = Loop->Stats;
    KeReleaseSpinLock(&Loop->StatsLock, irql);
}

static NTSTATUS SendLoopStart(PSEND_LOOP Loop, PVOID Input, ULONG Length) {
    PSOCKADDR remote = (PSOCKADDR)Input;
    HANDLE thread;
    NTSTATUS status;
    if (Loop->Thread != NULL) {
        SEND_LOOP_STATS stats;
        SendLoopQuery(Loop, &stats);
        if (stats.Running) {
            return STATUS_DEVICE_BUSY;
        }
    }
    if (Input == NULL || !((Length == sizeof(SOCKADDR_IN) && remote->sa_family == AF_INET) ||
                           (Length == sizeof(SOCKADDR_IN6) && remote->sa_family == AF_INET6))) {
        return STATUS_INVALID_PARAMETER;
    }
    if (Loop->Thread != NULL) {
        SendLoopStop(Loop); /* a loop that ended by itself */
    }
    RtlZeroMemory(&Loop->Remote, sizeof(Loop->Remote));
    RtlCopyMemory(&Loop->Remote, Input, Length);
    RtlZeroMemory(&Loop->Stats, sizeof(Loop->Stats));
    Loop->Stats.Running = 1;
    Loop->Stats.LastStatus = STATUS_PENDING;
    KeClearEvent(&Loop->Stop);
    status = PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, NULL, NULL, NULL, SendLoopThread, Loop);
    if (!NT_SUCCESS(status)) {
        Loop->Stats.Running = 0;
        return status;
    }
    status = ObReferenceObjectByHandle(thread, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, (PVOID *)&Loop->Thread,
                                       NULL);
    ZwClose(thread);
    return status;
}

static NTSTATUS SendLoopComplete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information) {
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = NT_SUCCESS(Status) ? Information : 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static DRIVER_DISPATCH SendLoopCreateClose;
static NTSTATUS NTAPI SendLoopCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
    UNREFERENCED_PARAMETER(DeviceObject);
    return SendLoopComplete(Irp, STATUS_SUCCESS, 0);
}

static DRIVER_DISPATCH SendLoopDeviceControl;
static NTSTATUS NTAPI SendLoopDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
    PSEND_LOOP loop = (PSEND_LOOP)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    PVOID buffer = Irp->AssociatedIrp.SystemBuffer;
    ULONG inLength = stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG outLength = stack->Parameters.DeviceIoControl.OutputBufferLength;
    NTSTATUS status;
    ULONG_PTR information = 0;

    KeWaitForSingleObject(&loop->Control, Executive, KernelMode, FALSE, NULL);
    switch (stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_SEND_LOOP_START:
        status = SendLoopStart(loop, buffer, inLength);
        break;
    case IOCTL_SEND_LOOP_STOP:
    case IOCTL_SEND_LOOP_QUERY:
        if (outLength < sizeof(SEND_LOOP_STATS)) {
            status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        status = stack->Parameters.DeviceIoControl.IoControlCode == IOCTL_SEND_LOOP_STOP ? SendLoopStop(loop)
                                                                                         : STATUS_SUCCESS;
        if (NT_SUCCESS(status)) {
            SendLoopQuery(loop, (SEND_LOOP_STATS *)buffer);
            information = sizeof(SEND_LOOP_STATS);
        }
        break;
    default:
        status = STATUS_INVALID_DEVICE_REQUEST;
        break;
    }
    KeReleaseMutex(&loop->Control, FALSE);
    return SendLoopComplete(Irp, status, information);
}

/* ---- load and unload ------------------------------------------------------- */

static DRIVER_UNLOAD SendLoopUnload;
static VOID NTAPI SendLoopUnload(PDRIVER_OBJECT DriverObject) {
    PDEVICE_OBJECT device = DriverObject->DeviceObject;
    PSEND_LOOP loop = (PSEND_LOOP)device->DeviceExtension;
    KeWaitForSingleObject(&loop->Control, Executive, KernelMode, FALSE, NULL);
    SendLoopStop(loop);
    KeReleaseMutex(&loop->Control, FALSE);
    WskDeregister(&loop->Registration);
    IoDeleteSymbolicLink(&LinkName);
    IoDeleteDevice(device);
}

DRIVER_INITIALIZE DriverEntry;

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    WSK_CLIENT_NPI client;
    PDEVICE_OBJECT device = NULL;
    PSEND_LOOP loop;
    NTSTATUS status;
    UNREFERENCED_PARAMETER(RegistryPath);

    status = IoCreateDevice(DriverObject, sizeof(SEND_LOOP), &DeviceName, FILE_DEVICE_UNKNOWN,
                            FILE_DEVICE_SECURE_OPEN, FALSE, &device);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    loop = (PSEND_LOOP)device->DeviceExtension;
    KeInitializeMutex(&loop->Control, 0);
    KeInitializeSpinLock(&loop->StatsLock);
    KeInitializeEvent(&loop->Stop, NotificationEvent, FALSE);
    client.ClientContext = loop;
    client.Dispatch = &SendLoopClientDispatch;
    status = WskRegister(&client, &loop->Registration);
    if (!NT_SUCCESS(status)) {
        IoDeleteDevice(device);
        return status;
    }
    status = IoCreateSymbolicLink(&LinkName, &DeviceName);
    if (!NT_SUCCESS(status)) {
        WskDeregister(&loop->Registration);
        IoDeleteDevice(device);
        return status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = SendLoopCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = SendLoopCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = SendLoopDeviceControl;
    DriverObject->DriverUnload = SendLoopUnload;
    DbgPrint("send loop: control device %wZ ready\n", &LinkName);
    return STATUS_SUCCESS;
}
