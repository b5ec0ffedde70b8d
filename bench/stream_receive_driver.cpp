// wskemu benchmarks, driver side: WskReceive in a loop, one IRP reused and
// one MDL over the driver's buffer. WDK headers only.
#include <ntddk.h>
#include <wsk.h>

#include "stream_receive.hpp"
#include "support/wsk_client_driver.hpp"

namespace wskemu::bench {

namespace {
constexpr ULONG receiver_tag = 'vceR';
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

}  // namespace wskemu::bench
