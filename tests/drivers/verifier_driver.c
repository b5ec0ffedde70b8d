/* A C11 test driver: small fragments, each breaking one verifier rule the
 * way drivers get it wrong, or (Fixed) doing the same thing right. Only WDK
 * headers; see verifier_driver.h for the rule each fragment breaks. */
#include <ntddk.h>
#include <wsk.h>

#include "verifier_driver.h"

#define VF_TAG 'reVf'

static const WSK_CLIENT_DISPATCH VfClientDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};

/* ---- helpers ---------------------------------------------------------- */

static IO_COMPLETION_ROUTINE VfKeepIrp;
static IO_COMPLETION_ROUTINE VfSignal;

/* The IRP is the driver's: completion stops here. */
static NTSTATUS VfKeepIrp(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* The synchronous pattern: signal the KEVENT, keep the IRP. */
static NTSTATUS VfSignal(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static VOID VfArm(PIRP Irp, PKEVENT Event) {
    KeClearEvent(Event);
    IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Irp, VfSignal, Event, TRUE, TRUE, TRUE);
}

static NTSTATUS VfWait(NTSTATUS Status, PIRP Irp, PKEVENT Event) {
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(Event, Executive, KernelMode, FALSE, NULL);
        Status = Irp->IoStatus.Status;
    }
    return Status;
}

static const WSK_PROVIDER_CONNECTION_DISPATCH *VfTable(PWSK_SOCKET Socket) {
    return (const WSK_PROVIDER_CONNECTION_DISPATCH *)Socket->Dispatch;
}

/* A nonpaged buffer of Size bytes and an MDL for it. */
static PMDL VfUnbuiltBuffer(ULONG Size, PUCHAR *Buffer);
static PMDL VfBuffer(ULONG Size, PUCHAR *Buffer) {
    PMDL mdl = VfUnbuiltBuffer(Size, Buffer);
    MmBuildMdlForNonPagedPool(mdl);
    return mdl;
}

/* The same, the MDL not built yet (for MmProbeAndLockPages). */
static PMDL VfUnbuiltBuffer(ULONG Size, PUCHAR *Buffer) {
    *Buffer = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, Size, VF_TAG);
    return IoAllocateMdl(*Buffer, Size, FALSE, FALSE, NULL);
}

static VOID VfFreeBuffer(PMDL Mdl, PUCHAR Buffer) {
    IoFreeMdl(Mdl);
    ExFreePoolWithTag(Buffer, VF_TAG);
}

/* ---- IRPs ---------------------------------------------------------------- */

VOID VfCompleteTwice(BOOLEAN Fixed, PVOID *Object) {
    PIRP irp = IoAllocateIrp(1, FALSE);
    *Object = irp;
    IoSetCompletionRoutine(irp, VfKeepIrp, NULL, TRUE, TRUE, TRUE);
    IoSetNextIrpStackLocation(irp);
    irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    if (!Fixed) {
        IoCompleteRequest(irp, IO_NO_INCREMENT); /* completed already */
    }
    IoFreeIrp(irp);
}

VOID VfCancelFreedIrp(BOOLEAN Fixed, PVOID *Object) {
    PIRP irp = IoAllocateIrp(1, FALSE);
    *Object = irp;
    if (Fixed) {
        IoCancelIrp(irp);
        IoFreeIrp(irp);
    } else {
        IoFreeIrp(irp);
        IoCancelIrp(irp); /* a stale pointer */
    }
}

VOID VfCompletePending(BOOLEAN Fixed, PVOID *Object) {
    PIRP irp = IoAllocateIrp(1, FALSE);
    *Object = irp;
    IoSetCompletionRoutine(irp, VfKeepIrp, NULL, TRUE, TRUE, TRUE);
    IoSetNextIrpStackLocation(irp);
    irp->IoStatus.Status = Fixed ? STATUS_SUCCESS : STATUS_PENDING;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    IoFreeIrp(irp);
}

static DRIVER_CANCEL VfCancel;
static VOID VfCancel(PDEVICE_OBJECT DeviceObject, PIRP Irp) {
    UNREFERENCED_PARAMETER(DeviceObject);
    IoReleaseCancelSpinLock(Irp->CancelIrql);
}

VOID VfCompleteWithCancelRoutine(BOOLEAN Fixed, PVOID *Object) {
    PIRP irp = IoAllocateIrp(1, FALSE);
    *Object = irp;
    IoSetCompletionRoutine(irp, VfKeepIrp, NULL, TRUE, TRUE, TRUE);
    IoSetNextIrpStackLocation(irp);
    IoSetCancelRoutine(irp, VfCancel);
    if (Fixed) {
        IoSetCancelRoutine(irp, NULL); /* take it back before completing */
    }
    irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    IoSetCancelRoutine(irp, NULL);
    IoFreeIrp(irp);
}

VOID VfReuseNotAnIrp(BOOLEAN Fixed, PVOID *Object) {
    PIRP irp = Fixed ? IoAllocateIrp(1, FALSE)
                     : (PIRP)ExAllocatePool2(POOL_FLAG_NON_PAGED, IoSizeOfIrp(1), VF_TAG); /* never initialised */
    *Object = irp;
    IoReuseIrp(irp, STATUS_SUCCESS);
    if (Fixed) {
        IoFreeIrp(irp);
    } else {
        ExFreePoolWithTag(irp, VF_TAG);
    }
}

VOID VfStackOverflow(BOOLEAN Fixed, PVOID *Object) {
    PIRP irp = IoAllocateIrp(Fixed ? 2 : 1, FALSE);
    *Object = irp;
    IoSetNextIrpStackLocation(irp);
    IoSetNextIrpStackLocation(irp); /* one location too many for StackSize 1 */
    IoFreeIrp(irp);
}

/* ---- MDLs ----------------------------------------------------------------- */

VOID VfFreeLockedMdl(BOOLEAN Fixed, PVOID *Object) {
    PUCHAR buffer;
    PMDL mdl = VfUnbuiltBuffer(64, &buffer);
    *Object = mdl;
    MmProbeAndLockPages(mdl, KernelMode, IoReadAccess);
    if (Fixed) {
        MmUnlockPages(mdl);
    }
    VfFreeBuffer(mdl, buffer);
}

VOID VfLockNonPagedMdl(BOOLEAN Fixed, PVOID *Object) {
    PUCHAR buffer;
    PMDL mdl = VfBuffer(64, &buffer);
    *Object = mdl;
    if (!Fixed) {
        MmProbeAndLockPages(mdl, KernelMode, IoReadAccess);
        MmUnlockPages(mdl);
    }
    VfFreeBuffer(mdl, buffer);
}

/* Locks (Locks times) and unlocks (Unlocks times) the pages of a new buffer's MDL. */
static VOID VfLockCycle(int Locks, int Unlocks, PVOID *Object) {
    PUCHAR buffer;
    PMDL mdl = VfUnbuiltBuffer(64, &buffer);
    int i;
    *Object = mdl;
    for (i = 0; i < Locks; i++) {
        MmProbeAndLockPages(mdl, KernelMode, IoReadAccess);
    }
    for (i = 0; i < Unlocks; i++) {
        MmUnlockPages(mdl);
    }
    VfFreeBuffer(mdl, buffer);
}

VOID VfLockTwice(BOOLEAN Fixed, PVOID *Object) { VfLockCycle(Fixed ? 1 : 2, 1, Object); }

VOID VfUnlockUnlocked(BOOLEAN Fixed, PVOID *Object) { VfLockCycle(Fixed ? 1 : 0, 1, Object); }

/* ---- IRQL and spin locks ---------------------------------------------------- */

VOID VfLockAtDispatch(BOOLEAN Fixed, PVOID *Object) {
    KSPIN_LOCK lock;
    KIRQL old;
    PUCHAR buffer;
    PMDL mdl = VfUnbuiltBuffer(64, &buffer);
    *Object = mdl;
    KeInitializeSpinLock(&lock);
    if (Fixed) {
        MmProbeAndLockPages(mdl, KernelMode, IoReadAccess); /* before taking the lock */
        KeAcquireSpinLock(&lock, &old);
    } else {
        KeAcquireSpinLock(&lock, &old);
        MmProbeAndLockPages(mdl, KernelMode, IoReadAccess); /* at DISPATCH_LEVEL */
    }
    KeReleaseSpinLock(&lock, old);
    MmUnlockPages(mdl);
    VfFreeBuffer(mdl, buffer);
}

static VOID VfPageableRoutine(void);
#ifdef ALLOC_PRAGMA
#pragma alloc_text(PAGE, VfPageableRoutine)
#endif
static VOID VfPageableRoutine(void) { PAGED_CODE(); }

VOID VfPagedCodeUnderSpinLock(BOOLEAN Fixed, PVOID *Object) {
    KSPIN_LOCK lock;
    KIRQL old;
    *Object = NULL;
    KeInitializeSpinLock(&lock);
    if (Fixed) {
        VfPageableRoutine();
    }
    KeAcquireSpinLock(&lock, &old);
    if (!Fixed) {
        VfPageableRoutine(); /* pageable code at DISPATCH_LEVEL */
    }
    KeReleaseSpinLock(&lock, old);
}

static IO_COMPLETION_ROUTINE VfRaiseAndKeep;
static NTSTATUS VfRaiseAndKeep(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    KIRQL old;
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    if (Context != NULL) {
        KeLowerIrql(old); /* the fixed routine restores what it raised */
    }
    return STATUS_MORE_PROCESSING_REQUIRED;
}

VOID VfRoutineLeavesIrqlRaised(BOOLEAN Fixed, PVOID *Object) {
    PIRP irp = IoAllocateIrp(1, FALSE);
    *Object = irp;
    IoSetCompletionRoutine(irp, VfRaiseAndKeep, Fixed ? irp : NULL, TRUE, TRUE, TRUE);
    IoSetNextIrpStackLocation(irp);
    irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    IoFreeIrp(irp);
}

VOID VfLowerToHigher(BOOLEAN Fixed, PVOID *Object) {
    KIRQL old;
    *Object = NULL;
    KeRaiseIrql(APC_LEVEL, &old);
    KeLowerIrql(Fixed ? old : DISPATCH_LEVEL); /* "lowering" to a higher IRQL */
    KeLowerIrql(PASSIVE_LEVEL);
}

VOID VfAcquireTwice(BOOLEAN Fixed, PVOID *Object) {
    static KSPIN_LOCK lock;
    KIRQL old;
    KIRQL again;
    *Object = &lock;
    KeInitializeSpinLock(&lock);
    KeAcquireSpinLock(&lock, &old);
    if (!Fixed) {
        KeAcquireSpinLock(&lock, &again); /* a deadlock on Windows */
        KeReleaseSpinLock(&lock, again);
    }
    KeReleaseSpinLock(&lock, old);
}

VOID VfReleaseUnheld(BOOLEAN Fixed, PVOID *Object) {
    static KSPIN_LOCK lock;
    KIRQL old = PASSIVE_LEVEL;
    *Object = &lock;
    KeInitializeSpinLock(&lock);
    if (Fixed) {
        KeAcquireSpinLock(&lock, &old);
    } else {
        KeRaiseIrql(DISPATCH_LEVEL, &old);
    }
    KeReleaseSpinLock(&lock, old);
}

VOID VfReleaseToWrongIrql(BOOLEAN Fixed, PVOID *Object) {
    static KSPIN_LOCK lock;
    KIRQL old;
    *Object = &lock;
    KeInitializeSpinLock(&lock);
    KeAcquireSpinLock(&lock, &old);
    if (Fixed) {
        KeReleaseSpinLock(&lock, old);
    } else {
        KeReleaseSpinLock(&lock, DISPATCH_LEVEL); /* not the OldIrql */
        KeLowerIrql(old);
    }
}

/* ---- pool ----------------------------------------------------------------- */

VOID VfFreeWithWrongTag(BOOLEAN Fixed, PVOID *Object) {
    PVOID block = ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, VF_TAG);
    *Object = block;
    ExFreePoolWithTag(block, Fixed ? VF_TAG : 'gnrW');
}

VOID VfFreeTwice(BOOLEAN Fixed, PVOID *Object) {
    PVOID block = ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, VF_TAG);
    *Object = block;
    ExFreePoolWithTag(block, VF_TAG);
    if (!Fixed) {
        ExFreePoolWithTag(block, VF_TAG);
    }
}

VOID VfFreeStackMemory(BOOLEAN Fixed, PVOID *Object) {
    UCHAR local[32];
    PVOID block = Fixed ? ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, VF_TAG) : (PVOID)local;
    *Object = block;
    ExFreePool(block);
}

/* ---- leaks ---------------------------------------------------------------- */

VOID VfLeakEverything(BOOLEAN Fixed, PVF_LEAKS Leaks) {
    Leaks->Pool = ExAllocatePool2(POOL_FLAG_NON_PAGED, 48, VF_TAG);
    Leaks->Irp = IoAllocateIrp(1, FALSE);
    Leaks->Buffer = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, 100, VF_TAG);
    Leaks->Mdl = IoAllocateMdl(Leaks->Buffer, 100, FALSE, FALSE, NULL);
    MmProbeAndLockPages(Leaks->Mdl, KernelMode, IoWriteAccess);
    if (Fixed) {
        MmUnlockPages(Leaks->Mdl);
        IoFreeMdl(Leaks->Mdl);
        ExFreePoolWithTag(Leaks->Buffer, VF_TAG);
        IoFreeIrp(Leaks->Irp);
        ExFreePoolWithTag(Leaks->Pool, VF_TAG);
        RtlZeroMemory(Leaks, sizeof(*Leaks));
    }
}

/* ---- WSK: IRPs and buffers of a call ---------------------------------------- */

/* Sends 8 bytes with Irp, whose completion routine the caller has set up
 * (or not), waits on Event if the call pends, and frees Irp. */
static NTSTATUS VfSendEight(PVF_WSK Wsk, PIRP Irp, PKEVENT Event) {
    PUCHAR buffer;
    PMDL mdl = VfBuffer(8, &buffer);
    WSK_BUF buf;
    NTSTATUS status;
    buf.Mdl = mdl;
    buf.Offset = 0;
    buf.Length = 8;
    status = VfWait(VfTable(Wsk->Socket)->WskSend(Wsk->Socket, &buf, 0, Irp), Irp, Event);
    IoFreeIrp(Irp);
    VfFreeBuffer(mdl, buffer);
    return status;
}

NTSTATUS VfSendWithIrpOfStackSize(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object) {
    KEVENT event;
    PIRP irp = IoAllocateIrp(1, FALSE);
    *Object = irp;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    IoSetCompletionRoutine(irp, VfSignal, &event, TRUE, TRUE, TRUE);
    if (!Fixed) {
        IoSetNextIrpStackLocation(irp); /* the driver used up the only location itself */
    }
    return VfSendEight(Wsk, irp, &event);
}

NTSTATUS VfResolveAtApcLevel(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object) {
    KEVENT event;
    PADDRINFOEXW result = NULL;
    UNICODE_STRING node;
    PIRP irp = IoAllocateIrp(1, FALSE);
    KIRQL old;
    NTSTATUS status;
    *Object = irp;
    RtlInitUnicodeString(&node, L"localhost");
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    VfArm(irp, &event);
    KeRaiseIrql(Fixed ? PASSIVE_LEVEL : APC_LEVEL, &old); /* e.g. under a fast mutex */
    status = Wsk->Provider.Dispatch->WskGetAddressInfo(Wsk->Provider.Client, &node, NULL, NS_ALL, NULL, NULL, &result,
                                                       NULL, NULL, irp);
    KeLowerIrql(old);
    status = VfWait(status, irp, &event);
    IoFreeIrp(irp);
    if (NT_SUCCESS(status) && result != NULL) {
        Wsk->Provider.Dispatch->WskFreeAddressInfo(Wsk->Provider.Client, result);
    }
    return status;
}

NTSTATUS VfSendWithoutCompletionRoutine(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object) {
    KEVENT event;
    PIRP irp = IoAllocateIrp(1, FALSE);
    *Object = irp;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    if (Fixed) {
        IoSetCompletionRoutine(irp, VfSignal, &event, TRUE, TRUE, TRUE);
    } else {
        KeSetEvent(&event, IO_NO_INCREMENT, FALSE); /* "nothing to wait for" */
    }
    return VfSendEight(Wsk, irp, &event);
}

NTSTATUS VfSendWithRoutineOnSuccessOnly(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object) {
    KEVENT event;
    PIRP irp = IoAllocateIrp(1, FALSE);
    *Object = irp;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    IoSetCompletionRoutine(irp, VfSignal, &event, TRUE, Fixed, Fixed);
    return VfSendEight(Wsk, irp, &event);
}

static IO_COMPLETION_ROUTINE VfSignalAndContinue;
/* Lets the I/O manager go on with an IRP it never issued. */
static NTSTATUS VfSignalAndContinue(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_SUCCESS;
}

NTSTATUS VfRoutineContinuesCompletion(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object) {
    KEVENT event;
    PIRP irp = IoAllocateIrp(1, FALSE);
    *Object = irp;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    IoSetCompletionRoutine(irp, Fixed ? VfSignal : VfSignalAndContinue, &event, TRUE, TRUE, TRUE);
    return VfSendEight(Wsk, irp, &event);
}

NTSTATUS VfSendWithBadOffset(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object) {
    KEVENT event;
    PUCHAR first;
    PUCHAR second;
    PMDL head = VfBuffer(16, &first);
    PMDL tail = VfBuffer(16, &second);
    WSK_BUF buf;
    PIRP irp = IoAllocateIrp(1, FALSE);
    NTSTATUS status;
    *Object = head;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    head->Next = tail;
    /* Byte 20 of the chain: Offset must stay inside the first MDL. */
    buf.Mdl = Fixed ? tail : head;
    buf.Offset = Fixed ? 4 : 20;
    buf.Length = 8;
    VfArm(irp, &event);
    status = VfWait(VfTable(Wsk->Socket)->WskSend(Wsk->Socket, &buf, 0, irp), irp, &event);
    head->Next = NULL;
    IoFreeIrp(irp);
    VfFreeBuffer(head, first);
    VfFreeBuffer(tail, second);
    return status;
}

NTSTATUS VfSendPastTheChain(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object) {
    KEVENT event;
    PUCHAR buffer;
    PMDL mdl = VfBuffer(16, &buffer);
    WSK_BUF buf;
    PIRP irp = IoAllocateIrp(1, FALSE);
    NTSTATUS status;
    *Object = mdl;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    buf.Mdl = mdl;
    buf.Offset = 4;
    buf.Length = Fixed ? 12 : 16; /* the 16 bytes of the buffer, but from offset 4 */
    VfArm(irp, &event);
    status = VfWait(VfTable(Wsk->Socket)->WskSend(Wsk->Socket, &buf, 0, irp), irp, &event);
    IoFreeIrp(irp);
    VfFreeBuffer(mdl, buffer);
    return status;
}

/* ---- WSK: a pending receive ------------------------------------------------- */

/* Issues a receive into Mdl with Irp; it pends until the peer sends. */
static NTSTATUS VfStartReceive(PVF_WSK Wsk, PIRP Irp, PKEVENT Event, PMDL Mdl, ULONG Length) {
    WSK_BUF buf;
    buf.Mdl = Mdl;
    buf.Offset = 0;
    buf.Length = Length;
    VfArm(Irp, Event);
    return VfTable(Wsk->Socket)->WskReceive(Wsk->Socket, &buf, 0, Irp);
}

NTSTATUS VfReuseIrpOfPendingReceive(PVF_WSK Wsk, BOOLEAN Fixed, VF_PEER_SENDS PeerSends, PVOID Context,
                                    PVOID *Object) {
    KEVENT event;
    KEVENT event2;
    PUCHAR in;
    PUCHAR out;
    PMDL inMdl = VfBuffer(4, &in);
    PMDL outMdl = VfBuffer(4, &out);
    PIRP irp = IoAllocateIrp(1, FALSE);
    PIRP other = IoAllocateIrp(1, FALSE);
    PIRP sendIrp = Fixed ? other : irp; /* the receive still holds irp */
    WSK_BUF buf;
    NTSTATUS status;
    NTSTATUS sent;
    *Object = irp;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    KeInitializeEvent(&event2, NotificationEvent, FALSE);
    RtlFillMemory(out, 4, 0x11);
    status = VfStartReceive(Wsk, irp, &event, inMdl, 4);
    buf.Mdl = outMdl;
    buf.Offset = 0;
    buf.Length = 4;
    if (Fixed) {
        VfArm(sendIrp, &event2);
    }
    sent = VfTable(Wsk->Socket)->WskSend(Wsk->Socket, &buf, 0, sendIrp);
    if (Fixed) {
        sent = VfWait(sent, sendIrp, &event2);
    }
    PeerSends(Context);
    status = VfWait(status, irp, &event);
    IoFreeIrp(irp);
    IoFreeIrp(other);
    VfFreeBuffer(inMdl, in);
    VfFreeBuffer(outMdl, out);
    return NT_SUCCESS(status) ? sent : status;
}

/* What a fragment does to a pending receive's IRP or MDL: too early
 * (broken), or after the completion routine ran (fixed). */
typedef enum _VF_RELEASE { VfReuseIrp, VfFreeIrp, VfFreeMdl, VfUnlockMdl } VF_RELEASE;

static VOID VfRelease(VF_RELEASE What, PIRP Irp, PMDL Mdl) {
    switch (What) {
    case VfReuseIrp: IoReuseIrp(Irp, STATUS_UNSUCCESSFUL); break;
    case VfFreeIrp: IoFreeIrp(Irp); break;
    case VfFreeMdl: IoFreeMdl(Mdl); break;
    case VfUnlockMdl: MmUnlockPages(Mdl); break;
    }
}

static NTSTATUS VfReleaseAroundReceive(PVF_WSK Wsk, BOOLEAN Fixed, VF_RELEASE What, VF_PEER_SENDS PeerSends,
                                       PVOID Context, PVOID *Object) {
    KEVENT event;
    PUCHAR in = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, 4, VF_TAG);
    PMDL inMdl = IoAllocateMdl(in, 4, FALSE, FALSE, NULL);
    PIRP irp = IoAllocateIrp(1, FALSE);
    NTSTATUS status;
    *Object = (What == VfFreeMdl || What == VfUnlockMdl) ? (PVOID)inMdl : (PVOID)irp;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    if (What == VfUnlockMdl) {
        MmProbeAndLockPages(inMdl, KernelMode, IoWriteAccess);
    } else {
        MmBuildMdlForNonPagedPool(inMdl);
    }
    status = VfStartReceive(Wsk, irp, &event, inMdl, 4);
    if (!Fixed) {
        VfRelease(What, irp, inMdl); /* the receive still holds them */
    }
    PeerSends(Context);
    status = VfWait(status, irp, &event);
    if (Fixed) {
        VfRelease(What, irp, inMdl);
    }
    if (What != VfFreeIrp) {
        IoFreeIrp(irp);
    }
    if (What != VfFreeMdl) {
        IoFreeMdl(inMdl);
    }
    ExFreePoolWithTag(in, VF_TAG);
    return status;
}

NTSTATUS VfIoReuseIrpWhilePending(PVF_WSK Wsk, BOOLEAN Fixed, VF_PEER_SENDS PeerSends, PVOID Context,
                                  PVOID *Object) {
    return VfReleaseAroundReceive(Wsk, Fixed, VfReuseIrp, PeerSends, Context, Object);
}

NTSTATUS VfIoFreeIrpWhilePending(PVF_WSK Wsk, BOOLEAN Fixed, VF_PEER_SENDS PeerSends, PVOID Context,
                                 PVOID *Object) {
    return VfReleaseAroundReceive(Wsk, Fixed, VfFreeIrp, PeerSends, Context, Object);
}

NTSTATUS VfFreeMdlWhilePending(PVF_WSK Wsk, BOOLEAN Fixed, VF_PEER_SENDS PeerSends, PVOID Context,
                               PVOID *Object) {
    return VfReleaseAroundReceive(Wsk, Fixed, VfFreeMdl, PeerSends, Context, Object);
}

NTSTATUS VfUnlockMdlWhilePending(PVF_WSK Wsk, BOOLEAN Fixed, VF_PEER_SENDS PeerSends, PVOID Context,
                                 PVOID *Object) {
    return VfReleaseAroundReceive(Wsk, Fixed, VfUnlockMdl, PeerSends, Context, Object);
}

NTSTATUS VfModifyPendingSend(PVF_WSK Wsk, BOOLEAN Fixed, ULONG Length, VF_PEER_SENDS PeerReads, PVOID Context,
                             PVOID *Object) {
    KEVENT event;
    PUCHAR out;
    PMDL outMdl = VfBuffer(Length, &out);
    PIRP irp = IoAllocateIrp(1, FALSE);
    WSK_BUF buf;
    NTSTATUS status;
    *Object = irp;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    RtlFillMemory(out, Length, 0x42);
    buf.Mdl = outMdl;
    buf.Offset = 0;
    buf.Length = Length;
    VfArm(irp, &event);
    status = VfTable(Wsk->Socket)->WskSend(Wsk->Socket, &buf, 0, irp);
    if (!Fixed && status == STATUS_PENDING) {
        out[Length - 1] = 0x43; /* "the next message" written too early */
    }
    PeerReads(Context);
    status = VfWait(status, irp, &event);
    IoFreeIrp(irp);
    VfFreeBuffer(outMdl, out);
    return status;
}

/* ---- WSK: close ------------------------------------------------------------------ */

typedef struct _VF_HELD {
    KEVENT Done;
    volatile LONG Release;
} VF_HELD;

static IO_COMPLETION_ROUTINE VfHoldThenSignal;
/* Keeps the receive's completion (and so the close behind it) going until
 * the fragment lets it go; spins, as it runs at DISPATCH_LEVEL. */
static NTSTATUS VfHoldThenSignal(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    VF_HELD *held = (VF_HELD *)Context;
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    while (InterlockedCompareExchange(&held->Release, 0, 0) == 0) {
        YieldProcessor();
    }
    KeSetEvent(&held->Done, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* Receive pending, then WskCloseSocket: the close pends behind the receive's
 * completion. Second is called while it pends; then everything finishes. */
static NTSTATUS VfDuringClose(PVF_WSK Wsk, BOOLEAN Fixed, BOOLEAN SecondIsClose, PVOID *Object) {
    VF_HELD held;
    KEVENT closed;
    KEVENT second;
    PUCHAR in;
    PMDL inMdl = VfBuffer(4, &in);
    PIRP receiveIrp = IoAllocateIrp(1, FALSE);
    PIRP closeIrp = IoAllocateIrp(1, FALSE);
    PIRP secondIrp = IoAllocateIrp(1, FALSE);
    PWSK_SOCKET socket = Wsk->Socket;
    const WSK_PROVIDER_CONNECTION_DISPATCH *table = VfTable(socket);
    WSK_BUF buf;
    NTSTATUS closeStatus;
    NTSTATUS secondStatus = STATUS_SUCCESS;
    *Object = socket;
    KeInitializeEvent(&held.Done, NotificationEvent, FALSE);
    held.Release = 0;
    KeInitializeEvent(&closed, NotificationEvent, FALSE);
    KeInitializeEvent(&second, NotificationEvent, FALSE);
    buf.Mdl = inMdl;
    buf.Offset = 0;
    buf.Length = 4;
    IoSetCompletionRoutine(receiveIrp, VfHoldThenSignal, &held, TRUE, TRUE, TRUE);
    (void)table->WskReceive(socket, &buf, 0, receiveIrp);
    VfArm(closeIrp, &closed);
    closeStatus = table->WskCloseSocket(socket, closeIrp);
    if (!Fixed) {
        VfArm(secondIrp, &second);
        if (SecondIsClose) {
            secondStatus = VfWait(table->WskCloseSocket(socket, secondIrp), secondIrp, &second);
        } else {
            secondStatus = VfWait(table->WskSend(socket, &buf, 0, secondIrp), secondIrp, &second);
        }
    }
    InterlockedExchange(&held.Release, 1);
    KeWaitForSingleObject(&held.Done, Executive, KernelMode, FALSE, NULL);
    closeStatus = VfWait(closeStatus, closeIrp, &closed);
    Wsk->Socket = NULL;
    IoFreeIrp(receiveIrp);
    IoFreeIrp(closeIrp);
    IoFreeIrp(secondIrp);
    VfFreeBuffer(inMdl, in);
    return NT_SUCCESS(closeStatus) ? secondStatus : closeStatus;
}

NTSTATUS VfCloseTwice(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object) { return VfDuringClose(Wsk, Fixed, TRUE, Object); }

NTSTATUS VfSendWhileClosing(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object) {
    return VfDuringClose(Wsk, Fixed, FALSE, Object);
}

NTSTATUS VfSendAfterClose(PVF_WSK Wsk, BOOLEAN Fixed, PVOID *Object) {
    KEVENT event;
    PUCHAR out;
    PMDL outMdl = VfBuffer(4, &out);
    PIRP irp = IoAllocateIrp(1, FALSE);
    PWSK_SOCKET socket = Wsk->Socket;
    const WSK_PROVIDER_CONNECTION_DISPATCH *table = VfTable(socket);
    WSK_BUF buf;
    NTSTATUS status = STATUS_SUCCESS;
    *Object = socket;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    buf.Mdl = outMdl;
    buf.Offset = 0;
    buf.Length = 4;
    if (Fixed) {
        VfArm(irp, &event);
        status = VfWait(table->WskSend(socket, &buf, 0, irp), irp, &event);
    }
    VfArm(irp, &event);
    (void)VfWait(table->WskCloseSocket(socket, irp), irp, &event);
    Wsk->Socket = NULL;
    /* Freed here (before the faulty call) so that a bug check leaks nothing. */
    IoFreeIrp(irp);
    VfFreeBuffer(outMdl, out);
    if (!Fixed) {
        irp = NULL;
        status = table->WskSend(socket, &buf, 0, irp); /* the socket is gone */
    }
    return status;
}

NTSTATUS VfSendThroughConnectionTable(PWSK_SOCKET Socket, BOOLEAN Fixed, PVOID *Object) {
    *Object = Socket;
    if (Fixed) {
        return STATUS_SUCCESS; /* a listening socket has no WskSend: nothing to call */
    }
    return ((const WSK_PROVIDER_CONNECTION_DISPATCH *)Socket->Dispatch)->WskSend(Socket, NULL, 0, NULL);
}

/* ---- WSK: indication lists -------------------------------------------------------- */

NTSTATUS VfReleaseIndicationTwice(PVF_WSK Wsk, PWSK_DATA_INDICATION List, BOOLEAN Fixed) {
    NTSTATUS status = VfTable(Wsk->Socket)->WskRelease(Wsk->Socket, List);
    if (!Fixed) {
        status = VfTable(Wsk->Socket)->WskRelease(Wsk->Socket, List);
    }
    return status;
}

NTSTATUS VfReleaseIndicationOnOtherSocket(PVF_WSK Wsk, PWSK_SOCKET Other, PWSK_DATA_INDICATION List, BOOLEAN Fixed) {
    PWSK_SOCKET socket = Fixed ? Wsk->Socket : Other;
    return VfTable(socket)->WskRelease(socket, List);
}

NTSTATUS VfCloseWithIndicationRetained(PVF_WSK Wsk, PWSK_DATA_INDICATION List, BOOLEAN Fixed) {
    KEVENT event;
    PIRP irp = IoAllocateIrp(1, FALSE);
    NTSTATUS status;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    if (Fixed) {
        (void)VfTable(Wsk->Socket)->WskRelease(Wsk->Socket, List);
    }
    VfArm(irp, &event);
    status = VfWait(VfTable(Wsk->Socket)->WskCloseSocket(Wsk->Socket, irp), irp, &event);
    Wsk->Socket = NULL;
    IoFreeIrp(irp);
    return status;
}

/* ---- registration ------------------------------------------------------------------ */

/* WskSocket for a connection socket through Provider, synchronously. */
static NTSTATUS VfOpenSocket(const WSK_PROVIDER_NPI *Provider, PWSK_SOCKET *Socket) {
    KEVENT event;
    PIRP irp = IoAllocateIrp(1, FALSE);
    NTSTATUS status;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    VfArm(irp, &event);
    status = VfWait(Provider->Dispatch->WskSocket(Provider->Client, AF_INET, SOCK_STREAM, IPPROTO_TCP,
                                                  WSK_FLAG_CONNECTION_SOCKET, NULL, NULL, NULL, NULL, NULL, irp),
                    irp, &event);
    *Socket = NT_SUCCESS(status) ? (PWSK_SOCKET)irp->IoStatus.Information : NULL;
    IoFreeIrp(irp);
    return status;
}

static NTSTATUS VfCloseSocket(PWSK_SOCKET Socket) {
    KEVENT event;
    PIRP irp = IoAllocateIrp(1, FALSE);
    NTSTATUS status;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    VfArm(irp, &event);
    status = VfWait(VfTable(Socket)->WskCloseSocket(Socket, irp), irp, &event);
    IoFreeIrp(irp);
    return status;
}

static NTSTATUS VfRegisterAndCapture(WSK_REGISTRATION *Registration, WSK_PROVIDER_NPI *Provider) {
    WSK_CLIENT_NPI npi;
    NTSTATUS status;
    npi.ClientContext = NULL;
    npi.Dispatch = &VfClientDispatch;
    status = WskRegister(&npi, Registration);
    if (NT_SUCCESS(status)) {
        status = WskCaptureProviderNPI(Registration, WSK_NO_WAIT, Provider);
    }
    return status;
}

VOID VfDeregisterWithSocketOpen(BOOLEAN Fixed, PVOID *Object, PWSK_SOCKET *LeftOpen) {
    WSK_REGISTRATION registration;
    WSK_PROVIDER_NPI provider;
    PWSK_SOCKET socket = NULL;
    *Object = &registration;
    *LeftOpen = NULL;
    if (!NT_SUCCESS(VfRegisterAndCapture(&registration, &provider))) {
        return;
    }
    (void)VfOpenSocket(&provider, &socket);
    if (Fixed && socket != NULL) {
        (void)VfCloseSocket(socket);
        socket = NULL;
    }
    WskReleaseProviderNPI(&registration);
    WskDeregister(&registration); /* waits for the socket forever on Windows */
    *LeftOpen = socket;
}

NTSTATUS VfSocketAfterRelease(BOOLEAN Fixed, PVOID *Object) {
    WSK_REGISTRATION registration;
    WSK_PROVIDER_NPI provider;
    PWSK_SOCKET socket = NULL;
    NTSTATUS status = VfRegisterAndCapture(&registration, &provider);
    *Object = provider.Client;
    if (!NT_SUCCESS(status)) {
        return status;
    }
    if (!Fixed) {
        WskReleaseProviderNPI(&registration); /* released too early */
    }
    status = VfOpenSocket(&provider, &socket);
    if (socket != NULL) {
        (void)VfCloseSocket(socket);
    }
    if (Fixed) {
        WskReleaseProviderNPI(&registration);
    }
    WskDeregister(&registration);
    return status;
}

VOID VfRegisterTwice(BOOLEAN Fixed, PVOID *Object) {
    static WSK_REGISTRATION registration;
    static WSK_REGISTRATION other;
    WSK_CLIENT_NPI npi;
    *Object = &registration;
    npi.ClientContext = NULL;
    npi.Dispatch = &VfClientDispatch;
    (void)WskRegister(&npi, &registration);
    (void)WskRegister(&npi, Fixed ? &other : &registration); /* one block per registration */
    WskDeregister(&registration);
    if (Fixed) {
        WskDeregister(&other);
    }
}

VOID VfDeregisterTwice(BOOLEAN Fixed, PVOID *Object) {
    WSK_REGISTRATION registration;
    WSK_CLIENT_NPI npi;
    *Object = &registration;
    npi.ClientContext = NULL;
    npi.Dispatch = &VfClientDispatch;
    (void)WskRegister(&npi, &registration);
    WskDeregister(&registration);
    if (!Fixed) {
        WskDeregister(&registration);
    }
}

VOID VfReleaseTwice(BOOLEAN Fixed, PVOID *Object) {
    static WSK_REGISTRATION registration;
    WSK_PROVIDER_NPI provider;
    *Object = &registration;
    (void)VfRegisterAndCapture(&registration, &provider);
    WskReleaseProviderNPI(&registration);
    if (!Fixed) {
        WskReleaseProviderNPI(&registration);
    }
    WskDeregister(&registration);
}

NTSTATUS VfSocketWithStaleClient(BOOLEAN Fixed, PVOID *Object) {
    WSK_REGISTRATION registration;
    WSK_PROVIDER_NPI provider;
    PWSK_SOCKET socket = NULL;
    NTSTATUS status = VfRegisterAndCapture(&registration, &provider);
    *Object = provider.Client;
    if (Fixed) {
        status = VfOpenSocket(&provider, &socket);
        (void)VfCloseSocket(socket);
    }
    WskReleaseProviderNPI(&registration);
    WskDeregister(&registration);
    if (!Fixed) {
        status = VfOpenSocket(&provider, &socket); /* the client handle died with the registration */
    }
    return status;
}

VOID VfForgetSocketAndRegistration(BOOLEAN Fixed, WSK_REGISTRATION **Registration, PWSK_SOCKET *Socket) {
    WSK_REGISTRATION *registration =
        (WSK_REGISTRATION *)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(WSK_REGISTRATION), VF_TAG);
    WSK_PROVIDER_NPI provider;
    PWSK_SOCKET socket = NULL;
    *Registration = NULL;
    *Socket = NULL;
    (void)VfRegisterAndCapture(registration, &provider);
    (void)VfOpenSocket(&provider, &socket);
    WskReleaseProviderNPI(registration);
    if (Fixed) {
        (void)VfCloseSocket(socket);
        WskDeregister(registration);
        ExFreePoolWithTag(registration, VF_TAG);
        return;
    }
    *Registration = registration; /* "unload" without closing or deregistering */
    *Socket = socket;
}
