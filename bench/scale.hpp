// wskemu benchmarks: many connections at once. The driver side
// (scale_driver.cpp) opens every connection (WskSocketConnect, in waves that
// stay under the listener's backlog), sends each one message, receives its
// echo, and closes them all; each connection has its own IRP and MDL, and one
// completion routine counts them down. Neutral: standard library only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wskemu::bench {

/// The message each connection sends and gets back.
inline constexpr std::size_t scale_message_size = 64;
/// Connects started before waiting for them (below the host's default listen backlog).
inline constexpr std::size_t scale_connect_wave = 512;

struct wsk_scale;

/// Opens `count` connections to 127.0.0.1:`port`. nullptr if the driver's
/// memory could not be allocated; otherwise the set (to be closed even when
/// `status`, the first failure, is not 0).
wsk_scale* wsk_scale_open(std::uint16_t port, std::size_t count, std::int32_t& status);
/// Each connection sends its message and receives the echo; `served` counts
/// the connections whose echo came back intact. The first failure, or 0.
std::int32_t wsk_scale_exchange(wsk_scale* set, std::size_t& served);
/// Closes every connection and frees the set; the first failure, or 0.
std::int32_t wsk_scale_close(wsk_scale* set);
/// What the driver itself allocates per connection (its context, IRP and MDL, as requested).
std::size_t wsk_scale_driver_bytes_per_connection();

}  // namespace wskemu::bench
