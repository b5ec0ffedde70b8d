// wskemu benchmarks: what the runtime's modes cost over the default, on the
// same wskemu benchmarks: WskSend 4 KiB (1 in flight) and the 1-byte
// ping-pong, run again with the mode on.
#include "benchmarks.hpp"
#include "support/ratio_table.hpp"

#include <wskemu/runtime.hpp>

#include <benchmark/benchmark.h>

#include <string>

namespace wskemu::bench {

namespace {

struct mode {
    const char* name;   // in benchmark names
    const char* label;  // in the table
    void (*enter)();
    void (*leave)();
    double max_slowdown;  // the most the mode may slow the default by (1.1 = 10%); 0: no target
};

// The verifier joins this table when it exists: {"verifier", "verifier on",
// switch it on, switch it off, 1.1}; until then register_mode_cost() lists it
// as not measured.
const mode modes[] = {
    {"deterministic", "deterministic mode", [] { wskemu::runtime::instance().set_deterministic(true); },
     [] { wskemu::runtime::instance().set_deterministic(false); }, 0},
};

void send_under(benchmark::State& state, const mode* m) {
    m->enter();
    wsk_send(state, 4096, 1);
    m->leave();
}

void ping_pong_under(benchmark::State& state, const mode* m) {
    m->enter();
    wsk_ping_pong(state, 1);
    m->leave();
}

}  // namespace

void register_mode_cost() {
    for (const mode& m : modes) {
        const std::string prefix = std::string("mode/") + m.name;
        comparison send;
        send.row = std::string(m.label) + ": WskSend 4 KiB, 1 in flight";
        send.candidate = prefix + "/stream_send/4KiB/x1";
        send.baseline = "stream_send/4KiB/x1/wskemu";
        send.baseline_label = "default";
        if (m.max_slowdown > 0) {
            send.target_goal = goal::at_least;
            send.target = 1 / m.max_slowdown;
        }
        benchmark::RegisterBenchmark(send.candidate.c_str(), send_under, &m)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
        add_comparison(send);
        comparison ping;
        ping.row = std::string(m.label) + ": ping-pong 1 B";
        ping.candidate = prefix + "/ping_pong/1B";
        ping.baseline = "ping_pong/1B/wskemu";
        ping.baseline_label = "default";
        ping.what = measure::time;
        if (m.max_slowdown > 0) {
            ping.target_goal = goal::at_most;
            ping.target = m.max_slowdown;
        }
        benchmark::RegisterBenchmark(ping.candidate.c_str(), ping_pong_under, &m)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
        add_comparison(ping);
    }
    add_unmeasured("verifier on: WskSend 4 KiB and ping-pong 1 B (target: at most 10% slower)",
                   "the verifier is not in this build yet (its mode goes in bench/mode_cost_host.cpp)");
}

}  // namespace wskemu::bench
