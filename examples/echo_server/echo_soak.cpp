// The soak run: many concurrent loopback connections through the echo server
// driver, each streaming its own bytes, under a seeded random completion
// policy and randomly placed send failures. Passes when no byte came back
// wrong (every connection's echo is an intact prefix of what it sent, the
// whole of it unless a fault broke that connection), nothing timed out,
// nothing leaked and the verifier reported nothing.
//
//   wskemu_echo_soak [--connections N] [--bytes N] [--faults N] [--seed N] [--timeout S]
//
// Defaults: 1000 connections of 1 MiB, 5 faults, a seed from the clock
// (printed, so a failing run can be replayed), 600 s. docs/testing.md, "Soak".
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "echo_clients.hpp"
#include "echo_server_driver.h"
#include "common/loopback_address.hpp"

#include <wskemu/fault_plan.hpp>
#include <wskemu/leak_report.hpp>
#include <wskemu/runtime.hpp>
#include <wskemu/verifier.hpp>

namespace {

struct options {
    std::size_t connections = 1000;
    std::size_t bytes = 1024 * 1024;
    std::size_t faults = 5;
    std::uint64_t seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
    long timeout_seconds = 600;
};

bool parse(int argc, char** argv, options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc) {
            return false;
        }
        const unsigned long long value = std::strtoull(argv[++i], nullptr, 0);
        if (arg == "--connections") {
            o.connections = value;
        } else if (arg == "--bytes") {
            o.bytes = value;
        } else if (arg == "--faults") {
            o.faults = value;
        } else if (arg == "--seed") {
            o.seed = value;
        } else if (arg == "--timeout") {
            o.timeout_seconds = static_cast<long>(value);
        } else {
            return false;
        }
    }
    return o.connections > 0;
}

}  // namespace

int main(int argc, char** argv) {
    options o;
    if (!parse(argc, argv, o)) {
        std::fprintf(stderr,
                     "usage: wskemu_echo_soak [--connections N] [--bytes N] [--faults N] [--seed N] [--timeout S]\n");
        return 2;
    }
    std::printf("soak: %zu connections x %zu bytes, %zu faults, seed %llu\n", o.connections, o.bytes, o.faults,
                static_cast<unsigned long long>(o.seed));
    const std::size_t limit = wskemu::example::raise_open_file_limit(2 * o.connections + 64);
    if (limit != 0 && limit < 2 * o.connections + 64) {
        std::printf("soak: the open-file limit is %zu; fewer connections will be open at once\n", limit);
    }

    auto& runtime = wskemu::runtime::instance();
    runtime.set_seed(o.seed);
    runtime.set_policy(wskemu::completion_policy::random);
    // Each fault fails one WskSend of the driver's, somewhere in the run, as
    // a reset: that one connection breaks. Every other one fails at
    // completion (the call pends, the connection breaks at once).
    std::mt19937_64 random(o.seed);
    const std::uint64_t sends_expected = std::max<std::uint64_t>(1, o.connections * (o.bytes / (16 * 1024) + 1));
    std::uniform_int_distribution<std::uint64_t> which(1, sends_expected);
    for (std::size_t i = 0; i < o.faults; ++i) {
        auto rule = wskemu::fault::fail(wskemu::operation::send)
                        .nth(which(random))
                        .with(static_cast<std::int32_t>(STATUS_CONNECTION_RESET));
        runtime.add_fault(i % 2 == 1 ? rule.at_completion() : rule);
    }
    std::printf("soak: faults:\n%s\n", runtime.faults().to_string().c_str());

    const auto mark = wskemu::next_allocation_serial();
    SOCKADDR_STORAGE address = wskemu::example::loopback_sockaddr(false, 0);
    USHORT port = 0;
    const auto began = std::chrono::steady_clock::now();
    NTSTATUS status = EchoServerStart(reinterpret_cast<PSOCKADDR>(&address), static_cast<ULONG>(o.connections),
                                      256, &port);
    if (!NT_SUCCESS(status)) {
        std::printf("soak: EchoServerStart failed: 0x%08X\n", static_cast<unsigned>(status));
        return 1;
    }
    wskemu::example::echo_load load;
    load.port = port;
    load.clients = o.connections;
    load.bytes_each = o.bytes;
    load.chunk = 64 * 1024;
    load.concurrency = limit == 0 ? 0 : std::min(o.connections, (limit - 64) / 2);
    load.seed = o.seed;
    load.timeout = std::chrono::seconds(o.timeout_seconds);
    const auto r = wskemu::example::run_echo_clients(load);
    ECHO_SERVER_STATS stats;
    EchoServerQueryStats(&stats);
    status = EchoServerStop();
    runtime.reset();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();

    const std::string leaks = wskemu::format_leak_report(mark);
    const std::size_t reports = wskemu::verifier::count();
    std::printf("soak: %zu completed, %zu broken, %zu corrupted; %.1f MiB echoed in %.1f s; driver: %ld accepted, "
                "%ld send failures, %ld aborted, %ld not accepted, %ld receives posted\n",
                r.completed, r.broken, r.corrupted, static_cast<double>(r.bytes_echoed) / (1024.0 * 1024.0), seconds,
                static_cast<long>(stats.Accepted), static_cast<long>(stats.SendFailures),
                static_cast<long>(stats.Aborted), static_cast<long>(stats.NotAccepted),
                static_cast<long>(stats.PostedReceives));
    bool ok = true;
    auto fail = [&](const std::string& why) {
        std::printf("soak: FAILED: %s\n", why.c_str());
        ok = false;
    };
    if (r.corrupted != 0 || r.timed_out) {
        fail(r.first_problem);
    }
    if (r.completed + r.broken != o.connections) {
        fail("not every connection finished");
    }
    if (r.broken > static_cast<std::size_t>(stats.SendFailures)) {
        fail(std::to_string(r.broken) + " connections broke, but only " + std::to_string(stats.SendFailures) +
             " sends were made to fail; first: " + r.first_problem);
    }
    if (!NT_SUCCESS(status)) {
        fail("EchoServerStop failed");
    }
    if (!leaks.empty()) {
        fail("leaked:\n" + leaks);
    }
    if (reports != 0) {
        fail(std::to_string(reports) + " verifier reports");
    }
    std::printf("soak: %s (seed %llu)\n", ok ? "passed" : "failed", static_cast<unsigned long long>(o.seed));
    return ok ? 0 : 1;
}
