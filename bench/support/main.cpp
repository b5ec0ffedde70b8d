// wskemu_bench: every benchmark, then the ratio table (docs/performance.md).
// Google Benchmark's flags apply (--benchmark_filter, --benchmark_repetitions,
// --benchmark_enable_random_interleaving, ...). Exits non-zero if a benchmark
// failed.
#include "benchmarks.hpp"
#include "support/machine.hpp"
#include "support/peers.hpp"
#include "support/ratio_table.hpp"
#include "support/wsk_session.hpp"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    using namespace wskemu::bench;
    if (const auto code = run_echo_process_if_asked(argc, argv)) {
        return *code;
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        return 2;
    }
    raise_descriptor_limit();
    if (const std::int32_t status = start_wsk_client(); status != 0) {
        std::fprintf(stderr, "wskemu_bench: WskRegister failed: 0x%08X\n", static_cast<unsigned>(status));
        return 1;
    }
    register_stream_send();
    register_stream_receive();
    register_ping_pong();
    register_irp_cycle();
    register_scale();
    register_datagram();
    register_mode_cost();

    char load[32];
    std::snprintf(load, sizeof(load), "%.2f", load_average());
    ratio_reporter reporter("wskemu_bench on " + machine_summary() + "; load average at start " + load);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    std::snprintf(load, sizeof(load), "%.2f", load_average());
    std::cout << "\nload average at end " << load << std::endl;
    benchmark::Shutdown();
    if (reporter.any_error()) {
        // A failed benchmark may have left a socket open, which WskDeregister would wait for.
        return 1;
    }
    stop_wsk_client();
    return 0;
}
