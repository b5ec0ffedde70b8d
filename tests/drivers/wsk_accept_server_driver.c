/* A C11 test driver: a WSK echo server written the way drivers accept
 * connections. Two modes:
 *   - WskAccept: one IRP from IoAllocateIrp(1, FALSE) serves every call with
 *     the synchronous pattern (KEVENT + completion routine returning
 *     STATUS_MORE_PROCESSING_REQUIRED, wait on STATUS_PENDING, IoReuseIrp
 *     between calls);
 *   - WskAcceptEvent: the accept callback (DISPATCH_LEVEL) takes each
 *     connection with a context of its own from nonpaged pool and starts
 *     it; completion routines drive receive -> send -> close, each step on
 *     a fresh IRP that the completion routine frees.
 * Only WDK headers. */
#include <ntddk.h>
#include <wsk.h>

#include "wsk_accept_server_driver.h"

#define ACCEPT_TAG 'ccAW'

struct _WSK_ACCEPT_SERVER {
    WSK_REGISTRATION Registration;
    WSK_PROVIDER_NPI Provider;
    BOOLEAN Registered;
    BOOLEAN Captured;
    WSK_ACCEPT_SERVER_MODE Mode;
    ADDRESS_FAMILY Family;
    ULONG Length;
    PWSK_SOCKET Listener;
    PIRP Irp; /* the synchronous pattern's IRP */
    KEVENT IrpDone;
    PUCHAR Buffer; /* WskAccept mode's buffer */
    PMDL Mdl;
    volatile LONG Served;
    volatile LONG Failures;
    volatile LONG Active; /* connections the completion routines still serve, plus 1 until the close */
    volatile LONG Closing;
    volatile LONG ListenerDead;
    KEVENT Progress; /* SynchronizationEvent: a connection was served */
    KEVENT Idle;     /* NotificationEvent: no connection active after close began */
};

/* One connection of the event mode. */
typedef enum _CONNECTION_STEP { StepReceive, StepSend, StepClose } CONNECTION_STEP;

typedef struct _ACCEPT_CONNECTION {
    PWSK_ACCEPT_SERVER Server;
    PWSK_SOCKET Socket;
    PMDL Mdl;
    WSK_BUF Buffer;
    CONNECTION_STEP Step;
    BOOLEAN Failed;
    UCHAR Data[1];
} ACCEPT_CONNECTION, *PACCEPT_CONNECTION;

static const WSK_CLIENT_DISPATCH ServerClientDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};
static const WSK_CLIENT_CONNECTION_DISPATCH ServerConnectionDispatch = {NULL, NULL, NULL};

static NTSTATUS WSKAPI ServerAcceptEvent(PVOID SocketContext, ULONG Flags, PSOCKADDR LocalAddress,
                                         PSOCKADDR RemoteAddress, PWSK_SOCKET AcceptSocket,
                                         PVOID *AcceptSocketContext,
                                         const WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch);
static const WSK_CLIENT_LISTEN_DISPATCH ServerListenDispatch = {ServerAcceptEvent, NULL, NULL};

/* ---- the synchronous pattern ------------------------------------------------ */

static IO_COMPLETION_ROUTINE ServerIrpComplete;

static NTSTATUS ServerIrpComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static VOID ServerPrepare(PWSK_ACCEPT_SERVER Server) {
    KeResetEvent(&Server->IrpDone);
    IoReuseIrp(Server->Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Server->Irp, ServerIrpComplete, &Server->IrpDone, TRUE, TRUE, TRUE);
}

static NTSTATUS ServerWait(PWSK_ACCEPT_SERVER Server, NTSTATUS Status) {
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(&Server->IrpDone, Executive, KernelMode, FALSE, NULL);
        Status = Server->Irp->IoStatus.Status;
    }
    return Status;
}

/* ---- the event mode's connections --------------------------------------------- */

static IO_COMPLETION_ROUTINE ConnectionStepDone;
static VOID ConnectionStart(PACCEPT_CONNECTION Connection, CONNECTION_STEP Step);

static VOID ConnectionFree(PACCEPT_CONNECTION Connection) {
    PWSK_ACCEPT_SERVER server = Connection->Server;
    BOOLEAN served = !Connection->Failed;
    IoFreeMdl(Connection->Mdl);
    ExFreePoolWithTag(Connection, ACCEPT_TAG);
    if (served) {
        InterlockedIncrement(&server->Served);
    } else {
        InterlockedIncrement(&server->Failures);
    }
    KeSetEvent(&server->Progress, IO_NO_INCREMENT, FALSE);
    if (InterlockedDecrement(&server->Active) == 0) {
        KeSetEvent(&server->Idle, IO_NO_INCREMENT, FALSE);
    }
}

static NTSTATUS ConnectionStepDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    PACCEPT_CONNECTION connection = (PACCEPT_CONNECTION)Context;
    NTSTATUS status = Irp->IoStatus.Status;
    ULONG_PTR information = Irp->IoStatus.Information;
    UNREFERENCED_PARAMETER(DeviceObject);
    IoFreeIrp(Irp); /* ours: freed here, so MORE_PROCESSING_REQUIRED */
    switch (connection->Step) {
    case StepReceive:
        if (NT_SUCCESS(status) && information == connection->Buffer.Length) {
            ConnectionStart(connection, StepSend);
        } else {
            connection->Failed = TRUE;
            ConnectionStart(connection, StepClose);
        }
        break;
    case StepSend:
        if (!NT_SUCCESS(status) || information != connection->Buffer.Length) {
            connection->Failed = TRUE;
        }
        ConnectionStart(connection, StepClose);
        break;
    case StepClose:
        ConnectionFree(connection);
        break;
    }
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* Issues the next call of a connection on a fresh IRP (at DISPATCH_LEVEL
 * from the callbacks and completion routines). */
static VOID ConnectionStart(PACCEPT_CONNECTION Connection, CONNECTION_STEP Step) {
    const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch =
        (const WSK_PROVIDER_CONNECTION_DISPATCH *)Connection->Socket->Dispatch;
    PIRP irp = IoAllocateIrp(1, FALSE);
    if (irp == NULL) {
        /* Nothing to close with: the socket is left to WskDeregister's report. */
        Connection->Failed = TRUE;
        ConnectionFree(Connection);
        return;
    }
    Connection->Step = Step;
    IoSetCompletionRoutine(irp, ConnectionStepDone, Connection, TRUE, TRUE, TRUE);
    switch (Step) {
    case StepReceive:
        dispatch->WskReceive(Connection->Socket, &Connection->Buffer, WSK_FLAG_WAITALL, irp);
        break;
    case StepSend:
        dispatch->WskSend(Connection->Socket, &Connection->Buffer, 0, irp);
        break;
    case StepClose:
        dispatch->WskCloseSocket(Connection->Socket, irp);
        break;
    }
}

static NTSTATUS WSKAPI ServerAcceptEvent(PVOID SocketContext, ULONG Flags, PSOCKADDR LocalAddress,
                                         PSOCKADDR RemoteAddress, PWSK_SOCKET AcceptSocket,
                                         PVOID *AcceptSocketContext,
                                         const WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch) {
    PWSK_ACCEPT_SERVER server = (PWSK_ACCEPT_SERVER)SocketContext;
    PACCEPT_CONNECTION connection;
    UNREFERENCED_PARAMETER(Flags);
    UNREFERENCED_PARAMETER(LocalAddress);
    UNREFERENCED_PARAMETER(RemoteAddress);
    ASSERT(KeGetCurrentIrql() == DISPATCH_LEVEL);
    if (AcceptSocket == NULL) {
        InterlockedExchange(&server->ListenerDead, 1); /* close the listener soon */
        return STATUS_REQUEST_NOT_ACCEPTED;
    }
    if (ReadAcquire(&server->Closing)) {
        return STATUS_REQUEST_NOT_ACCEPTED;
    }
    connection = (PACCEPT_CONNECTION)ExAllocatePool2(POOL_FLAG_NON_PAGED,
                                                     FIELD_OFFSET(ACCEPT_CONNECTION, Data) + server->Length,
                                                     ACCEPT_TAG);
    if (connection == NULL) {
        return STATUS_REQUEST_NOT_ACCEPTED;
    }
    connection->Mdl = IoAllocateMdl(connection->Data, server->Length, FALSE, FALSE, NULL);
    if (connection->Mdl == NULL) {
        ExFreePoolWithTag(connection, ACCEPT_TAG);
        return STATUS_REQUEST_NOT_ACCEPTED;
    }
    MmBuildMdlForNonPagedPool(connection->Mdl);
    connection->Server = server;
    connection->Socket = AcceptSocket;
    connection->Buffer.Mdl = connection->Mdl;
    connection->Buffer.Offset = 0;
    connection->Buffer.Length = server->Length;
    connection->Failed = FALSE;
    InterlockedIncrement(&server->Active);
    *AcceptSocketContext = connection;
    *AcceptSocketDispatch = &ServerConnectionDispatch;
    ConnectionStart(connection, StepReceive);
    return STATUS_SUCCESS;
}

/* ---- the server ------------------------------------------------------------------- */

NTSTATUS WskAcceptServerOpen(ADDRESS_FAMILY Family, WSK_ACCEPT_SERVER_MODE Mode, ULONG Length,
                             PWSK_ACCEPT_SERVER *Server, USHORT *Port) {
    WSK_CLIENT_NPI npi;
    PWSK_ACCEPT_SERVER server;
    SOCKADDR_STORAGE local;
    NTSTATUS status;
    *Server = NULL;
    server = (PWSK_ACCEPT_SERVER)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*server), ACCEPT_TAG);
    if (server == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    RtlZeroMemory(server, sizeof(*server));
    server->Mode = Mode;
    server->Family = Family;
    server->Length = Length;
    KeInitializeEvent(&server->IrpDone, SynchronizationEvent, FALSE);
    KeInitializeEvent(&server->Progress, SynchronizationEvent, FALSE);
    KeInitializeEvent(&server->Idle, NotificationEvent, FALSE);
    /* The close's own count: Active reaches 0 only once the close has begun,
     * so the last ConnectionFree's signal is the last touch of the server. */
    server->Active = 1;
    *Server = server;
    server->Irp = IoAllocateIrp(1, FALSE);
    server->Buffer = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, Length, ACCEPT_TAG);
    if (server->Irp == NULL || server->Buffer == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    server->Mdl = IoAllocateMdl(server->Buffer, Length, FALSE, FALSE, NULL);
    if (server->Mdl == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    MmBuildMdlForNonPagedPool(server->Mdl);

    npi.ClientContext = server;
    npi.Dispatch = &ServerClientDispatch;
    status = WskRegister(&npi, &server->Registration);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    server->Registered = TRUE;
    status = WskCaptureProviderNPI(&server->Registration, WSK_INFINITE_WAIT, &server->Provider);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    server->Captured = TRUE;

    ServerPrepare(server);
    status = ServerWait(server, server->Provider.Dispatch->WskSocket(
                                    server->Provider.Client, Family, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET,
                                    server, &ServerListenDispatch, NULL, NULL, NULL, server->Irp));
    if (!NT_SUCCESS(status)) {
        return status;
    }
    server->Listener = (PWSK_SOCKET)server->Irp->IoStatus.Information;

    RtlZeroMemory(&local, sizeof(local));
    if (Family == AF_INET) {
        SOCKADDR_IN *in = (SOCKADDR_IN *)&local;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = RtlUlongByteSwap(INADDR_LOOPBACK);
    } else {
        SOCKADDR_IN6 *in6 = (SOCKADDR_IN6 *)&local;
        in6->sin6_family = AF_INET6;
        in6->sin6_addr.u.Byte[15] = 1;
    }
    ServerPrepare(server);
    status = ServerWait(server, ((const WSK_PROVIDER_LISTEN_DISPATCH *)server->Listener->Dispatch)
                                    ->WskBind(server->Listener, (PSOCKADDR)&local, 0, server->Irp));
    if (!NT_SUCCESS(status)) {
        return status;
    }
    ServerPrepare(server);
    status = ServerWait(server, ((const WSK_PROVIDER_LISTEN_DISPATCH *)server->Listener->Dispatch)
                                    ->WskGetLocalAddress(server->Listener, (PSOCKADDR)&local, server->Irp));
    if (!NT_SUCCESS(status)) {
        return status;
    }
    *Port = Family == AF_INET ? ((SOCKADDR_IN *)&local)->sin_port : ((SOCKADDR_IN6 *)&local)->sin6_port;

    if (Mode == AcceptServerWithAcceptEvent) {
        WSK_EVENT_CALLBACK_CONTROL control;
        control.NpiId = (PNPIID)&NPI_WSK_INTERFACE_ID;
        control.EventMask = WSK_EVENT_ACCEPT;
        status = ((const WSK_PROVIDER_LISTEN_DISPATCH *)server->Listener->Dispatch)
                     ->WskControlSocket(server->Listener, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET,
                                        sizeof(control), &control, 0, NULL, NULL, NULL);
    }
    return status;
}

NTSTATUS WskAcceptServerServe(PWSK_ACCEPT_SERVER Server, ULONG Count) {
    const WSK_PROVIDER_LISTEN_DISPATCH *listen = (const WSK_PROVIDER_LISTEN_DISPATCH *)Server->Listener->Dispatch;
    WSK_BUF buffer;
    ULONG i;
    buffer.Mdl = Server->Mdl;
    buffer.Offset = 0;
    buffer.Length = Server->Length;
    for (i = 0; i < Count; i++) {
        SOCKADDR_STORAGE remote;
        PWSK_SOCKET socket;
        const WSK_PROVIDER_CONNECTION_DISPATCH *connection;
        NTSTATUS status;
        NTSTATUS closed;

        ServerPrepare(Server);
        status = ServerWait(Server, listen->WskAccept(Server->Listener, 0, NULL, &ServerConnectionDispatch, NULL,
                                                      (PSOCKADDR)&remote, Server->Irp));
        if (!NT_SUCCESS(status)) {
            return status;
        }
        socket = (PWSK_SOCKET)Server->Irp->IoStatus.Information;
        connection = (const WSK_PROVIDER_CONNECTION_DISPATCH *)socket->Dispatch;
        if (remote.ss_family != Server->Family) {
            return STATUS_UNSUCCESSFUL; /* accepted sockets use the listener's family */
        }
        ServerPrepare(Server);
        status = ServerWait(Server, connection->WskReceive(socket, &buffer, WSK_FLAG_WAITALL, Server->Irp));
        if (NT_SUCCESS(status) && Server->Irp->IoStatus.Information != Server->Length) {
            status = STATUS_UNSUCCESSFUL;
        }
        if (NT_SUCCESS(status)) {
            ServerPrepare(Server);
            status = ServerWait(Server, connection->WskSend(socket, &buffer, 0, Server->Irp));
        }
        ServerPrepare(Server);
        closed = ServerWait(Server, connection->WskCloseSocket(socket, Server->Irp));
        if (!NT_SUCCESS(status)) {
            return status;
        }
        if (!NT_SUCCESS(closed)) {
            return closed;
        }
        InterlockedIncrement(&Server->Served);
    }
    return STATUS_SUCCESS;
}

NTSTATUS WskAcceptServerWait(PWSK_ACCEPT_SERVER Server, ULONG Count, ULONG TimeoutMs) {
    LARGE_INTEGER timeout;
    timeout.QuadPart = -(LONGLONG)TimeoutMs * 10000;
    while ((ULONG)(ReadAcquire(&Server->Served) + ReadAcquire(&Server->Failures)) < Count) {
        if (KeWaitForSingleObject(&Server->Progress, Executive, KernelMode, FALSE, &timeout) == STATUS_TIMEOUT) {
            return STATUS_TIMEOUT;
        }
    }
    return ReadAcquire(&Server->Failures) == 0 ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}

ULONG WskAcceptServerServed(PWSK_ACCEPT_SERVER Server) { return (ULONG)ReadAcquire(&Server->Served); }

ULONG WskAcceptServerFailures(PWSK_ACCEPT_SERVER Server) { return (ULONG)ReadAcquire(&Server->Failures); }

VOID WskAcceptServerClose(PWSK_ACCEPT_SERVER Server) {
    if (Server == NULL) {
        return;
    }
    InterlockedExchange(&Server->Closing, 1);
    if (Server->Listener != NULL) {
        /* Waits for a running accept callback; none runs afterwards. */
        ServerPrepare(Server);
        ServerWait(Server, ((const WSK_PROVIDER_LISTEN_DISPATCH *)Server->Listener->Dispatch)
                               ->WskCloseSocket(Server->Listener, Server->Irp));
        Server->Listener = NULL;
    }
    if (InterlockedDecrement(&Server->Active) != 0) {
        KeWaitForSingleObject(&Server->Idle, Executive, KernelMode, FALSE, NULL);
    }
    if (Server->Captured) {
        WskReleaseProviderNPI(&Server->Registration);
    }
    if (Server->Registered) {
        WskDeregister(&Server->Registration); /* waits for every socket */
    }
    if (Server->Mdl != NULL) {
        IoFreeMdl(Server->Mdl);
    }
    if (Server->Buffer != NULL) {
        ExFreePoolWithTag(Server->Buffer, ACCEPT_TAG);
    }
    if (Server->Irp != NULL) {
        IoFreeIrp(Server->Irp);
    }
    ExFreePoolWithTag(Server, ACCEPT_TAG);
}
