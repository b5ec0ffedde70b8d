// The deterministic mode (include/wskemu/runtime.hpp, docs/testing.md): no
// runtime threads; the test thread runs every completion, host operation
// and work item, while it polls or waits in KeWaitForSingleObject; ready
// completions run in an order the seed chooses, the same on every run.
#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/loopback_server.hpp>
#include <wskemu/runtime.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "conformance/support/connection_fixture.hpp"
#include "drivers/wsk_echo_client_driver.h"
#include "net/io_engine.hpp"

namespace {

using namespace std::chrono_literals;
using namespace wskemu::test;
namespace net = wskemu::net;
using wskemu::completion_policy;
using wskemu::operation;

class deterministic_test : public connection_test {
protected:
    void SetUp() override {
        connection_test::SetUp();
        rt().set_deterministic(true);
    }
    wskemu::runtime& rt() { return wskemu::runtime::instance(); }
};

#define WSK_DETERMINISTIC_SUITE(name)                                                                       \
    class name : public deterministic_test {};                                                              \
    INSTANTIATE_TEST_SUITE_P(Families, name, ::testing::Values(address_family::ipv4, address_family::ipv6), \
                             family_name)

WSK_DETERMINISTIC_SUITE(DeterministicMode);
WSK_DETERMINISTIC_SUITE(SeededOrder);

TEST_P(DeterministicMode, NoRuntimeThreadRunsAndCompletionsRunOnTheTestThread) {
    EXPECT_EQ(net::io_engine::instance().thread_count(), 0u);
    PWSK_SOCKET s = make_socket();
    ASSERT_EQ(bind(s, net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    irp_call call;
    SOCKADDR_STORAGE remote = sockaddr_of(peer_->endpoint());
    ASSERT_EQ(dispatch(s)->WskConnect(s, reinterpret_cast<PSOCKADDR>(&remote), 0, call.irp), STATUS_PENDING);
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(call.calls.load(), 0) << "nothing runs until the test thread drives";
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS) << "KeWaitForSingleObject drove it";
    EXPECT_EQ(call.thread, std::this_thread::get_id());
    EXPECT_EQ(call.irql, DISPATCH_LEVEL);
    EXPECT_TRUE(peer_->accept());
}

TEST_P(DeterministicMode, ASynchronousDriverRunsSingleThreaded) {
    wskemu::loopback_server echo(wskemu::server_behaviour::echo, GetParam() == address_family::ipv6);
    ASSERT_TRUE(echo.listening());
    SOCKADDR_STORAGE remote = sockaddr_of(net::endpoint::loopback(GetParam(), echo.port()));
    std::vector<UCHAR> message(3000);
    for (std::size_t i = 0; i < message.size(); ++i) {
        message[i] = static_cast<UCHAR>(i * 13 + 1);
    }
    std::vector<UCHAR> reply(message.size() * 4);
    WSK_ECHO_CLIENT_RESULT result{};
    EXPECT_EQ(WskEchoClientRun(reinterpret_cast<SOCKADDR*>(&remote), message.data(),
                               static_cast<ULONG>(message.size()), 4, 3, reply.data(), &result),
              STATUS_SUCCESS);
    for (std::size_t round = 0; round < 4; ++round) {
        EXPECT_TRUE(std::equal(message.begin(), message.end(), reply.begin() + round * message.size()));
    }
    EXPECT_EQ(net::io_engine::instance().thread_count(), 0u);
}

TEST_P(DeterministicMode, RunUntilReturnsFalseOnTimeoutAndPollRunsNothingWhenIdle) {
    EXPECT_EQ(rt().poll(), 0u);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(rt().run_until([] { return false; }, 100ms));
    EXPECT_GE(std::chrono::steady_clock::now() - start, 90ms);
}

TEST_P(DeterministicMode, DelayedCompletionsRunWhenRunUntilIdleWaitsForThem) {
    PWSK_SOCKET s = connected_socket();
    rt().add_fault(wskemu::fault::delay(operation::send, 100ms));
    rt().set_policy(completion_policy::always_pending);
    mdl_buffer data(10);
    irp_call call;
    ASSERT_EQ(send(s, data.wsk_buf(), call), STATUS_PENDING);
    const auto start = std::chrono::steady_clock::now();
    rt().run_until_idle(5s);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 90ms);
}

TEST_P(DeterministicMode, LeavingItRunsWhatWasQueuedOnRuntimeThreads) {
    PWSK_SOCKET s = connected_socket();
    rt().set_policy(completion_policy::always_pending);
    mdl_buffer data(10);
    irp_call call;
    ASSERT_EQ(send(s, data.wsk_buf(), call), STATUS_PENDING);
    EXPECT_EQ(call.calls.load(), 0);
    rt().set_deterministic(false);
    EXPECT_GT(net::io_engine::instance().thread_count(), 0u);
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    EXPECT_NE(call.thread, std::this_thread::get_id());
}

// The order in which the completions of `sockets` ready receives and sends run.
std::vector<int> completion_order(deterministic_test& test, const std::vector<PWSK_SOCKET>& sockets,
                                  std::vector<std::unique_ptr<loopback_peer>>& peers, std::uint64_t seed) {
    auto& rt = wskemu::runtime::instance();
    rt.set_seed(seed);
    rt.set_policy(completion_policy::always_pending);
    // Every receive's byte is in the host buffer already: each call's result
    // is known at once, and its completion waits in the scheduler.
    for (auto& peer : peers) {
        const unsigned char byte = 1;
        EXPECT_TRUE(peer->send(&byte, 1));
    }
    std::vector<std::unique_ptr<mdl_buffer>> buffers;
    std::vector<std::unique_ptr<irp_call>> calls;
    for (PWSK_SOCKET s : sockets) {
        for (int kind = 0; kind < 2; ++kind) {
            buffers.push_back(std::make_unique<mdl_buffer>(1));
            calls.push_back(std::make_unique<irp_call>());
            calls.back()->arm();
            WSK_BUF buffer = buffers.back()->wsk_buf();
            const auto* table = static_cast<const WSK_PROVIDER_CONNECTION_DISPATCH*>(s->Dispatch);
            const NTSTATUS returned = kind == 0 ? table->WskReceive(s, &buffer, 0, calls.back()->irp)
                                                : table->WskSend(s, &buffer, 0, calls.back()->irp);
            EXPECT_EQ(returned, STATUS_PENDING);
        }
    }
    rt.run_until_idle(5s);
    std::vector<std::pair<int, int>> by_sequence;
    for (std::size_t i = 0; i < calls.size(); ++i) {
        EXPECT_EQ(calls[i]->calls.load(), 1);
        EXPECT_EQ(calls[i]->status, STATUS_SUCCESS);
        by_sequence.emplace_back(calls[i]->sequence, static_cast<int>(i));
    }
    std::sort(by_sequence.begin(), by_sequence.end());
    std::vector<int> order;
    for (const auto& [sequence, index] : by_sequence) {
        order.push_back(index);
    }
    for (auto& peer : peers) {
        EXPECT_EQ(peer->read(1).size(), 1u);
    }
    (void)test;
    return order;
}

TEST_P(SeededOrder, TheSameSeedGivesTheSameCompletionOrderOnEveryRun) {
    std::vector<PWSK_SOCKET> sockets;
    std::vector<std::unique_ptr<loopback_peer>> peers;
    for (int i = 0; i < 5; ++i) {
        peers.push_back(std::make_unique<loopback_peer>(GetParam()));
        PWSK_SOCKET s = make_socket();
        ASSERT_EQ(bind(s, net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
        ASSERT_EQ(connect(s, peers.back()->endpoint()), STATUS_SUCCESS);
        ASSERT_TRUE(peers.back()->accept());
        sockets.push_back(s);
    }
    const auto first = completion_order(*this, sockets, peers, 20261127);
    ASSERT_EQ(first.size(), 10u);
    for (int run = 1; run < 100; ++run) {
        ASSERT_EQ(completion_order(*this, sockets, peers, 20261127), first) << "run " << run;
    }
    std::set<std::vector<int>> others;
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
        others.insert(completion_order(*this, sockets, peers, seed));
    }
    others.insert(first);
    EXPECT_GE(others.size(), 3u) << "other seeds choose other orders";
    EXPECT_NE(first, std::vector<int>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9})) << "not simply submission order";
}

TEST_P(SeededOrder, OneSocketsReceivesCompleteInTheOrderTheyWereMade) {
    PWSK_SOCKET s = connected_socket();
    rt().set_seed(7);
    rt().set_policy(completion_policy::always_pending);
    const auto bytes = pattern(8);
    ASSERT_TRUE(peer_->send(bytes.data(), bytes.size()));
    std::vector<std::unique_ptr<mdl_buffer>> buffers;
    std::vector<std::unique_ptr<irp_call>> calls;
    for (int i = 0; i < 8; ++i) {
        buffers.push_back(std::make_unique<mdl_buffer>(1));
        calls.push_back(std::make_unique<irp_call>());
        ASSERT_EQ(receive(s, buffers.back()->wsk_buf(), *calls.back()), STATUS_PENDING);
    }
    rt().run_until_idle(5s);
    for (int i = 0; i < 8; ++i) {
        EXPECT_EQ(buffers[i]->bytes[0], bytes[i]);
        if (i > 0) {
            EXPECT_LT(calls[i - 1]->sequence, calls[i]->sequence);
        }
    }
}

}  // namespace
