/* A C11 test driver: a UDP tunnel written the way datagram drivers use WSK.
 * Datagrams arrive through WskReceiveFromEvent, are retained (STATUS_PENDING)
 * and forwarded without a copy: one WskSendMessages per indication chain,
 * each datagram's WSK_BUF an MDL chain of a header MDL followed by the
 * indication's own MDL, or (on the way back) a WSK_BUF that starts past the
 * header inside the indication. The send's completion routine releases the
 * indications with WskRelease and frees the IRP. Setup and teardown use one
 * IRP in the synchronous KEVENT pattern. Only WDK headers. */
#include <ntddk.h>
#include <wsk.h>

#include "wsk_udp_tunnel_driver.h"

#define TUNNEL_TAG 'nnuT'

struct _WSK_UDP_TUNNEL {
    WSK_REGISTRATION Registration;
    WSK_PROVIDER_NPI Provider;
    PWSK_SOCKET Inner; /* faces the application */
    PWSK_SOCKET Outer; /* faces the far end */
    SOCKADDR_STORAGE Application; /* the last inner sender (guarded by Lock) */
    BOOLEAN HaveApplication;
    KSPIN_LOCK Lock; /* guards Application and Stats */
    LONG Sequence;
    LONG Outstanding; /* sends in flight, plus one while the tunnel runs */
    KEVENT Idle;      /* set when Outstanding drops to 0 */
    WSK_UDP_TUNNEL_STATS Stats;
};

/* One datagram of a forwarding send. */
typedef struct _TUNNEL_ELEMENT {
    WSK_BUF_LIST List;
    WSK_UDP_TUNNEL_HEADER Header;
    PMDL HeaderMdl; /* encapsulation: the header, chained to the payload */
    PUCHAR Copy;    /* a payload that had to be copied (its indication starts at an offset) */
    PMDL CopyMdl;
} TUNNEL_ELEMENT, *PTUNNEL_ELEMENT;

/* One WskSendMessages and the indications it carries. */
typedef struct _TUNNEL_SEND {
    PWSK_UDP_TUNNEL Tunnel;
    PWSK_SOCKET From; /* the socket the indications belong to */
    PWSK_DATAGRAM_INDICATION Indications;
    SOCKADDR_STORAGE To; /* the application, as it was when the datagrams came */
    ULONG Count;
    TUNNEL_ELEMENT Elements[1];
} TUNNEL_SEND, *PTUNNEL_SEND;

static NTSTATUS WSKAPI TunnelInnerReceive(PVOID SocketContext, ULONG Flags, PWSK_DATAGRAM_INDICATION DataIndication);
static NTSTATUS WSKAPI TunnelOuterReceive(PVOID SocketContext, ULONG Flags, PWSK_DATAGRAM_INDICATION DataIndication);

static const WSK_CLIENT_DISPATCH TunnelClientDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};
static const WSK_CLIENT_DATAGRAM_DISPATCH TunnelInnerDispatch = {TunnelInnerReceive};
static const WSK_CLIENT_DATAGRAM_DISPATCH TunnelOuterDispatch = {TunnelOuterReceive};

static const WSK_PROVIDER_DATAGRAM_DISPATCH *TunnelDispatch(PWSK_SOCKET Socket) {
    return (const WSK_PROVIDER_DATAGRAM_DISPATCH *)Socket->Dispatch;
}

/* ---- the synchronous pattern, for setup and teardown ------------------------- */

static IO_COMPLETION_ROUTINE TunnelSignal;
static NTSTATUS TunnelSignal(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static VOID TunnelPrepare(PIRP Irp, PKEVENT Event) {
    KeResetEvent(Event);
    IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Irp, TunnelSignal, Event, TRUE, TRUE, TRUE);
}

static NTSTATUS TunnelWait(NTSTATUS Status, PIRP Irp, PKEVENT Event) {
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(Event, Executive, KernelMode, FALSE, NULL);
        Status = Irp->IoStatus.Status;
    }
    return Status;
}

static NTSTATUS TunnelEvents(PWSK_SOCKET Socket, ULONG Mask, PIRP Irp, PKEVENT Event) {
    WSK_EVENT_CALLBACK_CONTROL control;
    control.NpiId = (PNPIID)&NPI_WSK_INTERFACE_ID;
    control.EventMask = Mask;
    if ((Mask & WSK_EVENT_DISABLE) == 0) {
        /* Enabling completes inline and takes no IRP. */
        return TunnelDispatch(Socket)->WskControlSocket(Socket, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET,
                                                        sizeof(control), &control, 0, NULL, NULL, NULL);
    }
    TunnelPrepare(Irp, Event);
    return TunnelWait(TunnelDispatch(Socket)->WskControlSocket(Socket, WskSetOption, SO_WSK_EVENT_CALLBACK,
                                                               SOL_SOCKET, sizeof(control), &control, 0, NULL, NULL,
                                                               Irp),
                      Irp, Event);
}

static NTSTATUS TunnelOpen(PWSK_UDP_TUNNEL Tunnel, ADDRESS_FAMILY Family, const WSK_CLIENT_DATAGRAM_DISPATCH *Events,
                           PWSK_SOCKET *Socket, PIRP Irp, PKEVENT Event) {
    SOCKADDR_STORAGE local;
    NTSTATUS status;
    TunnelPrepare(Irp, Event);
    status = TunnelWait(Tunnel->Provider.Dispatch->WskSocket(Tunnel->Provider.Client, Family, SOCK_DGRAM, IPPROTO_UDP,
                                                             WSK_FLAG_DATAGRAM_SOCKET, Tunnel, Events, NULL, NULL,
                                                             NULL, Irp),
                        Irp, Event);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    *Socket = (PWSK_SOCKET)Irp->IoStatus.Information;
    RtlZeroMemory(&local, sizeof(local));
    if (Family == AF_INET) {
        ((PSOCKADDR_IN)&local)->sin_family = AF_INET;
        ((PSOCKADDR_IN)&local)->sin_addr.s_addr = RtlUlongByteSwap(INADDR_LOOPBACK);
    } else {
        ((PSOCKADDR_IN6)&local)->sin6_family = AF_INET6;
        ((PSOCKADDR_IN6)&local)->sin6_addr.u.Byte[15] = 1;
    }
    TunnelPrepare(Irp, Event);
    return TunnelWait(TunnelDispatch(*Socket)->WskBind(*Socket, (PSOCKADDR)&local, 0, Irp), Irp, Event);
}

static VOID TunnelClose(PWSK_SOCKET Socket, PIRP Irp, PKEVENT Event) {
    TunnelPrepare(Irp, Event);
    TunnelWait(TunnelDispatch(Socket)->WskCloseSocket(Socket, Irp), Irp, Event);
}

/* ---- forwarding ----------------------------------------------------------------- */

static VOID TunnelCount(PWSK_UDP_TUNNEL Tunnel, LONG *Counter, LONG Amount) {
    KIRQL irql;
    KeAcquireSpinLock(&Tunnel->Lock, &irql);
    *Counter += Amount;
    KeReleaseSpinLock(&Tunnel->Lock, irql);
}

static VOID TunnelSendFailed(PWSK_UDP_TUNNEL Tunnel, NTSTATUS Status) {
    KIRQL irql;
    KeAcquireSpinLock(&Tunnel->Lock, &irql);
    Tunnel->Stats.SendFailures++;
    if (NT_SUCCESS(Tunnel->Stats.FirstFailure)) {
        Tunnel->Stats.FirstFailure = Status;
    }
    KeReleaseSpinLock(&Tunnel->Lock, irql);
}

/* The send that will carry an indication chain; NULL when there is nothing
 * to carry (a NULL indication: the socket died) or no memory (dropped). */
static PTUNNEL_SEND TunnelBegin(PWSK_UDP_TUNNEL Tunnel, PWSK_SOCKET From, PWSK_DATAGRAM_INDICATION List) {
    PWSK_DATAGRAM_INDICATION d;
    PTUNNEL_SEND send;
    ULONG count = 0;
    if (List == NULL) {
        TunnelCount(Tunnel, &Tunnel->Stats.DeadIndications, 1);
        return NULL;
    }
    for (d = List; d != NULL; d = d->Next) {
        count++;
    }
    send = (PTUNNEL_SEND)ExAllocatePool2(
        POOL_FLAG_NON_PAGED, FIELD_OFFSET(TUNNEL_SEND, Elements) + count * sizeof(TUNNEL_ELEMENT), TUNNEL_TAG);
    if (send != NULL) {
        RtlZeroMemory(send, FIELD_OFFSET(TUNNEL_SEND, Elements) + count * sizeof(TUNNEL_ELEMENT));
        send->Tunnel = Tunnel;
        send->From = From;
        send->Indications = List;
        send->Count = count;
    }
    return send;
}

static VOID TunnelFreeSend(PTUNNEL_SEND Send) {
    ULONG i;
    for (i = 0; i < Send->Count; i++) {
        PTUNNEL_ELEMENT e = &Send->Elements[i];
        if (e->HeaderMdl != NULL) {
            e->HeaderMdl->Next = NULL; /* the rest of the chain is the provider's */
            IoFreeMdl(e->HeaderMdl);
        }
        if (e->CopyMdl != NULL) {
            IoFreeMdl(e->CopyMdl);
        }
        if (e->Copy != NULL) {
            ExFreePoolWithTag(e->Copy, TUNNEL_TAG);
        }
    }
    ExFreePoolWithTag(Send, TUNNEL_TAG);
}

static IO_COMPLETION_ROUTINE TunnelSendDone;
static NTSTATUS TunnelSendDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    PTUNNEL_SEND send = (PTUNNEL_SEND)Context;
    PWSK_UDP_TUNNEL tunnel = send->Tunnel;
    UNREFERENCED_PARAMETER(DeviceObject);
    if (!NT_SUCCESS(Irp->IoStatus.Status)) {
        TunnelSendFailed(tunnel, Irp->IoStatus.Status);
    }
    /* The datagrams are on their way: the indications go back to WSK. */
    TunnelDispatch(send->From)->WskRelease(send->From, send->Indications);
    TunnelFreeSend(send);
    IoFreeIrp(Irp);
    if (InterlockedDecrement(&tunnel->Outstanding) == 0) {
        KeSetEvent(&tunnel->Idle, IO_NO_INCREMENT, FALSE);
    }
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* Sends the prepared elements; returns what the callback returns. */
static NTSTATUS TunnelForward(PTUNNEL_SEND Send, PWSK_SOCKET To, PSOCKADDR Destination) {
    PWSK_UDP_TUNNEL tunnel = Send->Tunnel;
    PIRP irp;
    ULONG i;
    LONG batch = (LONG)Send->Count;
    KIRQL irql;
    for (i = 0; i < Send->Count; i++) {
        Send->Elements[i].List.Next = (i + 1 < Send->Count) ? &Send->Elements[i + 1].List : NULL;
    }
    irp = IoAllocateIrp(1, FALSE);
    if (irp == NULL) {
        TunnelSendFailed(tunnel, STATUS_INSUFFICIENT_RESOURCES);
        TunnelFreeSend(Send);
        return STATUS_SUCCESS; /* dropped: WSK takes the indications back */
    }
    KeAcquireSpinLock(&tunnel->Lock, &irql);
    tunnel->Stats.Batches++;
    if (batch > tunnel->Stats.LongestBatch) {
        tunnel->Stats.LongestBatch = batch;
    }
    KeReleaseSpinLock(&tunnel->Lock, irql);
    InterlockedIncrement(&tunnel->Outstanding);
    IoSetCompletionRoutine(irp, TunnelSendDone, Send, TRUE, TRUE, TRUE);
    TunnelDispatch(To)->WskSendMessages(To, &Send->Elements[0].List, 0, Destination, 0, NULL, irp);
    return STATUS_PENDING; /* kept until TunnelSendDone releases them */
}

/* A payload that starts at an offset cannot follow a header MDL (a WSK_BUF
 * offset applies to the first MDL only): copy it. */
static BOOLEAN TunnelCopyPayload(PTUNNEL_ELEMENT Element, const WSK_BUF *Payload) {
    PMDL mdl = Payload->Mdl;
    ULONG offset = Payload->Offset;
    SIZE_T done = 0;
    Element->Copy = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, Payload->Length, TUNNEL_TAG);
    if (Element->Copy == NULL) {
        return FALSE;
    }
    while (done < Payload->Length && mdl != NULL) {
        SIZE_T take = MmGetMdlByteCount(mdl) - offset;
        if (take > Payload->Length - done) {
            take = Payload->Length - done;
        }
        RtlCopyMemory(Element->Copy + done, (PUCHAR)MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) + offset,
                      take);
        done += take;
        offset = 0;
        mdl = mdl->Next;
    }
    Element->CopyMdl = IoAllocateMdl(Element->Copy, (ULONG)Payload->Length, FALSE, FALSE, NULL);
    if (Element->CopyMdl == NULL) {
        return FALSE;
    }
    MmBuildMdlForNonPagedPool(Element->CopyMdl);
    return TRUE;
}

/* Application -> far end: each datagram behind a tunnel header. */
static NTSTATUS WSKAPI TunnelInnerReceive(PVOID SocketContext, ULONG Flags, PWSK_DATAGRAM_INDICATION DataIndication) {
    PWSK_UDP_TUNNEL tunnel = (PWSK_UDP_TUNNEL)SocketContext;
    PTUNNEL_SEND send = TunnelBegin(tunnel, tunnel->Inner, DataIndication);
    PWSK_DATAGRAM_INDICATION d;
    ULONG i = 0;
    KIRQL irql;
    UNREFERENCED_PARAMETER(Flags);
    if (send == NULL) {
        return STATUS_SUCCESS;
    }
    KeAcquireSpinLock(&tunnel->Lock, &irql);
    RtlCopyMemory(&tunnel->Application, DataIndication->RemoteAddress,
                  DataIndication->RemoteAddress->sa_family == AF_INET ? sizeof(SOCKADDR_IN) : sizeof(SOCKADDR_IN6));
    tunnel->HaveApplication = TRUE;
    KeReleaseSpinLock(&tunnel->Lock, irql);
    for (d = DataIndication; d != NULL; d = d->Next, i++) {
        PTUNNEL_ELEMENT e = &send->Elements[i];
        e->Header.Magic = RtlUlongByteSwap(WSK_UDP_TUNNEL_MAGIC);
        e->Header.Sequence = RtlUlongByteSwap((ULONG)InterlockedIncrement(&tunnel->Sequence));
        e->Header.Length = RtlUlongByteSwap((ULONG)d->Buffer.Length);
        e->HeaderMdl = IoAllocateMdl(&e->Header, sizeof(e->Header), FALSE, FALSE, NULL);
        if (e->HeaderMdl == NULL ||
            (d->Buffer.Length != 0 && d->Buffer.Offset != 0 && !TunnelCopyPayload(e, &d->Buffer))) {
            TunnelFreeSend(send);
            return STATUS_SUCCESS; /* dropped */
        }
        MmBuildMdlForNonPagedPool(e->HeaderMdl);
        if (d->Buffer.Length != 0) {
            e->HeaderMdl->Next = e->CopyMdl != NULL ? e->CopyMdl : d->Buffer.Mdl;
        }
        e->List.Buffer.Mdl = e->HeaderMdl;
        e->List.Buffer.Offset = 0;
        e->List.Buffer.Length = sizeof(e->Header) + d->Buffer.Length;
    }
    TunnelCount(tunnel, &tunnel->Stats.Encapsulated, (LONG)send->Count);
    /* NULL RemoteAddress: the outer socket's fixed peer (SIO_WSK_SET_REMOTE_ADDRESS). */
    return TunnelForward(send, tunnel->Outer, NULL);
}

/* The WSK_BUF of `Buffer` without its first `Skip` bytes. */
static VOID TunnelSkip(const WSK_BUF *Buffer, SIZE_T Skip, PWSK_BUF Out) {
    PMDL mdl = Buffer->Mdl;
    SIZE_T offset = Buffer->Offset + Skip;
    while (mdl != NULL && offset >= MmGetMdlByteCount(mdl) && mdl->Next != NULL) {
        offset -= MmGetMdlByteCount(mdl);
        mdl = mdl->Next;
    }
    Out->Mdl = Buffer->Length > Skip ? mdl : NULL;
    Out->Offset = Buffer->Length > Skip ? (ULONG)offset : 0;
    Out->Length = Buffer->Length - Skip;
}

/* Reads the header at the start of a datagram (it may span MDLs). */
static BOOLEAN TunnelReadHeader(const WSK_BUF *Buffer, PWSK_UDP_TUNNEL_HEADER Header) {
    PUCHAR out = (PUCHAR)Header;
    PMDL mdl = Buffer->Mdl;
    ULONG offset = Buffer->Offset;
    SIZE_T done = 0;
    if (Buffer->Length < sizeof(*Header)) {
        return FALSE;
    }
    while (done < sizeof(*Header) && mdl != NULL) {
        SIZE_T take = MmGetMdlByteCount(mdl) - offset;
        if (take > sizeof(*Header) - done) {
            take = sizeof(*Header) - done;
        }
        RtlCopyMemory(out + done, (PUCHAR)MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) + offset, take);
        done += take;
        offset = 0;
        mdl = mdl->Next;
    }
    return done == sizeof(*Header) && RtlUlongByteSwap(Header->Magic) == WSK_UDP_TUNNEL_MAGIC &&
           RtlUlongByteSwap(Header->Length) == Buffer->Length - sizeof(*Header);
}

/* Far end -> application: the header checked and stepped over. */
static NTSTATUS WSKAPI TunnelOuterReceive(PVOID SocketContext, ULONG Flags, PWSK_DATAGRAM_INDICATION DataIndication) {
    PWSK_UDP_TUNNEL tunnel = (PWSK_UDP_TUNNEL)SocketContext;
    PTUNNEL_SEND send = TunnelBegin(tunnel, tunnel->Outer, DataIndication);
    PWSK_DATAGRAM_INDICATION d;
    ULONG i = 0;
    KIRQL irql;
    BOOLEAN known;
    UNREFERENCED_PARAMETER(Flags);
    if (send == NULL) {
        return STATUS_SUCCESS;
    }
    KeAcquireSpinLock(&tunnel->Lock, &irql);
    known = tunnel->HaveApplication;
    RtlCopyMemory(&send->To, &tunnel->Application, sizeof(send->To));
    KeReleaseSpinLock(&tunnel->Lock, irql);
    if (!known) {
        TunnelFreeSend(send);
        return STATUS_SUCCESS; /* nowhere to send them yet: dropped */
    }
    for (d = DataIndication; d != NULL; d = d->Next) {
        WSK_UDP_TUNNEL_HEADER header;
        if (!TunnelReadHeader(&d->Buffer, &header)) {
            TunnelCount(tunnel, &tunnel->Stats.Rejected, 1);
            continue;
        }
        TunnelSkip(&d->Buffer, sizeof(header), &send->Elements[i].List.Buffer);
        i++;
    }
    if (i == 0) {
        TunnelFreeSend(send);
        return STATUS_SUCCESS;
    }
    send->Count = i;
    TunnelCount(tunnel, &tunnel->Stats.Decapsulated, (LONG)i);
    return TunnelForward(send, tunnel->Inner, (PSOCKADDR)&send->To);
}

/* ---- start and stop ------------------------------------------------------------- */

NTSTATUS WskUdpTunnelStart(const SOCKADDR *Remote, PSOCKADDR InnerAddress, PWSK_UDP_TUNNEL *Tunnel) {
    WSK_CLIENT_NPI clientNpi;
    PWSK_UDP_TUNNEL tunnel;
    KEVENT event;
    PIRP irp;
    NTSTATUS status;
    const SIZE_T remoteSize = Remote->sa_family == AF_INET ? sizeof(SOCKADDR_IN) : sizeof(SOCKADDR_IN6);

    *Tunnel = NULL;
    tunnel = (PWSK_UDP_TUNNEL)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*tunnel), TUNNEL_TAG);
    irp = IoAllocateIrp(1, FALSE);
    if (tunnel == NULL || irp == NULL) {
        if (tunnel != NULL) {
            ExFreePoolWithTag(tunnel, TUNNEL_TAG);
        }
        if (irp != NULL) {
            IoFreeIrp(irp);
        }
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    RtlZeroMemory(tunnel, sizeof(*tunnel));
    KeInitializeSpinLock(&tunnel->Lock);
    KeInitializeEvent(&tunnel->Idle, NotificationEvent, FALSE);
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    tunnel->Outstanding = 1;
    clientNpi.ClientContext = tunnel;
    clientNpi.Dispatch = &TunnelClientDispatch;
    status = WskRegister(&clientNpi, &tunnel->Registration);
    if (!NT_SUCCESS(status)) {
        ExFreePoolWithTag(tunnel, TUNNEL_TAG);
        IoFreeIrp(irp);
        return status;
    }
    status = WskCaptureProviderNPI(&tunnel->Registration, WSK_INFINITE_WAIT, &tunnel->Provider);
    if (NT_SUCCESS(status)) {
        status = TunnelOpen(tunnel, Remote->sa_family, &TunnelInnerDispatch, &tunnel->Inner, irp, &event);
    }
    if (NT_SUCCESS(status)) {
        status = TunnelOpen(tunnel, Remote->sa_family, &TunnelOuterDispatch, &tunnel->Outer, irp, &event);
    }
    if (NT_SUCCESS(status)) {
        /* The far end is the outer socket's fixed peer: sends go there, and
         * nobody else is heard. */
        TunnelPrepare(irp, &event);
        status = TunnelWait(TunnelDispatch(tunnel->Outer)->WskControlSocket(tunnel->Outer, WskIoctl,
                                                                            SIO_WSK_SET_REMOTE_ADDRESS, 0, remoteSize,
                                                                            (PVOID)Remote, 0, NULL, NULL, irp),
                            irp, &event);
    }
    if (NT_SUCCESS(status)) {
        TunnelPrepare(irp, &event);
        status = TunnelWait(TunnelDispatch(tunnel->Inner)->WskGetLocalAddress(tunnel->Inner, InnerAddress, irp), irp,
                            &event);
    }
    if (NT_SUCCESS(status)) {
        status = TunnelEvents(tunnel->Outer, WSK_EVENT_RECEIVE_FROM, irp, &event);
    }
    if (NT_SUCCESS(status)) {
        status = TunnelEvents(tunnel->Inner, WSK_EVENT_RECEIVE_FROM, irp, &event);
    }
    if (!NT_SUCCESS(status)) {
        if (tunnel->Inner != NULL) {
            TunnelClose(tunnel->Inner, irp, &event);
        }
        if (tunnel->Outer != NULL) {
            TunnelClose(tunnel->Outer, irp, &event);
        }
        if (tunnel->Provider.Dispatch != NULL) {
            WskReleaseProviderNPI(&tunnel->Registration);
        }
        WskDeregister(&tunnel->Registration);
        ExFreePoolWithTag(tunnel, TUNNEL_TAG);
        IoFreeIrp(irp);
        return status;
    }
    IoFreeIrp(irp);
    *Tunnel = tunnel;
    return STATUS_SUCCESS;
}

VOID WskUdpTunnelStop(PWSK_UDP_TUNNEL Tunnel, PWSK_UDP_TUNNEL_STATS Stats) {
    KEVENT event;
    PIRP irp = IoAllocateIrp(1, FALSE);
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    /* No callback after these: a disable waits for one that runs. */
    TunnelEvents(Tunnel->Inner, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE_FROM, irp, &event);
    TunnelEvents(Tunnel->Outer, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE_FROM, irp, &event);
    /* Every send releases its indications before the sockets may close. */
    if (InterlockedDecrement(&Tunnel->Outstanding) != 0) {
        KeWaitForSingleObject(&Tunnel->Idle, Executive, KernelMode, FALSE, NULL);
    }
    TunnelClose(Tunnel->Inner, irp, &event);
    TunnelClose(Tunnel->Outer, irp, &event);
    IoFreeIrp(irp);
    WskReleaseProviderNPI(&Tunnel->Registration);
    WskDeregister(&Tunnel->Registration);
    *Stats = Tunnel->Stats;
    ExFreePoolWithTag(Tunnel, TUNNEL_TAG);
}
