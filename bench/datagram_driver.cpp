// wskemu benchmarks, driver side: a datagram socket as a WSK client driver
// uses one, a call at a time on one reused IRP. WDK headers only.
#include <ntddk.h>
#include <wsk.h>

#include "datagram.hpp"
#include "support/wsk_client_driver.hpp"

namespace wskemu::bench {

namespace {

constexpr ULONG datagram_tag = 'gmdD';

const WSK_PROVIDER_DATAGRAM_DISPATCH* datagram_dispatch(PWSK_SOCKET socket) {
    return static_cast<const WSK_PROVIDER_DATAGRAM_DISPATCH*>(socket->Dispatch);
}

}  // namespace

struct wsk_datagram {
    PWSK_SOCKET socket;
    driver::sync_irp call;
    driver::pool_buffer buffer;
    WSK_BUF wsk_buffer;
    SOCKADDR_IN peer;  // the last datagram's source
};

wsk_datagram* wsk_datagram_open(std::size_t size, std::uint16_t& port, std::int32_t& status) {
    auto* d = static_cast<wsk_datagram*>(ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(wsk_datagram), datagram_tag));
    if (d == nullptr) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        return nullptr;
    }
    d->socket = nullptr;  // ExAllocatePool2 zeroed the rest
    status = d->call.allocate();
    if (NT_SUCCESS(status)) {
        status = d->buffer.allocate(static_cast<ULONG>(size), 'd');
    }
    if (NT_SUCCESS(status)) {
        d->wsk_buffer.Mdl = d->buffer.mdl;
        d->wsk_buffer.Offset = 0;
        d->wsk_buffer.Length = size;
        const WSK_PROVIDER_NPI& provider = driver::provider();
        status = d->call.finish(provider.Dispatch->WskSocket(provider.Client, AF_INET, SOCK_DGRAM, IPPROTO_UDP,
                                                             WSK_FLAG_DATAGRAM_SOCKET, nullptr, nullptr, nullptr,
                                                             nullptr, nullptr, d->call.prepare()));
        if (NT_SUCCESS(status)) {
            d->socket = reinterpret_cast<PWSK_SOCKET>(d->call.information());
        }
    }
    SOCKADDR_IN local = driver::loopback_address(0);
    if (NT_SUCCESS(status)) {
        status = d->call.finish(
            datagram_dispatch(d->socket)->WskBind(d->socket, reinterpret_cast<PSOCKADDR>(&local), 0, d->call.prepare()));
    }
    if (NT_SUCCESS(status)) {
        status = d->call.finish(datagram_dispatch(d->socket)->WskGetLocalAddress(
            d->socket, reinterpret_cast<PSOCKADDR>(&local), d->call.prepare()));
    }
    if (!NT_SUCCESS(status)) {
        wsk_datagram_close(d);
        return nullptr;
    }
    port = RtlUshortByteSwap(local.sin_port);
    return d;
}

std::int32_t wsk_datagram_send_to(wsk_datagram* d, std::uint16_t port) {
    SOCKADDR_IN to = driver::loopback_address(port);
    return d->call.finish(datagram_dispatch(d->socket)->WskSendTo(d->socket, &d->wsk_buffer, 0,
                                                                  reinterpret_cast<PSOCKADDR>(&to), 0, nullptr,
                                                                  d->call.prepare()));
}

std::int32_t wsk_datagram_receive_from(wsk_datagram* d) {
    return d->call.finish(datagram_dispatch(d->socket)->WskReceiveFrom(
        d->socket, &d->wsk_buffer, 0, reinterpret_cast<PSOCKADDR>(&d->peer), nullptr, nullptr, nullptr,
        d->call.prepare()));
}

void wsk_datagram_close(wsk_datagram* d) {
    if (d->socket != nullptr) {
        d->call.finish(datagram_dispatch(d->socket)->Basic.WskCloseSocket(d->socket, d->call.prepare()));
    }
    d->buffer.release();
    d->call.release();
    ExFreePoolWithTag(d, datagram_tag);
}

}  // namespace wskemu::bench
