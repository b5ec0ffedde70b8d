// wskemu benchmarks, host side: request/response latency against an echo
// peer, 1 byte and 1 KiB. WskSend + WskReceive (ping_pong_driver.cpp)
// against plain send() + recv() with TCP_NODELAY.
#include "ping_pong.hpp"

#include "benchmarks.hpp"
#include "support/common.hpp"
#include "support/peers.hpp"
#include "support/plain_host.hpp"
#include "support/ratio_table.hpp"

#include <benchmark/benchmark.h>

#include <vector>

namespace wskemu::bench {

void wsk_ping_pong(benchmark::State& state, std::size_t size) {
    loopback_peer echo(peer_kind::echo);
    std::int32_t status = 0;
    wsk_pinger* pinger = wsk_pinger_open(echo.port(), size, status);
    if (pinger == nullptr) {
        state.SkipWithError(("open: " + status_text(status)).c_str());
        return;
    }
    for (auto _ : state) {
        if ((status = wsk_pinger_round_trip(pinger)) != 0) {
            state.SkipWithError(("round trip: " + status_text(status)).c_str());
            break;
        }
    }
    wsk_pinger_close(pinger);
}

namespace {

void plain_ping_pong(benchmark::State& state, std::size_t size) {
    loopback_peer echo(peer_kind::echo);
    const int fd = plain::connect_loopback(echo.port(), true);
    if (fd < 0) {
        state.SkipWithError("connect failed");
        return;
    }
    std::vector<unsigned char> request(size, 'r');
    std::vector<unsigned char> response(size);
    for (auto _ : state) {
        if (!plain::send_all(fd, request.data(), size) || !plain::receive_all(fd, response.data(), size)) {
            state.SkipWithError("round trip failed");
            break;
        }
    }
    plain::close_socket(fd);
}

}  // namespace

void register_ping_pong() {
    for (std::size_t size : {std::size_t{1}, std::size_t{1024}}) {
        comparison row;
        row.row = "ping-pong " + size_label(size) + " (round trip)";
        row.candidate = "ping_pong/" + size_name(size) + "/wskemu";
        row.baseline = "ping_pong/" + size_name(size) + "/plain";
        row.baseline_label = "send()+recv()";
        row.what = measure::time;
        row.target_goal = goal::at_most;
        row.target = 1.2;
        benchmark::RegisterBenchmark(row.candidate.c_str(), wsk_ping_pong, size)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark(row.baseline.c_str(), plain_ping_pong, size)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
        add_comparison(row);
    }
}

}  // namespace wskemu::bench
