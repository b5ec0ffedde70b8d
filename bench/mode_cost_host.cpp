// wskemu benchmarks: what the runtime's modes cost, on the same wskemu
// benchmarks: WskSend 4 KiB (1 in flight) and the 1-byte ping-pong, run again
// with the mode switched. The verifier is on by default, so its cost is the
// default against a run with it off; deterministic mode is off by default, so
// its cost is a run with it on against the default.
#include "benchmarks.hpp"
#include "support/ratio_table.hpp"

#include <wskemu/runtime.hpp>
#include <wskemu/verifier.hpp>

#include <benchmark/benchmark.h>

#include <string>

namespace wskemu::bench {

namespace {

struct mode {
    const char* name;   // in benchmark names
    const char* label;  // in the table: what costs
    const char* other;  // in the table: what it is compared with
    void (*enter)();
    void (*leave)();
    bool default_costs;   // the default is the costly side (the mode switches the cost off)
    double max_slowdown;  // the most the cost may slow the run by (1.1 = 10%); 0: no target
};

// Every rule on and allocation stacks captured, as by default; the
// opt-in rule stays off.
void verifier_defaults() {
    wskemu::verifier::enable("*");
    wskemu::verifier::disable("buffer.modified_while_pending");
    wskemu::verifier::set_capture_stacks(true);
}

void verifier_off() {
    wskemu::verifier::disable("*");
    wskemu::verifier::set_capture_stacks(false);
}

const mode modes[] = {
    {"verifier_off", "verifier on (default)", "off", verifier_off, verifier_defaults, true, 1.1},
    {"deterministic", "deterministic mode", "default", [] { wskemu::runtime::instance().set_deterministic(true); },
     [] { wskemu::runtime::instance().set_deterministic(false); }, false, 0},
};

// The mode's run against the default run: the costly one is the candidate.
comparison cost_of(const mode& m, std::string row, std::string mode_run, std::string default_run, measure what) {
    comparison c;
    c.row = std::string(m.label) + ": " + row;
    c.candidate = m.default_costs ? default_run : mode_run;
    c.baseline = m.default_costs ? mode_run : default_run;
    c.baseline_label = m.other;
    c.what = what;
    if (m.max_slowdown > 0) {
        c.target_goal = what == measure::time ? goal::at_most : goal::at_least;
        c.target = what == measure::time ? m.max_slowdown : 1 / m.max_slowdown;
    }
    return c;
}

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
        const std::string send = prefix + "/stream_send/4KiB/x1";
        benchmark::RegisterBenchmark(send.c_str(), send_under, &m)->UseRealTime()->Unit(benchmark::kMillisecond);
        add_comparison(cost_of(m, "WskSend 4 KiB, 1 in flight", send, "stream_send/4KiB/x1/wskemu", measure::throughput));
        const std::string ping = prefix + "/ping_pong/1B";
        benchmark::RegisterBenchmark(ping.c_str(), ping_pong_under, &m)->UseRealTime()->Unit(benchmark::kMicrosecond);
        add_comparison(cost_of(m, "ping-pong 1 B", ping, "ping_pong/1B/wskemu", measure::time));
    }
}

}  // namespace wskemu::bench
