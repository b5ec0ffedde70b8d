// wskemu benchmarks: IRP costs without I/O (irp_cycle_driver.cpp), and what
// the hold policy adds to a WskSend (stream_send_driver.cpp's sender, one
// send in flight): each send is held, released by the test, then completes.
#include "irp_cycle.hpp"

#include "benchmarks.hpp"
#include "stream_send.hpp"
#include "support/common.hpp"
#include "support/peers.hpp"
#include "support/ratio_table.hpp"

#include <wskemu/runtime.hpp>

#include <benchmark/benchmark.h>

#include <chrono>

namespace wskemu::bench {

namespace {

constexpr std::size_t hold_send_size = 256;

void reuse_cycle(benchmark::State& state) {
    irp_cycler* cycler = irp_cycler_open();
    if (cycler == nullptr) {
        state.SkipWithError("IoAllocateIrp failed");
        return;
    }
    for (auto _ : state) {
        irp_cycle(cycler);
    }
    if (irp_cycler_completions(cycler) != static_cast<std::uint64_t>(state.iterations())) {
        state.SkipWithError("the completion routine did not run once per cycle");
    }
    irp_cycler_close(cycler);
}

void allocate_free(benchmark::State& state) {
    for (auto _ : state) {
        if (!irp_allocate_free()) {
            state.SkipWithError("IoAllocateIrp failed");
            break;
        }
    }
}

// One WskSend per iteration, completed naturally or held and released.
void send_cycle(benchmark::State& state, bool hold) {
    loopback_peer sink(peer_kind::sink);
    std::int32_t status = 0;
    wsk_sender* sender = wsk_sender_open(sink.port(), hold_send_size, 1, status);
    if (sender == nullptr) {
        state.SkipWithError(("open: " + status_text(status)).c_str());
        return;
    }
    auto& runtime = wskemu::runtime::instance();
    if (hold) {
        runtime.set_policy(wsk_sender_socket(sender), operation::send, completion_policy::hold);
    }
    for (auto _ : state) {
        status = wsk_sender_start(sender);
        if (hold && status == 0) {
            const auto held = runtime.wait_for_held(1, std::chrono::seconds(10));
            if (held.size() != 1 || !held.front().release()) {
                state.SkipWithError("the send was not held");
                break;
            }
        }
        if (status == 0) {
            status = wsk_sender_drain(sender);
        }
        if (status != 0) {
            state.SkipWithError(("WskSend: " + status_text(status)).c_str());
            break;
        }
    }
    // Closing the socket drops its policy.
    wsk_sender_close(sender);
}

}  // namespace

void register_irp_cycle() {
    benchmark::RegisterBenchmark("irp_cycle/reuse", reuse_cycle);
    benchmark::RegisterBenchmark("irp_cycle/allocate_free", allocate_free);
    comparison reuse;
    reuse.row = "IRP cycle without I/O (IoReuseIrp … IoCompleteRequest)";
    reuse.candidate = "irp_cycle/reuse";
    reuse.what = measure::time;
    reuse.target_goal = goal::at_most;
    reuse.target = 100;
    add_comparison(reuse);
    comparison allocation = reuse;
    allocation.row = "IoAllocateIrp + IoFreeIrp";
    allocation.candidate = "irp_cycle/allocate_free";
    allocation.target_goal = goal::none;
    add_comparison(allocation);

    const std::string natural_name = "send_cycle/" + size_name(hold_send_size) + "/natural";
    const std::string hold_name = "send_cycle/" + size_name(hold_send_size) + "/hold";
    benchmark::RegisterBenchmark(natural_name.c_str(), send_cycle, false)->UseRealTime()->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(hold_name.c_str(), send_cycle, true)->UseRealTime()->Unit(benchmark::kMicrosecond);
    comparison held;
    held.row = "WskSend " + size_label(hold_send_size) + " held and released (hold policy)";
    held.candidate = hold_name;
    held.baseline = natural_name;
    held.baseline_label = "natural";
    held.what = measure::time;
    add_comparison(held);
}

}  // namespace wskemu::bench
