// wskemu benchmarks, driver side: WskReceive in a loop, one IRP reused and
// one MDL over the driver's buffer; and a WskReceiveEvent callback that
// counts what is indicated. WDK headers only.
#include <ntddk.h>
#include <wsk.h>

#include "stream_receive.hpp"
#include "support/wsk_client_driver.hpp"

namespace wskemu::bench {

namespace {
constexpr ULONG receiver_tag = 'vceR';
constexpr ULONG event_receiver_tag = 'vcER';
}  // namespace

struct wsk_receiver {
    PWSK_SOCKET socket;
    driver::sync_irp call;
    driver::pool_buffer buffer;
};

wsk_receiver* wsk_receiver_open(std::uint16_t port, std::size_t size, std::int32_t& status) {
    auto* receiver =
        static_cast<wsk_receiver*>(ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(wsk_receiver), receiver_tag));
    if (receiver == nullptr) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        return nullptr;
    }
    status = receiver->call.allocate();
    if (NT_SUCCESS(status)) {
        status = receiver->buffer.allocate(static_cast<ULONG>(size), 0);
    }
    if (NT_SUCCESS(status)) {
        status = driver::connect_loopback(receiver->call, port, &receiver->socket);
    }
    if (!NT_SUCCESS(status)) {
        receiver->buffer.release();
        receiver->call.release();
        ExFreePoolWithTag(receiver, receiver_tag);
        return nullptr;
    }
    return receiver;
}

std::int32_t wsk_receiver_take(wsk_receiver* receiver, std::uint64_t bytes, std::uint64_t& received) {
    received = 0;
    const WSK_PROVIDER_CONNECTION_DISPATCH* dispatch = driver::connection_dispatch(receiver->socket);
    WSK_BUF buffer{receiver->buffer.mdl, 0, receiver->buffer.size};
    while (received < bytes) {
        const NTSTATUS status =
            receiver->call.finish(dispatch->WskReceive(receiver->socket, &buffer, 0, receiver->call.prepare()));
        if (!NT_SUCCESS(status)) {
            return status;
        }
        if (receiver->call.information() == 0) {
            return STATUS_GRACEFUL_DISCONNECT;
        }
        received += receiver->call.information();
    }
    return STATUS_SUCCESS;
}

void wsk_receiver_close(wsk_receiver* receiver) {
    driver::close_socket(receiver->call, receiver->socket);
    receiver->buffer.release();
    receiver->call.release();
    ExFreePoolWithTag(receiver, receiver_tag);
}

struct wsk_event_receiver {
    PWSK_SOCKET socket;
    driver::sync_irp call;
    KEVENT progress;  // synchronization event: set when `wanted` is reached or the socket died
    volatile LONG64 received;
    volatile LONG64 wanted;
    volatile LONG dead;
};

namespace {

// Runs at DISPATCH_LEVEL on a provider thread; takes every byte at once.
NTSTATUS WSKAPI count_indicated(PVOID context, ULONG flags, PWSK_DATA_INDICATION data, SIZE_T indicated,
                                SIZE_T* accepted) {
    UNREFERENCED_PARAMETER(flags);
    UNREFERENCED_PARAMETER(accepted);
    auto* receiver = static_cast<wsk_event_receiver*>(context);
    if (data == nullptr) {
        InterlockedExchange(&receiver->dead, 1);
        KeSetEvent(&receiver->progress, IO_NO_INCREMENT, FALSE);
        return STATUS_SUCCESS;
    }
    const LONG64 now = InterlockedAdd64(&receiver->received, static_cast<LONG64>(indicated));
    if (now >= ReadAcquire64(&receiver->wanted)) {
        KeSetEvent(&receiver->progress, IO_NO_INCREMENT, FALSE);
    }
    return STATUS_SUCCESS;
}

const WSK_CLIENT_CONNECTION_DISPATCH counting_dispatch = {count_indicated, nullptr, nullptr};

}  // namespace

wsk_event_receiver* wsk_event_receiver_open(std::uint16_t port, std::int32_t& status) {
    auto* receiver = static_cast<wsk_event_receiver*>(
        ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(wsk_event_receiver), event_receiver_tag));
    if (receiver == nullptr) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        return nullptr;
    }
    KeInitializeEvent(&receiver->progress, SynchronizationEvent, FALSE);
    receiver->received = 0;
    receiver->wanted = MAXLONGLONG;
    receiver->dead = 0;
    status = receiver->call.allocate();
    if (NT_SUCCESS(status)) {
        status = driver::connect_loopback(receiver->call, port, &receiver->socket, receiver, &counting_dispatch);
        if (NT_SUCCESS(status)) {
            WSK_EVENT_CALLBACK_CONTROL control{};
            control.NpiId = const_cast<PNPIID>(&NPI_WSK_INTERFACE_ID);
            control.EventMask = WSK_EVENT_RECEIVE;
            status = driver::connection_dispatch(receiver->socket)
                         ->Basic.WskControlSocket(receiver->socket, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET,
                                            sizeof(control), &control, 0, nullptr, nullptr, nullptr);
            if (!NT_SUCCESS(status)) {
                driver::close_socket(receiver->call, receiver->socket);
            }
        }
    }
    if (!NT_SUCCESS(status)) {
        receiver->call.release();
        ExFreePoolWithTag(receiver, event_receiver_tag);
        return nullptr;
    }
    return receiver;
}

std::int32_t wsk_event_receiver_take(wsk_event_receiver* receiver, std::uint64_t bytes, std::uint64_t& received) {
    const LONG64 start = ReadAcquire64(&receiver->received);
    const LONG64 goal = start + static_cast<LONG64>(bytes);
    InterlockedExchange64(&receiver->wanted, goal);
    NTSTATUS status = STATUS_SUCCESS;
    while (ReadAcquire64(&receiver->received) < goal) {
        if (ReadAcquire(&receiver->dead) != 0) {
            status = STATUS_CONNECTION_DISCONNECTED;
            break;
        }
        LARGE_INTEGER timeout;
        timeout.QuadPart = -10LL * 1000 * 1000 * 10;  // 10 s, relative
        if (KeWaitForSingleObject(&receiver->progress, Executive, KernelMode, FALSE, &timeout) == STATUS_TIMEOUT) {
            status = STATUS_IO_TIMEOUT;
            break;
        }
    }
    received = static_cast<std::uint64_t>(ReadAcquire64(&receiver->received) - start);
    return status;
}

void wsk_event_receiver_close(wsk_event_receiver* receiver) {
    driver::close_socket(receiver->call, receiver->socket);
    receiver->call.release();
    ExFreePoolWithTag(receiver, event_receiver_tag);
}

}  // namespace wskemu::bench
