// Unit tests of the echo server driver: real loopback clients, many at once,
// every byte checked, under the completion policies and injected faults.
#include <gtest/gtest.h>

#include "echo_clients.hpp"
#include "echo_server_driver.h"
#include "common/loopback_address.hpp"

#include <wskemu/fault_plan.hpp>
#include <wskemu/leak_report.hpp>
#include <wskemu/runtime.hpp>
#include <wskemu/verifier.hpp>

#include <chrono>
#include <thread>

namespace {

using namespace std::chrono_literals;
using wskemu::example::echo_load;
using wskemu::example::echo_load_result;

class EchoServer : public ::testing::TestWithParam<bool> {
protected:
    void SetUp() override {
        wskemu::runtime::instance().reset();
        wskemu::verifier::clear();
        mark_ = wskemu::next_allocation_serial();
    }
    void TearDown() override {
        if (started_) {
            EXPECT_EQ(EchoServerStop(), STATUS_SUCCESS);
        }
        wskemu::runtime::instance().reset();
        EXPECT_EQ(wskemu::format_leak_report(mark_), "");
        EXPECT_EQ(wskemu::verifier::count(), 0u);
    }

    // Starts the server on the loopback address of the test's family.
    bool start(ULONG max_connections, ULONG pool) {
        SOCKADDR_STORAGE address = wskemu::example::loopback_sockaddr(GetParam(), 0);
        const NTSTATUS status =
            EchoServerStart(reinterpret_cast<PSOCKADDR>(&address), max_connections, pool, &port_);
        if (GetParam() && status != STATUS_SUCCESS) {
            return false;  // no ::1 here
        }
        EXPECT_EQ(status, STATUS_SUCCESS);
        started_ = status == STATUS_SUCCESS;
        return started_;
    }

    NTSTATUS stop() {
        started_ = false;
        return EchoServerStop();
    }

    echo_load load(std::size_t clients, std::size_t bytes_each) const {
        echo_load l;
        l.port = port_;
        l.ipv6 = GetParam();
        l.clients = clients;
        l.bytes_each = bytes_each;
        l.chunk = 8192;
        return l;
    }

    static ECHO_SERVER_STATS stats() {
        ECHO_SERVER_STATS s;
        EchoServerQueryStats(&s);
        return s;
    }

    // The driver closes a connection on its worker thread after the client saw the FIN.
    static void wait_until_all_closed() {
        for (int i = 0; i < 1000 && stats().Open != 0; ++i) {
            std::this_thread::sleep_for(5ms);
        }
    }

    USHORT port_ = 0;
    bool started_ = false;
    std::uint64_t mark_ = 0;
};

TEST_P(EchoServer, ServesHundredsOfConcurrentClientsByteExact) {
    if (!start(1000, 64)) {
        GTEST_SKIP() << "no loopback address for this family";
    }
    const echo_load_result r = wskemu::example::run_echo_clients(load(300, 32 * 1024));
    EXPECT_EQ(r.completed, 300u) << r.first_problem;
    EXPECT_EQ(r.corrupted, 0u) << r.first_problem;
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.bytes_echoed, 300u * 32 * 1024);
    wait_until_all_closed();
    const ECHO_SERVER_STATS s = stats();
    EXPECT_EQ(s.Accepted, 300);
    EXPECT_EQ(s.Refused, 0);
    EXPECT_EQ(s.Open, 0);
    EXPECT_EQ(s.Closed, 300);
    EXPECT_EQ(s.Aborted, 0) << "every client closed gracefully after its echo";
    EXPECT_EQ(s.BytesEchoed, 300LL * 32 * 1024);
    EXPECT_EQ(stop(), STATUS_SUCCESS);
}

// Two contexts for twenty streams: the receive callback runs out of buffers,
// accepts part of the data or none, and the worker posts WskReceive to take
// what the provider kept; the bytes still come back in order.
TEST_P(EchoServer, AFewContextsForManyStreamsUsePartialAcceptsAndPostedReceives) {
    if (!start(100, 2)) {
        GTEST_SKIP() << "no loopback address for this family";
    }
    const echo_load_result r = wskemu::example::run_echo_clients(load(20, 256 * 1024));
    EXPECT_EQ(r.completed, 20u) << r.first_problem;
    EXPECT_EQ(r.corrupted, 0u) << r.first_problem;
    wait_until_all_closed();
    const ECHO_SERVER_STATS s = stats();
    EXPECT_GT(s.NotAccepted, 0);
    EXPECT_GT(s.PostedReceives, 0);
    EXPECT_EQ(s.BytesEchoed, 20LL * 256 * 1024);
}

TEST_P(EchoServer, EchoesUnderEveryCompletionPolicy) {
    if (!start(100, 16)) {
        GTEST_SKIP() << "no loopback address for this family";
    }
    auto& runtime = wskemu::runtime::instance();
    runtime.set_seed(20261127);
    for (const auto policy : {wskemu::completion_policy::always_pending, wskemu::completion_policy::inline_when_possible,
                              wskemu::completion_policy::random}) {
        runtime.set_policy(policy);
        const echo_load_result r = wskemu::example::run_echo_clients(load(20, 64 * 1024));
        EXPECT_EQ(r.completed, 20u) << wskemu::policy_name(policy) << ": " << r.first_problem;
        EXPECT_EQ(r.corrupted, 0u) << r.first_problem;
    }
    wait_until_all_closed();
    EXPECT_EQ(stats().Closed, 60);
}

// A failed send breaks only its own connection: the driver closes it
// abortively, that client sees a reset after an intact prefix, the others
// finish.
TEST_P(EchoServer, AFailedSendClosesOnlyItsConnection) {
    if (!start(100, 16)) {
        GTEST_SKIP() << "no loopback address for this family";
    }
    wskemu::runtime::instance().add_fault(
        wskemu::fault::fail(wskemu::operation::send).nth(25).with(static_cast<std::int32_t>(STATUS_CONNECTION_RESET)));
    const echo_load_result r = wskemu::example::run_echo_clients(load(10, 64 * 1024));
    EXPECT_EQ(r.corrupted, 0u) << r.first_problem;
    EXPECT_EQ(r.broken, 1u) << r.first_problem;
    EXPECT_EQ(r.completed, 9u) << r.first_problem;
    wait_until_all_closed();
    const ECHO_SERVER_STATS s = stats();
    EXPECT_EQ(s.SendFailures, 1);
    EXPECT_EQ(s.Aborted, 1);
}

// "The socket is dead": a NULL indication makes the driver close that
// connection at once.
TEST_P(EchoServer, ANullIndicationClosesTheConnection) {
    if (!start(100, 16)) {
        GTEST_SKIP() << "no loopback address for this family";
    }
    wskemu::runtime::instance().add_fault(wskemu::fault::null_indication(wskemu::operation::receive_event));
    const echo_load_result r = wskemu::example::run_echo_clients(load(1, 16 * 1024));
    EXPECT_EQ(r.broken, 1u) << r.first_problem;
    EXPECT_EQ(r.corrupted, 0u) << r.first_problem;
    wait_until_all_closed();
    EXPECT_EQ(stats().NullIndications, 1);
    EXPECT_EQ(stats().Closed, 1);
}

// Stopping while clients are mid-stream closes every connection (callbacks
// may be running), waits for them, and leaves nothing behind.
TEST_P(EchoServer, StopsWhileClientsAreMidStream) {
    if (!start(100, 8)) {
        GTEST_SKIP() << "no loopback address for this family";
    }
    echo_load l = load(16, 64 * 1024 * 1024);
    l.timeout = 30s;
    echo_load_result r;
    std::thread clients([&] { r = wskemu::example::run_echo_clients(l); });
    for (int i = 0; i < 2000 && stats().BytesEchoed < 4 * 1024 * 1024; ++i) {
        std::this_thread::sleep_for(5ms);
    }
    EXPECT_EQ(stop(), STATUS_SUCCESS);
    clients.join();
    EXPECT_EQ(r.corrupted, 0u) << r.first_problem;
    EXPECT_EQ(r.completed, 0u);
    EXPECT_FALSE(r.timed_out) << "every client learned that its connection is gone";
}

INSTANTIATE_TEST_SUITE_P(Families, EchoServer, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "ipv6" : "ipv4"; });

}  // namespace
