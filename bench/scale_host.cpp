// wskemu benchmarks, host side: 10,000 concurrent loopback connections, each
// sending one message and receiving its echo, then closed: the time, and
// the resident memory per connection at the peak (every connection open,
// every echo received), for wskemu (scale_driver.cpp) and for plain sockets
// in the same process. The peer is a separate process (peers.hpp), so its
// sockets count neither against this process's descriptors nor its memory;
// the kernel's socket memory is not resident memory of any process.
#include "scale.hpp"

#include "benchmarks.hpp"
#include "support/common.hpp"
#include "support/machine.hpp"
#include "support/peers.hpp"
#include "support/plain_host.hpp"
#include "support/ratio_table.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <vector>

namespace wskemu::bench {

namespace {

constexpr std::size_t scale_connections = 10000;

void fill_message(std::size_t index, unsigned char* data) {
    for (std::size_t i = 0; i < scale_message_size; ++i) {
        data[i] = static_cast<unsigned char>((index * 31 + i) & 0xFF);
    }
}

// Memory per connection and the connections served, as counters.
void report(benchmark::State& state, std::size_t before, std::size_t peak, std::size_t own_bytes,
            std::size_t served) {
    const double resident = peak > before ? static_cast<double>(peak - before) / scale_connections : 0.0;
    state.counters["resident_per_connection"] = resident;
    state.counters["memory_per_connection"] = resident - static_cast<double>(own_bytes);
    state.counters["served"] = static_cast<double>(served);
    if (served != scale_connections) {
        state.SkipWithError(("only " + std::to_string(served) + " connections served").c_str());
    }
}

// The echo process's port, with descriptors enough for every connection; 0
// (and the benchmark marked failed) without.
std::uint16_t scale_peer_port(benchmark::State& state) {
    const std::uint16_t port = echo_process_port();
    if (port == 0 || raise_descriptor_limit() < scale_connections + 64) {
        state.SkipWithError("no echo process, or too few descriptors");
        return 0;
    }
    return port;
}

// The resident set, read outside the timed part.
std::size_t untimed_resident_bytes(benchmark::State& state) {
    state.PauseTiming();
    const std::size_t bytes = resident_bytes();
    state.ResumeTiming();
    return bytes;
}

void wsk_scale_run(benchmark::State& state) {
    const std::uint16_t port = scale_peer_port(state);
    if (port == 0) {
        return;
    }
    for (auto _ : state) {
        const std::size_t before = untimed_resident_bytes(state);
        std::int32_t status = 0;
        wsk_scale* set = wsk_scale_open(port, scale_connections, status);
        if (set == nullptr) {
            state.SkipWithError(("open: " + status_text(status)).c_str());
            break;
        }
        std::size_t served = 0;
        if (status == 0) {
            status = wsk_scale_exchange(set, served);
        }
        const std::size_t peak = untimed_resident_bytes(state);
        const std::int32_t closed = wsk_scale_close(set);
        // The driver's own allocations are its business, not the emulator's.
        report(state, before, peak, wsk_scale_driver_bytes_per_connection(), served);
        if (status != 0 || closed != 0) {
            state.SkipWithError(status_text(status != 0 ? status : closed).c_str());
            break;
        }
    }
}

void plain_scale_run(benchmark::State& state) {
    const std::uint16_t port = scale_peer_port(state);
    if (port == 0) {
        return;
    }
    for (auto _ : state) {
        const std::size_t before = untimed_resident_bytes(state);
        std::vector<int> sockets(scale_connections, -1);
        std::vector<unsigned char> messages(scale_connections * scale_message_size);
        unsigned char echo[scale_message_size];
        std::size_t served = 0;
        bool ok = true;
        for (std::size_t i = 0; i < scale_connections && ok; ++i) {
            sockets[i] = plain::connect_loopback(port, false);
            ok = sockets[i] >= 0;
        }
        for (std::size_t i = 0; i < scale_connections && ok; ++i) {
            fill_message(i, &messages[i * scale_message_size]);
            ok = plain::send_all(sockets[i], &messages[i * scale_message_size], scale_message_size);
        }
        for (std::size_t i = 0; i < scale_connections && ok; ++i) {
            ok = plain::receive_all(sockets[i], echo, scale_message_size);
            served += ok && std::equal(echo, echo + scale_message_size, &messages[i * scale_message_size]) ? 1 : 0;
        }
        const std::size_t peak = untimed_resident_bytes(state);
        for (int fd : sockets) {
            plain::close_socket(fd);
        }
        report(state, before, peak, 0, served);
        if (!ok) {
            break;
        }
    }
}

double maximum(const std::vector<double>& values) { return *std::max_element(values.begin(), values.end()); }

}  // namespace

void register_scale() {
    const std::string wsk_name = "scale/10000/wskemu";
    const std::string plain_name = "scale/10000/plain";
    // The first run in a process pays for pools later runs reuse (Asio keeps
    // its per-descriptor state): memory rows read the maximum.
    for (const auto& [name, function] : {std::pair{wsk_name, &wsk_scale_run}, std::pair{plain_name, &plain_scale_run}}) {
        benchmark::RegisterBenchmark(name.c_str(), function)
            ->Iterations(1)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond)
            ->ComputeStatistics("max", maximum);
    }
    comparison time;
    time.row = "10,000 connections: open, one echo each, close";
    time.candidate = wsk_name;
    time.baseline = plain_name;
    time.baseline_label = "plain";
    time.what = measure::time;
    add_comparison(time);
    comparison memory;
    memory.row = "10,000 connections: emulator memory per connection";
    memory.candidate = wsk_name;
    memory.baseline = plain_name;
    memory.baseline_label = "plain";
    memory.what = measure::counter;
    memory.counter = "memory_per_connection";
    memory.unit = "B";
    memory.statistic = "max";
    memory.difference = true;
    memory.target_goal = goal::at_most;
    memory.target = 4096;
    add_comparison(memory);
}

}  // namespace wskemu::bench
