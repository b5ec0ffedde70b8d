// wskemu benchmarks: stream receive throughput from a source peer. The
// driver side (stream_receive_driver.cpp) receives two ways: WskReceive into
// an MDL over its buffer, one IRP reused; and WskReceiveEvent, a callback
// that counts the indicated bytes and accepts them all. Neutral: standard
// library only.
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

struct wsk_event_receiver;

/// Connects to 127.0.0.1:`port` and enables WSK_EVENT_RECEIVE; nullptr and
/// `status` on failure. Indications start at once and are counted whether
/// or not a take is under way.
wsk_event_receiver* wsk_event_receiver_open(std::uint16_t port, std::int32_t& status);
/// Waits until at least `bytes` more were indicated; `received` is how many
/// were. 0 on success, STATUS_IO_TIMEOUT after 10 s without enough,
/// STATUS_CONNECTION_DISCONNECTED once a NULL indication said the socket died.
std::int32_t wsk_event_receiver_take(wsk_event_receiver* receiver, std::uint64_t bytes, std::uint64_t& received);
/// Closes the socket (no callback runs after) and frees everything.
void wsk_event_receiver_close(wsk_event_receiver* receiver);

}  // namespace wskemu::bench
