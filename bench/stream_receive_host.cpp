// wskemu benchmarks, host side: stream receive throughput from a source peer
// that sends without pause. WskReceive (stream_receive_driver.cpp) against a
// plain recv() into a buffer of the same size; WskReceiveEvent, whose
// indications are as large as the provider reads, against the same recv().
#include "benchmarks.hpp"
#include "stream_receive.hpp"
#include "support/common.hpp"
#include "support/peers.hpp"
#include "support/plain_host.hpp"
#include "support/ratio_table.hpp"

#include <benchmark/benchmark.h>

#include <sys/socket.h>

#include <string>
#include <vector>

namespace wskemu::bench {

namespace {

// One driver-side receiver measured: `open(port, size, status)`, then
// `take(receiver, bytes, received)` per iteration, then `close(receiver)`.
template <typename Receiver, typename Open, typename Take, typename Close>
void measure_receiver(benchmark::State& state, std::size_t size, const char* what, Open open, Take take,
                      Close close) {
    loopback_peer source(peer_kind::source);
    std::int32_t status = 0;
    Receiver* receiver = open(source.port(), size, status);
    if (receiver == nullptr) {
        state.SkipWithError(("open: " + status_text(status)).c_str());
        return;
    }
    const std::uint64_t per_iteration = buffers_per_iteration(size) * size;
    std::uint64_t total = 0;
    for (auto _ : state) {
        std::uint64_t received = 0;
        status = take(receiver, per_iteration, received);
        total += received;
        if (status != 0) {
            state.SkipWithError((std::string(what) + ": " + status_text(status)).c_str());
            break;
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(total));
    close(receiver);
}

void wsk_receive(benchmark::State& state, std::size_t size) {
    measure_receiver<wsk_receiver>(state, size, "WskReceive", wsk_receiver_open, wsk_receiver_take,
                                   wsk_receiver_close);
}

// The indications are as large as the provider reads; `size` sets only the
// bytes per iteration, as for the other rows of that size.
void wsk_receive_event(benchmark::State& state, std::size_t size) {
    measure_receiver<wsk_event_receiver>(
        state, size, "WskReceiveEvent",
        [](std::uint16_t port, std::size_t, std::int32_t& status) { return wsk_event_receiver_open(port, status); },
        wsk_event_receiver_take, wsk_event_receiver_close);
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

        comparison event_row = row;
        event_row.row = "WskReceiveEvent " + size_label(size);
        event_row.candidate = prefix + "/wskemu_event";
        benchmark::RegisterBenchmark(event_row.candidate.c_str(), wsk_receive_event, size)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
        add_comparison(event_row);
    }
}

}  // namespace wskemu::bench
