// wskemu benchmarks, driver side: a send pool as a WSK client driver writes
// one. Each slot owns an IRP, reused for every send, and an MDL on its own
// buffer; the completion routine puts the slot back on the free list. WDK
// headers only.
#include <ntddk.h>
#include <wsk.h>

#include "stream_send.hpp"
#include "support/wsk_client_driver.hpp"

namespace wskemu::bench {

namespace {

constexpr ULONG sender_tag = 'dneS';

struct send_slot {
    LIST_ENTRY link;
    PIRP irp;
    driver::pool_buffer buffer;
    WSK_BUF wsk_buffer;  // stays valid while the send is in flight
    wsk_sender* owner;
};

}  // namespace

struct wsk_sender {
    PWSK_SOCKET socket;
    driver::sync_irp control;  // connect and close
    KSPIN_LOCK lock;
    LIST_ENTRY free_slots;     // under lock
    ULONG free_count;          // under lock
    ULONG slot_count;
    NTSTATUS failure;          // the first failed send's status, under lock
    KEVENT slot_freed;         // a pending send completed
    send_slot slots[max_sends_in_flight];
};

namespace {

NTSTATUS NTAPI send_completed(PDEVICE_OBJECT device, PIRP irp, PVOID context) {
    UNREFERENCED_PARAMETER(device);
    auto* slot = static_cast<send_slot*>(context);
    wsk_sender* sender = slot->owner;
    KIRQL irql;
    KeAcquireSpinLock(&sender->lock, &irql);
    if (!NT_SUCCESS(irp->IoStatus.Status) && NT_SUCCESS(sender->failure)) {
        sender->failure = irp->IoStatus.Status;
    }
    InsertTailList(&sender->free_slots, &slot->link);
    ++sender->free_count;
    // A send that completed inline did so on the sending thread, which finds
    // its slot on the list without waiting; only pending ones wake it. Both
    // happen under the lock: once it is released the sending thread may reuse
    // the IRP, or free the sender.
    if (irp->PendingReturned) {
        KeSetEvent(&sender->slot_freed, IO_NO_INCREMENT, FALSE);
    }
    KeReleaseSpinLock(&sender->lock, irql);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

// A free slot, taken off the list, or nullptr once a send failed.
send_slot* take_slot(wsk_sender* sender) {
    for (;;) {
        KIRQL irql;
        KeAcquireSpinLock(&sender->lock, &irql);
        send_slot* slot = nullptr;
        if (NT_SUCCESS(sender->failure) && !IsListEmpty(&sender->free_slots)) {
            slot = CONTAINING_RECORD(RemoveHeadList(&sender->free_slots), send_slot, link);
            --sender->free_count;
        }
        const bool failed = !NT_SUCCESS(sender->failure);
        KeReleaseSpinLock(&sender->lock, irql);
        if (slot != nullptr || failed) {
            return slot;
        }
        KeWaitForSingleObject(&sender->slot_freed, Executive, KernelMode, FALSE, nullptr);
    }
}

void free_sender(wsk_sender* sender) {
    for (ULONG i = 0; i < sender->slot_count; ++i) {
        if (sender->slots[i].irp != nullptr) {
            IoFreeIrp(sender->slots[i].irp);
        }
        sender->slots[i].buffer.release();
    }
    sender->control.release();
    ExFreePoolWithTag(sender, sender_tag);
}

}  // namespace

wsk_sender* wsk_sender_open(std::uint16_t port, std::size_t size, unsigned in_flight, std::int32_t& status) {
    if (in_flight == 0 || in_flight > max_sends_in_flight) {
        status = STATUS_INVALID_PARAMETER;
        return nullptr;
    }
    auto* sender = static_cast<wsk_sender*>(ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(wsk_sender), sender_tag));
    if (sender == nullptr) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        return nullptr;
    }
    KeInitializeSpinLock(&sender->lock);
    InitializeListHead(&sender->free_slots);
    KeInitializeEvent(&sender->slot_freed, SynchronizationEvent, FALSE);
    sender->failure = STATUS_SUCCESS;
    sender->slot_count = in_flight;
    status = sender->control.allocate();
    for (ULONG i = 0; i < in_flight && NT_SUCCESS(status); ++i) {
        send_slot& slot = sender->slots[i];
        slot.owner = sender;
        slot.irp = IoAllocateIrp(1, FALSE);
        status = slot.irp != nullptr ? slot.buffer.allocate(static_cast<ULONG>(size), static_cast<UCHAR>('a' + i))
                                     : STATUS_INSUFFICIENT_RESOURCES;
        slot.wsk_buffer.Mdl = slot.buffer.mdl;
        slot.wsk_buffer.Offset = 0;
        slot.wsk_buffer.Length = size;
        InsertTailList(&sender->free_slots, &slot.link);
        ++sender->free_count;
    }
    if (NT_SUCCESS(status)) {
        status = driver::connect_loopback(sender->control, port, &sender->socket);
    }
    if (!NT_SUCCESS(status)) {
        free_sender(sender);
        return nullptr;
    }
    return sender;
}

std::int32_t wsk_sender_start(wsk_sender* sender) {
    send_slot* slot = take_slot(sender);
    if (slot == nullptr) {
        return sender->failure;
    }
    IoReuseIrp(slot->irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(slot->irp, send_completed, slot, TRUE, TRUE, TRUE);
    driver::connection_dispatch(sender->socket)->WskSend(sender->socket, &slot->wsk_buffer, 0, slot->irp);
    return STATUS_SUCCESS;
}

std::int32_t wsk_sender_drain(wsk_sender* sender) {
    for (;;) {
        KIRQL irql;
        KeAcquireSpinLock(&sender->lock, &irql);
        const bool idle = sender->free_count == sender->slot_count;
        const NTSTATUS failure = sender->failure;
        KeReleaseSpinLock(&sender->lock, irql);
        if (idle) {
            return failure;
        }
        KeWaitForSingleObject(&sender->slot_freed, Executive, KernelMode, FALSE, nullptr);
    }
}

const void* wsk_sender_socket(const wsk_sender* sender) { return sender->socket; }

void wsk_sender_close(wsk_sender* sender) {
    wsk_sender_drain(sender);
    driver::close_socket(sender->control, sender->socket);
    free_sender(sender);
}

}  // namespace wskemu::bench
