// wskemu benchmarks: stream receive throughput from a source peer. The
// driver side (stream_receive_driver.cpp) receives with WskReceive into an
// MDL over its buffer, one IRP reused. Neutral: standard library only.
//
// WskReceiveEvent (the event-callback receive path) is the second driver-side
// receiver to add here once connection sockets deliver receive events: a
// client dispatch whose WskReceiveEvent counts the indicated bytes and
// returns STATUS_SUCCESS, registered in stream_receive_host.cpp as
// "stream_receive/<size>/wskemu_event" against the same plain recv() baseline.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wskemu::bench {

struct wsk_receiver;

/// Connects to 127.0.0.1:`port` with a receive buffer of `size` bytes;
/// nullptr and `status` on failure.
wsk_receiver* wsk_receiver_open(std::uint16_t port, std::size_t size, std::int32_t& status);
/// WskReceive until at least `bytes` came; `received` is how many did. The
/// status (0 on success; STATUS_GRACEFUL_DISCONNECT if the source stopped).
std::int32_t wsk_receiver_take(wsk_receiver* receiver, std::uint64_t bytes, std::uint64_t& received);
/// Closes the socket and frees everything.
void wsk_receiver_close(wsk_receiver* receiver);

}  // namespace wskemu::bench
