// wskemu benchmarks, host side: stream receive throughput from a source peer
// that sends without pause. WskReceive (stream_receive_driver.cpp) against a
// plain recv() into a buffer of the same size.
#include "benchmarks.hpp"
#include "stream_receive.hpp"
#include "support/common.hpp"
#include "support/peers.hpp"
#include "support/plain_host.hpp"
#include "support/ratio_table.hpp"

#include <benchmark/benchmark.h>

#include <sys/socket.h>

#include <vector>

namespace wskemu::bench {

namespace {

void wsk_receive(benchmark::State& state, std::size_t size) {
    loopback_peer source(peer_kind::source);
    std::int32_t status = 0;
    wsk_receiver* receiver = wsk_receiver_open(source.port(), size, status);
    if (receiver == nullptr) {
        state.SkipWithError(("open: " + status_text(status)).c_str());
        return;
    }
    const std::uint64_t per_iteration = buffers_per_iteration(size) * size;
    std::uint64_t total = 0;
    for (auto _ : state) {
        std::uint64_t received = 0;
        status = wsk_receiver_take(receiver, per_iteration, received);
        total += received;
        if (status != 0) {
            state.SkipWithError(("WskReceive: " + status_text(status)).c_str());
            break;
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(total));
    wsk_receiver_close(receiver);
}

void plain_receive(benchmark::State& state, std::size_t size) {
    loopback_peer source(peer_kind::source);
    const int fd = plain::connect_loopback(source.port(), false);
    if (fd < 0) {
        state.SkipWithError("connect failed");
        return;
    }
    std::vector<unsigned char> buffer(size);
    const std::uint64_t per_iteration = buffers_per_iteration(size) * size;
    std::uint64_t total = 0;
    for (auto _ : state) {
        std::uint64_t received = 0;
        while (received < per_iteration) {
            const ssize_t n = ::recv(fd, buffer.data(), size, 0);
            if (n <= 0) {
                state.SkipWithError("recv failed");
                break;
            }
            received += static_cast<std::uint64_t>(n);
        }
        total += received;
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(total));
    plain::close_socket(fd);
}

}  // namespace

void register_stream_receive() {
    for (std::size_t size : stream_sizes) {
        const std::string prefix = "stream_receive/" + size_name(size);
        comparison row;
        row.row = "WskReceive " + size_label(size);
        row.candidate = prefix + "/wskemu";
        row.baseline = prefix + "/plain";
        row.baseline_label = "recv()";
        row.target_goal = goal::at_least;
        row.target = size < 4096 ? 0.85 : 0.95;
        benchmark::RegisterBenchmark(row.candidate.c_str(), wsk_receive, size)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark(row.baseline.c_str(), plain_receive, size)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
        add_comparison(row);
    }
    // See stream_receive.hpp: the event-callback receive path comes with
    // connection sockets' receive events.
    add_unmeasured("WskReceiveEvent, all sizes", "connection sockets do not deliver receive events yet");
}

}  // namespace wskemu::bench
