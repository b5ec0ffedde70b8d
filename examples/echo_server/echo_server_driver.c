/* A WSK echo server in the usual shape of one.
 *
 * - The listening socket has WSK_EVENT_ACCEPT, WSK_EVENT_RECEIVE and
 *   WSK_EVENT_DISCONNECT enabled; the connection events pass to every socket
 *   accepted through WskAcceptEvent.
 * - WskReceiveEvent runs at DISPATCH_LEVEL and must not wait: it copies the
 *   indicated bytes into free send contexts (preallocated IRP, buffer, MDL),
 *   queues them for the worker and returns. Without enough free contexts it
 *   accepts part of the data (*BytesAccepted) or none
 *   (STATUS_DATA_NOT_ACCEPTED); the connection is then stalled, and the worker
 *   posts a WskReceive once a context is free, which gets the kept data
 *   first and lets indications resume.
 * - One system thread, fed from the callbacks and the completion routines,
 *   issues every WskSend (so each connection's bytes go out in order), posts
 *   the receives of stalled connections, and disconnects and closes
 *   connections that are done. Completion routines reuse nothing themselves:
 *   they hand the context back and return STATUS_MORE_PROCESSING_REQUIRED;
 *   the worker reuses the IRP with IoReuseIrp.
 * - EchoServerStop closes the listener, then every connection, waits until
 *   all are gone, and deregisters. */
#include "echo_server_driver.h"

#define ECHO_TAG 'ohcE'
#define ECHO_BUFFER_SIZE (16 * 1024)

typedef struct _ECHO_CONNECTION {
    LIST_ENTRY Link;     /* Server.Connections */
    LIST_ENTRY WorkLink; /* Server.ConnectionWork, while WorkQueued */
    LIST_ENTRY WaitLink; /* Server.WaitingForContext, while WaitingForContext */
    PWSK_SOCKET Socket;
    ULONG InFlight;      /* contexts queued or in a WskSend/WskReceive for this connection */
    BOOLEAN WorkQueued;
    BOOLEAN WaitingForContext;
    BOOLEAN Stalled;       /* the provider keeps data for us: a WskReceive must take it */
    BOOLEAN ReceivePosted; /* that WskReceive is in flight */
    BOOLEAN PeerDone;      /* the client will send no more (graceful disconnect, or 0 bytes received) */
    BOOLEAN Broken;        /* reset, failed send, NULL indication: close without disconnecting */
    BOOLEAN Closing;       /* the worker is closing it: nothing more is queued */
} ECHO_CONNECTION, *PECHO_CONNECTION;

typedef struct _ECHO_CONTEXT {
    LIST_ENTRY Link; /* Server.FreeContexts or Server.SendQueue */
    PIRP Irp;
    PMDL Mdl;
    PUCHAR Buffer;
    ULONG Length; /* bytes to send */
    PECHO_CONNECTION Connection;
} ECHO_CONTEXT, *PECHO_CONTEXT;

/* One IRP and event for the worker's (or the starter's) synchronous calls. */
typedef struct _ECHO_SYNC {
    PIRP Irp;
    KEVENT Done;
} ECHO_SYNC, *PECHO_SYNC;

static struct {
    WSK_REGISTRATION Registration;
    WSK_PROVIDER_NPI Provider;
    BOOLEAN Registered;
    BOOLEAN Captured;
    PWSK_SOCKET Listener;
    KSPIN_LOCK Lock;
    LIST_ENTRY Connections;
    LIST_ENTRY ConnectionWork;
    LIST_ENTRY WaitingForContext;
    LIST_ENTRY FreeContexts;
    LIST_ENTRY SendQueue;
    PECHO_CONTEXT Contexts;
    ULONG ContextCount;
    ULONG MaxConnections;
    KEVENT Work;      /* synchronization event: the worker has something to do */
    KEVENT AllClosed; /* notification event: Open reached 0 while stopping */
    PKTHREAD Worker;
    volatile LONG Stopping;
    ECHO_SYNC WorkerSync;
    ECHO_SYNC CallerSync;
    ECHO_SERVER_STATS Stats;
} Server;

static const WSK_CLIENT_DISPATCH EchoClientDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};

static NTSTATUS WSKAPI EchoAcceptEvent(PVOID SocketContext, ULONG Flags, PSOCKADDR LocalAddress,
                                       PSOCKADDR RemoteAddress, PWSK_SOCKET AcceptSocket,
                                       PVOID *AcceptSocketContext,
                                       const WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch);
static NTSTATUS WSKAPI EchoReceiveEvent(PVOID SocketContext, ULONG Flags, PWSK_DATA_INDICATION DataIndication,
                                        SIZE_T BytesIndicated, SIZE_T *BytesAccepted);
static NTSTATUS WSKAPI EchoDisconnectEvent(PVOID SocketContext, ULONG Flags);

static const WSK_CLIENT_LISTEN_DISPATCH EchoListenDispatch = {EchoAcceptEvent, NULL, NULL};
static const WSK_CLIENT_CONNECTION_DISPATCH EchoConnectionDispatch = {EchoReceiveEvent, EchoDisconnectEvent, NULL};

static const WSK_PROVIDER_CONNECTION_DISPATCH *ConnectionCalls(PWSK_SOCKET Socket) {
    return (const WSK_PROVIDER_CONNECTION_DISPATCH *)Socket->Dispatch;
}

static const WSK_PROVIDER_LISTEN_DISPATCH *ListenCalls(PWSK_SOCKET Socket) {
    return (const WSK_PROVIDER_LISTEN_DISPATCH *)Socket->Dispatch;
}

/* ---- synchronous calls ---------------------------------------------------- */

static IO_COMPLETION_ROUTINE EchoSyncComplete;
static NTSTATUS NTAPI EchoSyncComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static PIRP EchoSyncBegin(PECHO_SYNC Sync) {
    IoReuseIrp(Sync->Irp, STATUS_UNSUCCESSFUL);
    KeClearEvent(&Sync->Done);
    IoSetCompletionRoutine(Sync->Irp, EchoSyncComplete, &Sync->Done, TRUE, TRUE, TRUE);
    return Sync->Irp;
}

static NTSTATUS EchoSyncWait(PECHO_SYNC Sync, NTSTATUS Status) {
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(&Sync->Done, Executive, KernelMode, FALSE, NULL);
        Status = Sync->Irp->IoStatus.Status;
    }
    return Status;
}

static NTSTATUS EchoSyncInit(PECHO_SYNC Sync) {
    Sync->Irp = IoAllocateIrp(1, FALSE);
    if (Sync->Irp == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    KeInitializeEvent(&Sync->Done, NotificationEvent, FALSE);
    return STATUS_SUCCESS;
}

static VOID EchoSyncFree(PECHO_SYNC Sync) {
    if (Sync->Irp != NULL) {
        IoFreeIrp(Sync->Irp);
        Sync->Irp = NULL;
    }
}

/* ---- the connection state machine (Server.Lock held) ---------------------- */

static BOOLEAN EchoReadyToCloseLocked(PECHO_CONNECTION Connection) {
    if (Connection->Broken || ReadAcquire(&Server.Stopping)) {
        return TRUE;
    }
    return Connection->PeerDone && Connection->InFlight == 0 && !Connection->Stalled && !Connection->ReceivePosted;
}

/* Queues the connection for the worker if it has something to do; returns
 * TRUE if the worker must be woken. */
static BOOLEAN EchoQueueWorkLocked(PECHO_CONNECTION Connection) {
    if (Connection->WorkQueued || Connection->Closing) {
        return FALSE;
    }
    if (!EchoReadyToCloseLocked(Connection) && !(Connection->Stalled && !Connection->ReceivePosted)) {
        return FALSE;
    }
    Connection->WorkQueued = TRUE;
    InsertTailList(&Server.ConnectionWork, &Connection->WorkLink);
    return TRUE;
}

/* Gives a context back; a connection waiting for one gets its turn. */
static BOOLEAN EchoFreeContextLocked(PECHO_CONTEXT Context) {
    BOOLEAN wake = FALSE;
    Context->Connection = NULL;
    InsertTailList(&Server.FreeContexts, &Context->Link);
    if (!IsListEmpty(&Server.WaitingForContext)) {
        PECHO_CONNECTION waiting =
            CONTAINING_RECORD(RemoveHeadList(&Server.WaitingForContext), ECHO_CONNECTION, WaitLink);
        waiting->WaitingForContext = FALSE;
        wake = EchoQueueWorkLocked(waiting);
    }
    return wake;
}

static PECHO_CONTEXT EchoTakeContextLocked(PECHO_CONNECTION Connection) {
    PECHO_CONTEXT context;
    if (IsListEmpty(&Server.FreeContexts)) {
        return NULL;
    }
    context = CONTAINING_RECORD(RemoveHeadList(&Server.FreeContexts), ECHO_CONTEXT, Link);
    context->Connection = Connection;
    context->Length = 0;
    Connection->InFlight++;
    return context;
}

/* ---- callbacks (DISPATCH_LEVEL; they never wait) ---------------------------- */

/* Copies Length bytes from the indication chain, starting Skip bytes in. */
static VOID EchoCopyFromIndications(PWSK_DATA_INDICATION Indication, SIZE_T Skip, PUCHAR Destination, SIZE_T Length) {
    for (; Indication != NULL && Length > 0; Indication = Indication->Next) {
        PMDL mdl = Indication->Buffer.Mdl;
        SIZE_T offset = Indication->Buffer.Offset;
        SIZE_T remaining = Indication->Buffer.Length;
        for (; mdl != NULL && remaining > 0 && Length > 0; mdl = mdl->Next) {
            SIZE_T piece = MmGetMdlByteCount(mdl) - offset;
            PUCHAR source;
            if (piece > remaining) {
                piece = remaining;
            }
            remaining -= piece;
            if (Skip >= piece) {
                Skip -= piece;
                offset = 0;
                continue;
            }
            source = (PUCHAR)MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority | MdlMappingNoExecute);
            if (source != NULL) {
                SIZE_T take = piece - Skip;
                if (take > Length) {
                    take = Length;
                }
                RtlCopyMemory(Destination, source + offset + Skip, take);
                Destination += take;
                Length -= take;
            }
            Skip = 0;
            offset = 0;
        }
    }
}

static NTSTATUS WSKAPI EchoAcceptEvent(PVOID SocketContext, ULONG Flags, PSOCKADDR LocalAddress,
                                       PSOCKADDR RemoteAddress, PWSK_SOCKET AcceptSocket,
                                       PVOID *AcceptSocketContext,
                                       const WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch) {
    PECHO_CONNECTION connection;
    KIRQL irql;
    UNREFERENCED_PARAMETER(SocketContext);
    UNREFERENCED_PARAMETER(Flags);
    UNREFERENCED_PARAMETER(LocalAddress);
    UNREFERENCED_PARAMETER(RemoteAddress);
    if (AcceptSocket == NULL) {
        /* The listener is dead: EchoServerStop closes it. */
        InterlockedIncrement(&Server.Stats.NullIndications);
        return STATUS_REQUEST_NOT_ACCEPTED;
    }
    if (ReadAcquire(&Server.Stopping) || (ULONG)ReadAcquire(&Server.Stats.Open) >= Server.MaxConnections) {
        InterlockedIncrement(&Server.Stats.Refused);
        return STATUS_REQUEST_NOT_ACCEPTED;
    }
    connection = (PECHO_CONNECTION)ExAllocatePoolZero(NonPagedPoolNx, sizeof(ECHO_CONNECTION), ECHO_TAG);
    if (connection == NULL) {
        InterlockedIncrement(&Server.Stats.Refused);
        return STATUS_REQUEST_NOT_ACCEPTED;
    }
    connection->Socket = AcceptSocket;
    KeAcquireSpinLock(&Server.Lock, &irql);
    InsertTailList(&Server.Connections, &connection->Link);
    KeReleaseSpinLock(&Server.Lock, irql);
    InterlockedIncrement(&Server.Stats.Open);
    InterlockedIncrement(&Server.Stats.Accepted);
    *AcceptSocketContext = connection;
    *AcceptSocketDispatch = &EchoConnectionDispatch;
    return STATUS_SUCCESS;
}

static NTSTATUS WSKAPI EchoReceiveEvent(PVOID SocketContext, ULONG Flags, PWSK_DATA_INDICATION DataIndication,
                                        SIZE_T BytesIndicated, SIZE_T *BytesAccepted) {
    PECHO_CONNECTION connection = (PECHO_CONNECTION)SocketContext;
    SIZE_T copied = 0;
    BOOLEAN wake = FALSE;
    NTSTATUS status = STATUS_SUCCESS;
    KIRQL irql;
    UNREFERENCED_PARAMETER(Flags);

    KeAcquireSpinLock(&Server.Lock, &irql);
    if (DataIndication == NULL) {
        /* The socket is dead: close it as soon as possible. */
        InterlockedIncrement(&Server.Stats.NullIndications);
        connection->Broken = TRUE;
        wake = EchoQueueWorkLocked(connection);
    } else if (connection->Stalled || connection->ReceivePosted || connection->Closing) {
        connection->Stalled = TRUE;
        wake = EchoQueueWorkLocked(connection);
        status = STATUS_DATA_NOT_ACCEPTED;
    } else {
        InterlockedIncrement(&Server.Stats.Indications);
        while (copied < BytesIndicated) {
            PECHO_CONTEXT context = EchoTakeContextLocked(connection);
            SIZE_T length = BytesIndicated - copied;
            if (context == NULL) {
                break;
            }
            if (length > ECHO_BUFFER_SIZE) {
                length = ECHO_BUFFER_SIZE;
            }
            EchoCopyFromIndications(DataIndication, copied, context->Buffer, length);
            context->Length = (ULONG)length;
            InsertTailList(&Server.SendQueue, &context->Link);
            copied += length;
            wake = TRUE;
        }
        if (copied < BytesIndicated) {
            InterlockedIncrement(&Server.Stats.NotAccepted);
            connection->Stalled = TRUE;
            wake = EchoQueueWorkLocked(connection) || wake;
            if (copied == 0) {
                status = STATUS_DATA_NOT_ACCEPTED;
            } else {
                *BytesAccepted = copied;
            }
        }
    }
    KeReleaseSpinLock(&Server.Lock, irql);
    if (wake) {
        KeSetEvent(&Server.Work, IO_NO_INCREMENT, FALSE);
    }
    return status;
}

static NTSTATUS WSKAPI EchoDisconnectEvent(PVOID SocketContext, ULONG Flags) {
    PECHO_CONNECTION connection = (PECHO_CONNECTION)SocketContext;
    BOOLEAN wake;
    KIRQL irql;
    KeAcquireSpinLock(&Server.Lock, &irql);
    connection->PeerDone = TRUE;
    if ((Flags & WSK_FLAG_ABORTIVE) != 0) {
        connection->Broken = TRUE;
    }
    wake = EchoQueueWorkLocked(connection);
    KeReleaseSpinLock(&Server.Lock, irql);
    if (wake) {
        KeSetEvent(&Server.Work, IO_NO_INCREMENT, FALSE);
    }
    return STATUS_SUCCESS;
}

/* ---- completion routines (any IRQL <= DISPATCH_LEVEL) ------------------------ */

static IO_COMPLETION_ROUTINE EchoSendComplete;
static NTSTATUS NTAPI EchoSendComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    PECHO_CONTEXT context = (PECHO_CONTEXT)Context;
    PECHO_CONNECTION connection = context->Connection;
    BOOLEAN wake;
    KIRQL irql;
    UNREFERENCED_PARAMETER(DeviceObject);
    if (NT_SUCCESS(Irp->IoStatus.Status)) {
        InterlockedExchangeAdd64(&Server.Stats.BytesEchoed, (LONG64)Irp->IoStatus.Information);
    } else {
        InterlockedIncrement(&Server.Stats.SendFailures);
    }
    KeAcquireSpinLock(&Server.Lock, &irql);
    if (!NT_SUCCESS(Irp->IoStatus.Status)) {
        connection->Broken = TRUE;
    }
    connection->InFlight--;
    wake = EchoFreeContextLocked(context);
    wake = EchoQueueWorkLocked(connection) || wake;
    KeReleaseSpinLock(&Server.Lock, irql);
    if (wake) {
        KeSetEvent(&Server.Work, IO_NO_INCREMENT, FALSE);
    }
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static IO_COMPLETION_ROUTINE EchoReceiveComplete;
static NTSTATUS NTAPI EchoReceiveComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    PECHO_CONTEXT context = (PECHO_CONTEXT)Context;
    PECHO_CONNECTION connection = context->Connection;
    BOOLEAN wake = TRUE;
    KIRQL irql;
    UNREFERENCED_PARAMETER(DeviceObject);
    KeAcquireSpinLock(&Server.Lock, &irql);
    connection->ReceivePosted = FALSE;
    if (NT_SUCCESS(Irp->IoStatus.Status) && Irp->IoStatus.Information > 0) {
        /* Queued before indications resume, so the bytes keep their order. */
        context->Length = (ULONG)Irp->IoStatus.Information;
        InsertTailList(&Server.SendQueue, &context->Link);
    } else {
        if (NT_SUCCESS(Irp->IoStatus.Status)) {
            connection->PeerDone = TRUE; /* 0 bytes: the client's FIN */
        } else if (Irp->IoStatus.Status != STATUS_CANCELLED) {
            connection->Broken = TRUE;
        }
        connection->InFlight--;
        wake = EchoFreeContextLocked(context);
    }
    wake = EchoQueueWorkLocked(connection) || wake;
    KeReleaseSpinLock(&Server.Lock, irql);
    if (wake) {
        KeSetEvent(&Server.Work, IO_NO_INCREMENT, FALSE);
    }
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* ---- the worker (PASSIVE_LEVEL) ---------------------------------------------- */

static VOID EchoIssue(PECHO_CONTEXT Context, BOOLEAN Receive) {
    WSK_BUF buffer;
    PWSK_SOCKET socket = Context->Connection->Socket;
    IoReuseIrp(Context->Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Context->Irp, Receive ? EchoReceiveComplete : EchoSendComplete, Context, TRUE, TRUE,
                           TRUE);
    buffer.Mdl = Context->Mdl;
    buffer.Offset = 0;
    buffer.Length = Receive ? ECHO_BUFFER_SIZE : Context->Length;
    if (Receive) {
        InterlockedIncrement(&Server.Stats.PostedReceives);
        ConnectionCalls(socket)->WskReceive(socket, &buffer, 0, Context->Irp);
    } else {
        ConnectionCalls(socket)->WskSend(socket, &buffer, 0, Context->Irp);
    }
}

/* Disconnects (unless broken) and closes; the connection is freed after. */
static VOID EchoClose(PECHO_CONNECTION Connection) {
    PLIST_ENTRY entry;
    KIRQL irql;
    BOOLEAN graceful;
    /* Contexts still queued for this connection are dropped: the socket goes. */
    KeAcquireSpinLock(&Server.Lock, &irql);
    entry = Server.SendQueue.Flink;
    while (entry != &Server.SendQueue) {
        PECHO_CONTEXT context = CONTAINING_RECORD(entry, ECHO_CONTEXT, Link);
        entry = entry->Flink;
        if (context->Connection == Connection) {
            RemoveEntryList(&context->Link);
            Connection->InFlight--;
            EchoFreeContextLocked(context);
        }
    }
    if (Connection->WaitingForContext) {
        RemoveEntryList(&Connection->WaitLink);
        Connection->WaitingForContext = FALSE;
    }
    graceful = !Connection->Broken && Connection->InFlight == 0 && !Connection->ReceivePosted;
    KeReleaseSpinLock(&Server.Lock, irql);

    if (graceful) {
        EchoSyncWait(&Server.WorkerSync, ConnectionCalls(Connection->Socket)->WskDisconnect(
                                              Connection->Socket, NULL, 0, EchoSyncBegin(&Server.WorkerSync)));
    } else {
        InterlockedIncrement(&Server.Stats.Aborted);
    }
    /* Pending sends and receives are cancelled; the close completes after them. */
    EchoSyncWait(&Server.WorkerSync, ConnectionCalls(Connection->Socket)->WskCloseSocket(
                                          Connection->Socket, EchoSyncBegin(&Server.WorkerSync)));

    KeAcquireSpinLock(&Server.Lock, &irql);
    RemoveEntryList(&Connection->Link);
    KeReleaseSpinLock(&Server.Lock, irql);
    ExFreePoolWithTag(Connection, ECHO_TAG);
    InterlockedIncrement(&Server.Stats.Closed);
    if (InterlockedDecrement(&Server.Stats.Open) == 0 && ReadAcquire(&Server.Stopping)) {
        KeSetEvent(&Server.AllClosed, IO_NO_INCREMENT, FALSE);
    }
}

/* One piece of work, or FALSE if there is none. */
static BOOLEAN EchoWorkOnce(VOID) {
    PECHO_CONTEXT context = NULL;
    PECHO_CONNECTION connection = NULL;
    BOOLEAN close = FALSE;
    KIRQL irql;
    KeAcquireSpinLock(&Server.Lock, &irql);
    if (!IsListEmpty(&Server.SendQueue)) {
        context = CONTAINING_RECORD(RemoveHeadList(&Server.SendQueue), ECHO_CONTEXT, Link);
        if (context->Connection->Broken) {
            /* An earlier send failed: these bytes must not follow the gap. */
            PECHO_CONNECTION broken = context->Connection;
            broken->InFlight--;
            EchoFreeContextLocked(context);
            EchoQueueWorkLocked(broken);
            KeReleaseSpinLock(&Server.Lock, irql);
            return TRUE;
        }
    } else if (!IsListEmpty(&Server.ConnectionWork)) {
        connection = CONTAINING_RECORD(RemoveHeadList(&Server.ConnectionWork), ECHO_CONNECTION, WorkLink);
        connection->WorkQueued = FALSE;
        if (EchoReadyToCloseLocked(connection)) {
            connection->Closing = TRUE;
            close = TRUE;
        } else if (connection->Stalled && !connection->ReceivePosted) {
            context = EchoTakeContextLocked(connection);
            if (context != NULL) {
                connection->Stalled = FALSE;
                connection->ReceivePosted = TRUE;
            } else if (!connection->WaitingForContext) {
                connection->WaitingForContext = TRUE;
                InsertTailList(&Server.WaitingForContext, &connection->WaitLink);
            }
        }
    }
    KeReleaseSpinLock(&Server.Lock, irql);

    if (close) {
        EchoClose(connection);
    } else if (context != NULL) {
        EchoIssue(context, connection != NULL);
    }
    return context != NULL || connection != NULL;
}

static KSTART_ROUTINE EchoWorker;
static VOID NTAPI EchoWorker(PVOID StartContext) {
    UNREFERENCED_PARAMETER(StartContext);
    for (;;) {
        KeWaitForSingleObject(&Server.Work, Executive, KernelMode, FALSE, NULL);
        while (EchoWorkOnce()) {
        }
        if (ReadAcquire(&Server.Stopping) && ReadAcquire(&Server.Stats.Open) == 0) {
            PsTerminateSystemThread(STATUS_SUCCESS);
        }
    }
}

/* ---- start and stop ------------------------------------------------------------ */

static VOID EchoFreeContexts(VOID) {
    ULONG i;
    if (Server.Contexts == NULL) {
        return;
    }
    for (i = 0; i < Server.ContextCount; ++i) {
        PECHO_CONTEXT context = &Server.Contexts[i];
        if (context->Mdl != NULL) {
            IoFreeMdl(context->Mdl);
        }
        if (context->Buffer != NULL) {
            ExFreePoolWithTag(context->Buffer, ECHO_TAG);
        }
        if (context->Irp != NULL) {
            IoFreeIrp(context->Irp);
        }
    }
    ExFreePoolWithTag(Server.Contexts, ECHO_TAG);
    Server.Contexts = NULL;
}

static NTSTATUS EchoAllocateContexts(ULONG Count) {
    ULONG i;
    Server.Contexts = (PECHO_CONTEXT)ExAllocatePoolZero(NonPagedPoolNx, sizeof(ECHO_CONTEXT) * Count, ECHO_TAG);
    if (Server.Contexts == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Server.ContextCount = Count;
    for (i = 0; i < Count; ++i) {
        PECHO_CONTEXT context = &Server.Contexts[i];
        context->Irp = IoAllocateIrp(1, FALSE);
        context->Buffer = (PUCHAR)ExAllocatePoolZero(NonPagedPoolNx, ECHO_BUFFER_SIZE, ECHO_TAG);
        if (context->Irp == NULL || context->Buffer == NULL) {
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        context->Mdl = IoAllocateMdl(context->Buffer, ECHO_BUFFER_SIZE, FALSE, FALSE, NULL);
        if (context->Mdl == NULL) {
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        MmBuildMdlForNonPagedPool(context->Mdl);
        InsertTailList(&Server.FreeContexts, &context->Link);
    }
    return STATUS_SUCCESS;
}

static NTSTATUS EchoStartWorker(VOID) {
    HANDLE thread;
    NTSTATUS status = PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, NULL, NULL, NULL, EchoWorker, NULL);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = ObReferenceObjectByHandle(thread, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, (PVOID *)&Server.Worker,
                                       NULL);
    ZwClose(thread);
    return status;
}

static NTSTATUS EchoListen(const SOCKADDR *Address, USHORT *Port) {
    const WSK_PROVIDER_DISPATCH *calls = Server.Provider.Dispatch;
    WSK_EVENT_CALLBACK_CONTROL events;
    SOCKADDR_STORAGE local;
    NTSTATUS status;
    PIRP irp = EchoSyncBegin(&Server.CallerSync);
    status = EchoSyncWait(&Server.CallerSync,
                          calls->WskSocket(Server.Provider.Client, Address->sa_family, SOCK_STREAM, IPPROTO_TCP,
                                           WSK_FLAG_LISTEN_SOCKET, NULL, &EchoListenDispatch, NULL, NULL, NULL, irp));
    if (!NT_SUCCESS(status)) {
        return status;
    }
    Server.Listener = (PWSK_SOCKET)Server.CallerSync.Irp->IoStatus.Information;
    status = EchoSyncWait(&Server.CallerSync, ListenCalls(Server.Listener)->WskBind(Server.Listener, (PSOCKADDR)Address,
                                                                                   0, EchoSyncBegin(&Server.CallerSync)));
    if (!NT_SUCCESS(status)) {
        return status;
    }
    RtlZeroMemory(&local, sizeof(local));
    status = EchoSyncWait(&Server.CallerSync,
                          ListenCalls(Server.Listener)->WskGetLocalAddress(Server.Listener, (PSOCKADDR)&local,
                                                                           EchoSyncBegin(&Server.CallerSync)));
    if (!NT_SUCCESS(status)) {
        return status;
    }
    *Port = RtlUshortByteSwap(local.ss_family == AF_INET ? ((SOCKADDR_IN *)&local)->sin_port
                                                         : ((SOCKADDR_IN6 *)&local)->sin6_port);
    /* Connection events enabled on the listener pass to the accepted sockets. */
    events.NpiId = (PNPIID)&NPI_WSK_INTERFACE_ID;
    events.EventMask = WSK_EVENT_ACCEPT | WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT;
    return ListenCalls(Server.Listener)->WskControlSocket(Server.Listener, WskSetOption, SO_WSK_EVENT_CALLBACK,
                                                          SOL_SOCKET, sizeof(events), &events, 0, NULL, NULL, NULL);
}

NTSTATUS EchoServerStart(const SOCKADDR *Address, ULONG MaxConnections, ULONG PoolSize, USHORT *Port) {
    WSK_CLIENT_NPI client;
    NTSTATUS status;
    RtlZeroMemory(&Server, sizeof(Server));
    KeInitializeSpinLock(&Server.Lock);
    InitializeListHead(&Server.Connections);
    InitializeListHead(&Server.ConnectionWork);
    InitializeListHead(&Server.WaitingForContext);
    InitializeListHead(&Server.FreeContexts);
    InitializeListHead(&Server.SendQueue);
    KeInitializeEvent(&Server.Work, SynchronizationEvent, FALSE);
    KeInitializeEvent(&Server.AllClosed, NotificationEvent, FALSE);
    Server.MaxConnections = MaxConnections;

    client.ClientContext = NULL;
    client.Dispatch = &EchoClientDispatch;
    status = WskRegister(&client, &Server.Registration);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    Server.Registered = TRUE;
    status = WskCaptureProviderNPI(&Server.Registration, WSK_INFINITE_WAIT, &Server.Provider);
    if (NT_SUCCESS(status)) {
        Server.Captured = TRUE;
        status = EchoSyncInit(&Server.CallerSync);
    }
    if (NT_SUCCESS(status)) {
        status = EchoSyncInit(&Server.WorkerSync);
    }
    if (NT_SUCCESS(status)) {
        status = EchoAllocateContexts(PoolSize == 0 ? 1 : PoolSize);
    }
    if (NT_SUCCESS(status)) {
        status = EchoStartWorker();
    }
    if (NT_SUCCESS(status)) {
        status = EchoListen(Address, Port);
    }
    if (!NT_SUCCESS(status)) {
        EchoServerStop();
    }
    return status;
}

NTSTATUS EchoServerStop(VOID) {
    NTSTATUS status = STATUS_SUCCESS;
    PLIST_ENTRY entry;
    KIRQL irql;
    InterlockedExchange(&Server.Stopping, 1);
    if (Server.Listener != NULL) {
        /* No accept callback runs once the close completes. */
        status = EchoSyncWait(&Server.CallerSync, ListenCalls(Server.Listener)->WskCloseSocket(
                                                      Server.Listener, EchoSyncBegin(&Server.CallerSync)));
        Server.Listener = NULL;
    }
    if (Server.Worker != NULL) {
        KeAcquireSpinLock(&Server.Lock, &irql);
        for (entry = Server.Connections.Flink; entry != &Server.Connections; entry = entry->Flink) {
            EchoQueueWorkLocked(CONTAINING_RECORD(entry, ECHO_CONNECTION, Link));
        }
        if (ReadAcquire(&Server.Stats.Open) == 0) {
            KeSetEvent(&Server.AllClosed, IO_NO_INCREMENT, FALSE);
        }
        KeReleaseSpinLock(&Server.Lock, irql);
        KeSetEvent(&Server.Work, IO_NO_INCREMENT, FALSE);
        KeWaitForSingleObject(&Server.AllClosed, Executive, KernelMode, FALSE, NULL);
        KeSetEvent(&Server.Work, IO_NO_INCREMENT, FALSE);
        KeWaitForSingleObject(Server.Worker, Executive, KernelMode, FALSE, NULL);
        ObDereferenceObject(Server.Worker);
        Server.Worker = NULL;
    }
    EchoFreeContexts();
    EchoSyncFree(&Server.WorkerSync);
    EchoSyncFree(&Server.CallerSync);
    if (Server.Captured) {
        WskReleaseProviderNPI(&Server.Registration);
        Server.Captured = FALSE;
    }
    if (Server.Registered) {
        WskDeregister(&Server.Registration);
        Server.Registered = FALSE;
    }
    return status;
}

VOID EchoServerQueryStats(PECHO_SERVER_STATS Stats) {
    /* Each counter is read as the interlocked operations write it. */
    Stats->Accepted = ReadAcquire(&Server.Stats.Accepted);
    Stats->Refused = ReadAcquire(&Server.Stats.Refused);
    Stats->Open = ReadAcquire(&Server.Stats.Open);
    Stats->Closed = ReadAcquire(&Server.Stats.Closed);
    Stats->Aborted = ReadAcquire(&Server.Stats.Aborted);
    Stats->BytesEchoed = ReadAcquire64(&Server.Stats.BytesEchoed);
    Stats->Indications = ReadAcquire(&Server.Stats.Indications);
    Stats->NotAccepted = ReadAcquire(&Server.Stats.NotAccepted);
    Stats->PostedReceives = ReadAcquire(&Server.Stats.PostedReceives);
    Stats->NullIndications = ReadAcquire(&Server.Stats.NullIndications);
    Stats->SendFailures = ReadAcquire(&Server.Stats.SendFailures);
}
