// wskemu benchmarks: datagram send and receive rates. The driver side
// (datagram_driver.cpp) owns a WSK datagram socket bound to 127.0.0.1 and one
// IRP, reused for every WskSendTo and WskReceiveFrom, waited for in the
// synchronous pattern. Neutral: standard library only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wskemu::bench {

struct wsk_datagram;

/// A datagram socket (WskSocket with WSK_FLAG_DATAGRAM_SOCKET) bound to
/// 127.0.0.1, port 0, with a buffer of `size` bytes; its port in `port`.
/// nullptr and `status` on failure.
wsk_datagram* wsk_datagram_open(std::size_t size, std::uint16_t& port, std::int32_t& status);
/// One WskSendTo of the buffer to 127.0.0.1:`port`, waited for; its status.
std::int32_t wsk_datagram_send_to(wsk_datagram* socket, std::uint16_t port);
/// One WskReceiveFrom into the buffer, waited for; its status.
std::int32_t wsk_datagram_receive_from(wsk_datagram* socket);
/// Closes the socket (WskCloseSocket) and frees everything.
void wsk_datagram_close(wsk_datagram* socket);

}  // namespace wskemu::bench
