// wskemu benchmarks: each benchmark file registers its benchmarks and its
// rows of the ratio table; main calls these in the table's order.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>

namespace wskemu::bench {

void register_stream_send();     // stream_send_host.cpp
void register_stream_receive();  // stream_receive_host.cpp
void register_ping_pong();       // ping_pong_host.cpp
void register_irp_cycle();       // irp_cycle_host.cpp
void register_scale();           // scale_host.cpp
void register_datagram();        // datagram_host.cpp
void register_mode_cost();       // mode_cost_host.cpp

/// The wskemu benchmarks the runtime's modes are measured on (mode_cost_host.cpp).
void wsk_send(benchmark::State& state, std::size_t size, unsigned in_flight);  // stream_send_host.cpp
void wsk_ping_pong(benchmark::State& state, std::size_t size);                 // ping_pong_host.cpp

}  // namespace wskemu::bench
