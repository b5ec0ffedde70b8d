// wskemu benchmarks: stream send throughput. The driver side
// (stream_send_driver.cpp) keeps up to 8 WskSend calls in flight, each on its
// own IRP (reused with IoReuseIrp, a completion routine, an MDL on its
// buffer), as a driver's send pool does. Neutral: standard library only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wskemu::bench {

/// The most sends a wsk_sender keeps in flight.
inline constexpr unsigned max_sends_in_flight = 8;

struct wsk_sender;

/// Connects to 127.0.0.1:`port` (WskSocketConnect) with `in_flight` send
/// slots (1..8) of `size` bytes; nullptr and `status` on failure.
wsk_sender* wsk_sender_open(std::uint16_t port, std::size_t size, unsigned in_flight, std::int32_t& status);
/// Starts one WskSend on a free slot (waiting for one first); the first
/// failure seen so far (0 if none).
std::int32_t wsk_sender_start(wsk_sender* sender);
/// Waits until every send started has completed; the first failure, or 0.
std::int32_t wsk_sender_drain(wsk_sender* sender);
/// The PWSK_SOCKET, as test control names a socket.
const void* wsk_sender_socket(const wsk_sender* sender);
/// Drains, closes the socket (WskCloseSocket) and frees everything.
void wsk_sender_close(wsk_sender* sender);

}  // namespace wskemu::bench
