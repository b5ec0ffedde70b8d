/* A C11 test driver: a WSK echo client written the way drivers use WSK. One
 * IRP from IoAllocateIrp(1, FALSE) serves every call: the synchronous
 * pattern (KEVENT + completion routine returning
 * STATUS_MORE_PROCESSING_REQUIRED, wait on STATUS_PENDING, IoReuseIrp
 * between calls). Buffers are nonpaged pool described by MDLs from
 * IoAllocateMdl + MmBuildMdlForNonPagedPool. Only WDK headers. */
#include <ntddk.h>
#include <wsk.h>

#include "wsk_echo_client_driver.h"

#define ECHO_TAG 'ohcE'

static const WSK_CLIENT_DISPATCH EchoClientDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};

static IO_COMPLETION_ROUTINE EchoIrpComplete;

static NTSTATUS EchoIrpComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED; /* the IRP is ours: reused, then freed */
}

/* Ready for the next call. */
static VOID EchoPrepareIrp(PIRP Irp, PKEVENT Event) {
    KeResetEvent(Event);
    IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Irp, EchoIrpComplete, Event, TRUE, TRUE, TRUE);
}

/* The result of a call made with Irp. */
static NTSTATUS EchoWait(NTSTATUS Status, PIRP Irp, PKEVENT Event) {
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(Event, Executive, KernelMode, FALSE, NULL);
        Status = Irp->IoStatus.Status;
    }
    return Status;
}

/* A chain of Count MDLs over Buffer[0 .. Size), the pieces of unequal size. */
static PMDL EchoBuildChain(PUCHAR Buffer, ULONG Size, ULONG Count) {
    PMDL first = NULL;
    PMDL last = NULL;
    ULONG start = 0;
    ULONG i;
    for (i = 0; i < Count; i++) {
        ULONG end = (i + 1 == Count) ? Size : (Size / Count) * (i + 1) + (i % 3);
        PMDL mdl;
        if (end > Size) {
            end = Size;
        }
        mdl = IoAllocateMdl(Buffer + start, end - start, FALSE, FALSE, NULL);
        if (mdl == NULL) {
            break;
        }
        MmBuildMdlForNonPagedPool(mdl);
        if (last == NULL) {
            first = mdl;
        } else {
            last->Next = mdl;
        }
        last = mdl;
        start = end;
    }
    return first;
}

static VOID EchoFreeChain(PMDL Mdl) {
    while (Mdl != NULL) {
        PMDL next = Mdl->Next;
        IoFreeMdl(Mdl);
        Mdl = next;
    }
}

static USHORT EchoPortOf(const SOCKADDR *Address) {
    return Address->sa_family == AF_INET ? ((const SOCKADDR_IN *)Address)->sin_port
                                         : ((const SOCKADDR_IN6 *)Address)->sin6_port;
}

NTSTATUS WskEchoClientRun(const SOCKADDR *Remote, const UCHAR *Message, ULONG Length, ULONG Rounds, ULONG MdlCount,
                          UCHAR *Reply, PWSK_ECHO_CLIENT_RESULT Result) {
    WSK_CLIENT_NPI clientNpi;
    WSK_REGISTRATION registration;
    WSK_PROVIDER_NPI provider;
    KEVENT event;
    PIRP irp = NULL;
    PWSK_SOCKET socket = NULL;
    const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = NULL;
    SOCKADDR_STORAGE local;
    SOCKADDR_STORAGE remote;
    SOCKADDR_STORAGE peer;
    PUCHAR sendBuffer = NULL;
    PUCHAR receiveBuffer = NULL;
    PMDL sendChain = NULL;
    PMDL receiveMdl = NULL;
    WSK_BUF buf;
    NTSTATUS status;
    ULONG round;
    const ULONG offset = 3; /* an odd offset into the first MDL */
    const ULONG total = Length * Rounds;

    RtlZeroMemory(Result, sizeof(*Result));
    RtlZeroMemory(&local, sizeof(local));
    RtlZeroMemory(&remote, sizeof(remote));
    RtlCopyMemory(&remote, Remote, Remote->sa_family == AF_INET ? sizeof(SOCKADDR_IN) : sizeof(SOCKADDR_IN6));
    local.ss_family = Remote->sa_family; /* wildcard address, port 0 */

    clientNpi.ClientContext = NULL;
    clientNpi.Dispatch = &EchoClientDispatch;
    status = WskRegister(&clientNpi, &registration);
    Result->RegisterStatus = status;
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = WskCaptureProviderNPI(&registration, WSK_INFINITE_WAIT, &provider);
    Result->CaptureStatus = status;
    if (!NT_SUCCESS(status)) {
        WskDeregister(&registration);
        return status;
    }

    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    irp = IoAllocateIrp(1, FALSE);
    sendBuffer = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, (SIZE_T)Length + offset, ECHO_TAG);
    receiveBuffer = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, total, ECHO_TAG);
    if (irp == NULL || sendBuffer == NULL || receiveBuffer == NULL) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        goto release;
    }
    RtlCopyMemory(sendBuffer + offset, Message, Length);
    sendChain = EchoBuildChain(sendBuffer, Length + offset, MdlCount == 0 ? 1 : MdlCount);
    receiveMdl = IoAllocateMdl(receiveBuffer, total, FALSE, FALSE, NULL);
    if (sendChain == NULL || receiveMdl == NULL) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        goto release;
    }
    MmBuildMdlForNonPagedPool(receiveMdl);

    EchoPrepareIrp(irp, &event);
    status = EchoWait(provider.Dispatch->WskSocket(provider.Client, Remote->sa_family, SOCK_STREAM, IPPROTO_TCP,
                                                   WSK_FLAG_CONNECTION_SOCKET, NULL, NULL, NULL, NULL, NULL, irp),
                      irp, &event);
    Result->SocketStatus = status;
    if (!NT_SUCCESS(status)) {
        goto release;
    }
    socket = (PWSK_SOCKET)irp->IoStatus.Information;
    dispatch = (const WSK_PROVIDER_CONNECTION_DISPATCH *)socket->Dispatch;

    EchoPrepareIrp(irp, &event);
    status = EchoWait(dispatch->WskBind(socket, (PSOCKADDR)&local, 0, irp), irp, &event);
    Result->BindStatus = status;
    if (!NT_SUCCESS(status)) {
        goto close;
    }
    EchoPrepareIrp(irp, &event);
    status = EchoWait(dispatch->WskConnect(socket, (PSOCKADDR)&remote, 0, irp), irp, &event);
    Result->ConnectStatus = status;
    if (!NT_SUCCESS(status)) {
        goto close;
    }
    RtlZeroMemory(&peer, sizeof(peer));
    EchoPrepareIrp(irp, &event);
    status = EchoWait(dispatch->WskGetRemoteAddress(socket, (PSOCKADDR)&peer, irp), irp, &event);
    Result->RemoteAddressStatus = status;
    Result->RemotePortMatches = NT_SUCCESS(status) && EchoPortOf((PSOCKADDR)&peer) == EchoPortOf(Remote);

    for (round = 0; round < Rounds; round++) {
        buf.Mdl = sendChain;
        buf.Offset = offset;
        buf.Length = Length;
        EchoPrepareIrp(irp, &event);
        status = EchoWait(dispatch->WskSend(socket, &buf, 0, irp), irp, &event);
        Result->SendStatus = status;
        if (!NT_SUCCESS(status)) {
            goto close;
        }
        Result->BytesSent += irp->IoStatus.Information;
    }

    buf.Mdl = receiveMdl;
    buf.Offset = 0;
    buf.Length = total;
    EchoPrepareIrp(irp, &event);
    status = EchoWait(dispatch->WskReceive(socket, &buf, WSK_FLAG_WAITALL, irp), irp, &event);
    Result->ReceiveStatus = status;
    if (NT_SUCCESS(status)) {
        Result->BytesReceived = irp->IoStatus.Information;
        RtlCopyMemory(Reply, receiveBuffer, Result->BytesReceived);
    }

close:
    EchoPrepareIrp(irp, &event);
    Result->CloseStatus = EchoWait(dispatch->WskCloseSocket(socket, irp), irp, &event);
release:
    EchoFreeChain(sendChain);
    if (receiveMdl != NULL) {
        IoFreeMdl(receiveMdl);
    }
    if (sendBuffer != NULL) {
        ExFreePoolWithTag(sendBuffer, ECHO_TAG);
    }
    if (receiveBuffer != NULL) {
        ExFreePoolWithTag(receiveBuffer, ECHO_TAG);
    }
    if (irp != NULL) {
        IoFreeIrp(irp);
    }
    WskReleaseProviderNPI(&registration);
    WskDeregister(&registration);
    return status;
}
