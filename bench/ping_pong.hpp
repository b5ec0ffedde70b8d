// wskemu benchmarks: request/response latency against an echo peer. The
// driver side (ping_pong_driver.cpp) sends with WskSend (WSK_FLAG_NODELAY)
// and waits for the echo with WskReceive. Neutral: standard library only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wskemu::bench {

struct wsk_pinger;

/// Connects to 127.0.0.1:`port` with a message of `size` bytes; nullptr and
/// `status` on failure.
wsk_pinger* wsk_pinger_open(std::uint16_t port, std::size_t size, std::int32_t& status);
/// One round trip: the message out, every byte of it back. The status.
std::int32_t wsk_pinger_round_trip(wsk_pinger* pinger);
/// Closes the socket and frees everything.
void wsk_pinger_close(wsk_pinger* pinger);

}  // namespace wskemu::bench
