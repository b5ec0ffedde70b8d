// wskemu benchmarks, driver side: synchronous request and response, one IRP
// reused for both, the KEVENT pattern. WDK headers only.
#include <ntddk.h>
#include <wsk.h>

#include "ping_pong.hpp"
#include "support/wsk_client_driver.hpp"

namespace wskemu::bench {

namespace {
constexpr ULONG pinger_tag = 'gniP';
}  // namespace

struct wsk_pinger {
    PWSK_SOCKET socket;
    driver::sync_irp call;
    driver::pool_buffer request;
    driver::pool_buffer response;
};

wsk_pinger* wsk_pinger_open(std::uint16_t port, std::size_t size, std::int32_t& status) {
    auto* pinger = static_cast<wsk_pinger*>(ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(wsk_pinger), pinger_tag));
    if (pinger == nullptr) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        return nullptr;
    }
    status = pinger->call.allocate();
    if (NT_SUCCESS(status)) {
        status = pinger->request.allocate(static_cast<ULONG>(size), 'r');
    }
    if (NT_SUCCESS(status)) {
        status = pinger->response.allocate(static_cast<ULONG>(size), 0);
    }
    if (NT_SUCCESS(status)) {
        status = driver::connect_loopback(pinger->call, port, &pinger->socket);
    }
    if (!NT_SUCCESS(status)) {
        pinger->response.release();
        pinger->request.release();
        pinger->call.release();
        ExFreePoolWithTag(pinger, pinger_tag);
        return nullptr;
    }
    return pinger;
}

std::int32_t wsk_pinger_round_trip(wsk_pinger* pinger) {
    const WSK_PROVIDER_CONNECTION_DISPATCH* dispatch = driver::connection_dispatch(pinger->socket);
    WSK_BUF out{pinger->request.mdl, 0, pinger->request.size};
    NTSTATUS status =
        pinger->call.finish(dispatch->WskSend(pinger->socket, &out, WSK_FLAG_NODELAY, pinger->call.prepare()));
    if (!NT_SUCCESS(status)) {
        return status;
    }
    ULONG received = 0;
    while (received < pinger->response.size) {
        WSK_BUF in{pinger->response.mdl, received, pinger->response.size - received};
        status = pinger->call.finish(dispatch->WskReceive(pinger->socket, &in, 0, pinger->call.prepare()));
        if (!NT_SUCCESS(status)) {
            return status;
        }
        if (pinger->call.information() == 0) {
            return STATUS_GRACEFUL_DISCONNECT;
        }
        received += static_cast<ULONG>(pinger->call.information());
    }
    return STATUS_SUCCESS;
}

void wsk_pinger_close(wsk_pinger* pinger) {
    driver::close_socket(pinger->call, pinger->socket);
    pinger->response.release();
    pinger->request.release();
    pinger->call.release();
    ExFreePoolWithTag(pinger, pinger_tag);
}

}  // namespace wskemu::bench
