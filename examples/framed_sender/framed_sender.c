/* A framing layer over WSK (framed_sender.h). Each slot owns an IRP from
 * IoAllocateIrp(1, FALSE), reused with IoReuseIrp, and a chain of two MDLs
 * (header, payload) over nonpaged pool. A send takes a free slot, fills it,
 * and calls WskSend; the completion routine, at DISPATCH_LEVEL, records the
 * result and puts the slot back. Nothing here names wskemu. */
#include "framed_sender.h"

#define FRAMED_TAG 'mrFW'

typedef struct _SEND_SLOT {
    LIST_ENTRY Link;       /* on the free list while free */
    PFRAMED_SENDER Owner;
    PIRP Irp;
    PUCHAR Header;         /* 4 bytes */
    PUCHAR Payload;        /* FRAMED_SENDER_MAX_MESSAGE bytes */
    PMDL HeaderMdl;        /* -> PayloadMdl */
    PMDL PayloadMdl;
    ULONG FrameLength;
} SEND_SLOT, *PSEND_SLOT;

struct _FRAMED_SENDER {
    WSK_REGISTRATION Registration;
    WSK_PROVIDER_NPI Provider;
    BOOLEAN Registered;
    BOOLEAN Captured;
    PWSK_SOCKET Socket;
    KSPIN_LOCK Lock;          /* guards everything below */
    LIST_ENTRY FreeSlots;
    ULONG InFlight;
    KEVENT SlotFreed;         /* synchronization: a slot came back */
    KEVENT Idle;              /* notification: nothing in flight */
    FRAMED_SENDER_STATS Stats;
    ULONG SlotCount;
    PSEND_SLOT Slots;
};

static const WSK_CLIENT_DISPATCH FramedClientDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};

static IO_COMPLETION_ROUTINE FramedSyncComplete;
static IO_COMPLETION_ROUTINE FramedSendComplete;

static NTSTATUS FramedSyncComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* One synchronous WSK call's result: Status as returned, or the IRP's once it completes. */
static NTSTATUS FramedWait(NTSTATUS Status, PIRP Irp, PKEVENT Done) {
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(Done, Executive, KernelMode, FALSE, NULL);
        Status = Irp->IoStatus.Status;
    }
    return Status;
}

static VOID FramedFreeSlot(PSEND_SLOT Slot) {
    if (Slot->PayloadMdl != NULL) {
        IoFreeMdl(Slot->PayloadMdl);
    }
    if (Slot->HeaderMdl != NULL) {
        IoFreeMdl(Slot->HeaderMdl);
    }
    if (Slot->Payload != NULL) {
        ExFreePoolWithTag(Slot->Payload, FRAMED_TAG);
    }
    if (Slot->Header != NULL) {
        ExFreePoolWithTag(Slot->Header, FRAMED_TAG);
    }
    if (Slot->Irp != NULL) {
        IoFreeIrp(Slot->Irp);
    }
}

static NTSTATUS FramedPrepareSlot(PFRAMED_SENDER Sender, PSEND_SLOT Slot) {
    Slot->Owner = Sender;
    Slot->Irp = IoAllocateIrp(1, FALSE);
    Slot->Header = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, 4, FRAMED_TAG);
    Slot->Payload = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, FRAMED_SENDER_MAX_MESSAGE, FRAMED_TAG);
    if (Slot->Irp == NULL || Slot->Header == NULL || Slot->Payload == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Slot->HeaderMdl = IoAllocateMdl(Slot->Header, 4, FALSE, FALSE, NULL);
    if (Slot->HeaderMdl == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Slot->PayloadMdl = IoAllocateMdl(Slot->Payload, FRAMED_SENDER_MAX_MESSAGE, FALSE, FALSE, NULL);
    if (Slot->PayloadMdl == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    MmBuildMdlForNonPagedPool(Slot->HeaderMdl);
    MmBuildMdlForNonPagedPool(Slot->PayloadMdl);
    Slot->HeaderMdl->Next = Slot->PayloadMdl;
    return STATUS_SUCCESS;
}

/* Completion of a slot's WskSend, at IRQL <= DISPATCH_LEVEL. */
static NTSTATUS FramedSendComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    PSEND_SLOT slot = (PSEND_SLOT)Context;
    PFRAMED_SENDER sender = slot->Owner;
    KIRQL irql;
    UNREFERENCED_PARAMETER(DeviceObject);

    KeAcquireSpinLock(&sender->Lock, &irql);
    sender->Stats.BytesSent += Irp->IoStatus.Information;
    if (NT_SUCCESS(Irp->IoStatus.Status) && Irp->IoStatus.Information == slot->FrameLength) {
        sender->Stats.MessagesSent++;
    } else if (NT_SUCCESS(sender->Stats.FirstError)) {
        sender->Stats.FirstError = NT_SUCCESS(Irp->IoStatus.Status) ? STATUS_UNSUCCESSFUL : Irp->IoStatus.Status;
    }
    if (Irp->PendingReturned) {
        sender->Stats.PendingCompletions++;
    } else {
        sender->Stats.InlineCompletions++;
    }
    InsertTailList(&sender->FreeSlots, &slot->Link);
    if (--sender->InFlight == 0) {
        KeSetEvent(&sender->Idle, IO_NO_INCREMENT, FALSE);
    }
    KeReleaseSpinLock(&sender->Lock, irql);
    KeSetEvent(&sender->SlotFreed, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED; /* the slot keeps its IRP */
}

NTSTATUS FramedSenderOpen(const SOCKADDR *Remote, ULONG SlotCount, PFRAMED_SENDER *Sender) {
    PFRAMED_SENDER sender;
    WSK_CLIENT_NPI npi;
    SOCKADDR_STORAGE local;
    KEVENT done;
    NTSTATUS status;
    ULONG i;

    PAGED_CODE();
    *Sender = NULL;
    if (Remote == NULL || SlotCount == 0 || (Remote->sa_family != AF_INET && Remote->sa_family != AF_INET6)) {
        return STATUS_INVALID_PARAMETER;
    }
    sender = (PFRAMED_SENDER)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*sender), FRAMED_TAG);
    if (sender == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    KeInitializeSpinLock(&sender->Lock);
    InitializeListHead(&sender->FreeSlots);
    KeInitializeEvent(&sender->SlotFreed, SynchronizationEvent, FALSE);
    KeInitializeEvent(&sender->Idle, NotificationEvent, TRUE);
    sender->SlotCount = SlotCount;
    sender->Slots = (PSEND_SLOT)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(SEND_SLOT) * SlotCount, FRAMED_TAG);
    if (sender->Slots == NULL) {
        FramedSenderClose(sender);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    for (i = 0; i < SlotCount; i++) {
        status = FramedPrepareSlot(sender, &sender->Slots[i]);
        if (!NT_SUCCESS(status)) {
            FramedSenderClose(sender);
            return status;
        }
        InsertTailList(&sender->FreeSlots, &sender->Slots[i].Link);
    }

    npi.ClientContext = sender;
    npi.Dispatch = &FramedClientDispatch;
    status = WskRegister(&npi, &sender->Registration);
    if (!NT_SUCCESS(status)) {
        FramedSenderClose(sender);
        return status;
    }
    sender->Registered = TRUE;
    status = WskCaptureProviderNPI(&sender->Registration, WSK_INFINITE_WAIT, &sender->Provider);
    if (!NT_SUCCESS(status)) {
        FramedSenderClose(sender);
        return status;
    }
    sender->Captured = TRUE;

    RtlZeroMemory(&local, sizeof(local));
    local.ss_family = Remote->sa_family;
    KeInitializeEvent(&done, SynchronizationEvent, FALSE);
    IoReuseIrp(sender->Slots[0].Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(sender->Slots[0].Irp, FramedSyncComplete, &done, TRUE, TRUE, TRUE);
    status = sender->Provider.Dispatch->WskSocketConnect(
        sender->Provider.Client, SOCK_STREAM, IPPROTO_TCP, (PSOCKADDR)&local, (PSOCKADDR)Remote, 0, NULL, NULL,
        NULL, NULL, NULL, sender->Slots[0].Irp);
    status = FramedWait(status, sender->Slots[0].Irp, &done);
    if (!NT_SUCCESS(status)) {
        FramedSenderClose(sender);
        return status;
    }
    sender->Socket = (PWSK_SOCKET)sender->Slots[0].Irp->IoStatus.Information;
    *Sender = sender;
    return STATUS_SUCCESS;
}

NTSTATUS FramedSenderSend(PFRAMED_SENDER Sender, const VOID *Message, ULONG Length, PLARGE_INTEGER Timeout) {
    PSEND_SLOT slot = NULL;
    WSK_BUF buffer;
    KIRQL irql;
    NTSTATUS status;

    PAGED_CODE();
    if (Length > FRAMED_SENDER_MAX_MESSAGE || (Message == NULL && Length != 0)) {
        return STATUS_INVALID_PARAMETER;
    }
    for (;;) {
        KeAcquireSpinLock(&Sender->Lock, &irql);
        status = Sender->Stats.FirstError;
        if (NT_SUCCESS(status) && !IsListEmpty(&Sender->FreeSlots)) {
            slot = CONTAINING_RECORD(RemoveHeadList(&Sender->FreeSlots), SEND_SLOT, Link);
            if (Sender->InFlight++ == 0) {
                KeClearEvent(&Sender->Idle);
            }
        }
        KeReleaseSpinLock(&Sender->Lock, irql);
        if (!NT_SUCCESS(status)) {
            return status; /* the connection is broken: the caller closes */
        }
        if (slot != NULL) {
            break;
        }
        if (KeWaitForSingleObject(&Sender->SlotFreed, Executive, KernelMode, FALSE, Timeout) == STATUS_TIMEOUT) {
            return STATUS_TIMEOUT;
        }
    }

    slot->Header[0] = (UCHAR)(Length >> 24);
    slot->Header[1] = (UCHAR)(Length >> 16);
    slot->Header[2] = (UCHAR)(Length >> 8);
    slot->Header[3] = (UCHAR)Length;
    if (Length != 0) {
        RtlCopyMemory(slot->Payload, Message, Length);
    }
    slot->FrameLength = 4 + Length;
    buffer.Mdl = slot->HeaderMdl;
    buffer.Offset = 0;
    buffer.Length = slot->FrameLength;

    IoReuseIrp(slot->Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(slot->Irp, FramedSendComplete, slot, TRUE, TRUE, TRUE);
    /* The routine runs exactly once, before or after WskSend returns. */
    ((PWSK_PROVIDER_CONNECTION_DISPATCH)Sender->Socket->Dispatch)->WskSend(Sender->Socket, &buffer, 0, slot->Irp);
    return STATUS_SUCCESS;
}

NTSTATUS FramedSenderFlush(PFRAMED_SENDER Sender, PLARGE_INTEGER Timeout) {
    KIRQL irql;
    NTSTATUS status;

    PAGED_CODE();
    if (KeWaitForSingleObject(&Sender->Idle, Executive, KernelMode, FALSE, Timeout) == STATUS_TIMEOUT) {
        return STATUS_TIMEOUT;
    }
    KeAcquireSpinLock(&Sender->Lock, &irql);
    status = Sender->Stats.FirstError;
    KeReleaseSpinLock(&Sender->Lock, irql);
    return status;
}

VOID FramedSenderQueryStats(PFRAMED_SENDER Sender, PFRAMED_SENDER_STATS Stats) {
    KIRQL irql;
    KeAcquireSpinLock(&Sender->Lock, &irql);
    *Stats = Sender->Stats;
    KeReleaseSpinLock(&Sender->Lock, irql);
}

/* One synchronous call on slot 0's IRP, given up after TimeoutMs: then the
 * IRP is cancelled and waited for (the timeout variant of the pattern). */
static NTSTATUS FramedCallWithTimeout(PFRAMED_SENDER Sender, BOOLEAN Disconnect, LONG TimeoutMs) {
    PIRP irp = Sender->Slots[0].Irp;
    PWSK_PROVIDER_CONNECTION_DISPATCH dispatch = (PWSK_PROVIDER_CONNECTION_DISPATCH)Sender->Socket->Dispatch;
    WSK_BUF scratch;
    LARGE_INTEGER timeout;
    KEVENT done;
    NTSTATUS status;

    KeInitializeEvent(&done, SynchronizationEvent, FALSE);
    IoReuseIrp(irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(irp, FramedSyncComplete, &done, TRUE, TRUE, TRUE);
    if (Disconnect) {
        status = dispatch->WskDisconnect(Sender->Socket, NULL, 0, irp);
    } else {
        scratch.Mdl = Sender->Slots[0].HeaderMdl;
        scratch.Offset = 0;
        scratch.Length = 4;
        status = dispatch->WskReceive(Sender->Socket, &scratch, 0, irp);
    }
    if (status == STATUS_PENDING) {
        timeout.QuadPart = -10000LL * TimeoutMs;
        if (KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, &timeout) == STATUS_TIMEOUT) {
            IoCancelIrp(irp);
            KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
        }
        status = irp->IoStatus.Status;
    }
    return status;
}

/* A graceful end: our FIN after every frame, then the peer's FIN, so that
 * the close that follows is not abortive (an abortive close would drop
 * bytes the host has not transmitted yet). */
static VOID FramedShutdown(PFRAMED_SENDER Sender) {
    ULONG reads;
    if (!NT_SUCCESS(FramedCallWithTimeout(Sender, TRUE, 5000))) {
        return;
    }
    for (reads = 0; reads < 16; reads++) {
        NTSTATUS status = FramedCallWithTimeout(Sender, FALSE, 5000);
        if (!NT_SUCCESS(status) || Sender->Slots[0].Irp->IoStatus.Information == 0) {
            return; /* the peer's FIN (0 bytes), or the connection is gone */
        }
    }
}

VOID FramedSenderClose(PFRAMED_SENDER Sender) {
    ULONG i;

    PAGED_CODE();
    if (Sender == NULL) {
        return;
    }
    KeWaitForSingleObject(&Sender->Idle, Executive, KernelMode, FALSE, NULL);
    if (Sender->Socket != NULL) {
        KEVENT done;
        NTSTATUS status;
        if (NT_SUCCESS(Sender->Stats.FirstError)) {
            FramedShutdown(Sender);
        }
        KeInitializeEvent(&done, SynchronizationEvent, FALSE);
        IoReuseIrp(Sender->Slots[0].Irp, STATUS_UNSUCCESSFUL);
        IoSetCompletionRoutine(Sender->Slots[0].Irp, FramedSyncComplete, &done, TRUE, TRUE, TRUE);
        status = ((PWSK_PROVIDER_BASIC_DISPATCH)Sender->Socket->Dispatch)->WskCloseSocket(Sender->Socket,
                                                                                         Sender->Slots[0].Irp);
        (void)FramedWait(status, Sender->Slots[0].Irp, &done);
    }
    if (Sender->Captured) {
        WskReleaseProviderNPI(&Sender->Registration);
    }
    if (Sender->Registered) {
        WskDeregister(&Sender->Registration);
    }
    if (Sender->Slots != NULL) {
        for (i = 0; i < Sender->SlotCount; i++) {
            FramedFreeSlot(&Sender->Slots[i]);
        }
        ExFreePoolWithTag(Sender->Slots, FRAMED_TAG);
    }
    ExFreePoolWithTag(Sender, FRAMED_TAG);
}
