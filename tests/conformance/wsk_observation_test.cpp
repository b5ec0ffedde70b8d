// Observation (include/wskemu/observation.hpp): per-socket counters, the
// IRPs pending now with their age, and the record of completions in order.
#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/runtime.hpp>

#include <chrono>
#include <thread>
#include <vector>

#include "conformance/support/connection_fixture.hpp"

namespace {

using namespace std::chrono_literals;
using namespace wskemu::test;
namespace net = wskemu::net;
using wskemu::operation;

class Observation : public connection_test {
protected:
    wskemu::runtime& rt() { return wskemu::runtime::instance(); }
};

INSTANTIATE_TEST_SUITE_P(Families, Observation, ::testing::Values(address_family::ipv4, address_family::ipv6),
                         family_name);

TEST_P(Observation, PerSocketCountersCountBytesAndCallsByStatusAndOutliveTheSocket) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer data(100);
    for (int i = 0; i < 3; ++i) {
        irp_call call;
        ASSERT_EQ(call.result(send(s, data.wsk_buf(), call)), STATUS_SUCCESS);
    }
    irp_call bad;
    EXPECT_EQ(bad.result(send(s, data.wsk_buf(), bad, 0x100)), STATUS_NOT_SUPPORTED);
    ASSERT_EQ(peer_->read(300).size(), 300u);
    ASSERT_TRUE(peer_->send(data.bytes.data(), 40));
    irp_call received;
    ASSERT_EQ(received.result(receive(s, data.wsk_buf(), received, 0)), STATUS_SUCCESS);

    auto stats = rt().stats(s);
    EXPECT_TRUE(stats.open);
    EXPECT_EQ(stats.bytes_sent, 300u);
    EXPECT_EQ(stats.bytes_received, received.information);
    EXPECT_EQ(stats.calls_of(operation::send), 4u);
    EXPECT_EQ(stats.calls_of(operation::send, STATUS_SUCCESS), 3u);
    EXPECT_EQ(stats.calls_of(operation::send, STATUS_NOT_SUPPORTED), 1u);
    EXPECT_EQ(stats.calls_of(operation::bind), 1u);
    EXPECT_EQ(stats.calls_of(operation::connect, STATUS_SUCCESS), 1u);
    EXPECT_EQ(rt().calls(operation::socket), 1u) << "WskSocket is counted at the client level";

    ASSERT_EQ(close(s), STATUS_SUCCESS);
    stats = rt().stats(s);
    EXPECT_FALSE(stats.open);
    EXPECT_EQ(stats.bytes_sent, 300u);
    EXPECT_EQ(stats.calls_of(operation::close, STATUS_SUCCESS), 1u);
    ASSERT_EQ(rt().all_stats().size(), 1u);
    rt().reset();
    EXPECT_TRUE(rt().all_stats().empty()) << "reset drops closed sockets' counters";
}

TEST_P(Observation, PendingIrpsAreListedWithTheirOperationSocketAndAge) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer into(16);
    irp_call call;
    ASSERT_EQ(receive(s, into.wsk_buf(), call), STATUS_PENDING);
    std::this_thread::sleep_for(30ms);
    auto pending = rt().pending_irps();
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].irp, call.irp);
    EXPECT_EQ(pending[0].socket, s);
    EXPECT_EQ(pending[0].op, operation::receive);
    EXPECT_GE(pending[0].age, 25ms);
    EXPECT_FALSE(pending[0].held);
    const std::vector<unsigned char> reply(16, 0x5A);  // not `into`: the pending receive writes there
    ASSERT_TRUE(peer_->send(reply.data(), reply.size()));
    ASSERT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    EXPECT_TRUE(rt().pending_irps().empty());

    rt().set_policy(operation::send, wskemu::completion_policy::hold);
    irp_call held;
    ASSERT_EQ(send(s, into.wsk_buf(), held), STATUS_PENDING);
    pending = rt().pending_irps();
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_TRUE(pending[0].held);
    EXPECT_EQ(pending[0].op, operation::send);
    rt().release_all();
    EXPECT_EQ(held.result(STATUS_PENDING), STATUS_SUCCESS);
}

TEST_P(Observation, TheCompletionRecordKeepsTheOrderAndWhetherEachPended) {
    PWSK_SOCKET s = connected_socket();
    rt().record_completions(true);
    mdl_buffer data(8);
    irp_call first;
    ASSERT_EQ(send(s, data.wsk_buf(), first), STATUS_SUCCESS);
    irp_call second;
    ASSERT_EQ(receive(s, data.wsk_buf(), second), STATUS_PENDING);
    const std::vector<unsigned char> reply(8, 0x5A);  // not `data`: the pending receive writes there
    ASSERT_TRUE(peer_->send(reply.data(), reply.size()));
    ASSERT_EQ(second.result(STATUS_PENDING), STATUS_SUCCESS);
    const auto record = rt().completions();
    ASSERT_EQ(record.size(), 2u);
    EXPECT_EQ(record[0].sequence, 1u);
    EXPECT_EQ(record[0].irp, first.irp);
    EXPECT_EQ(record[0].op, operation::send);
    EXPECT_EQ(record[0].socket, s);
    EXPECT_EQ(record[0].status, STATUS_SUCCESS);
    EXPECT_EQ(record[0].information, 8u);
    EXPECT_FALSE(record[0].pending);
    EXPECT_EQ(record[1].op, operation::receive);
    EXPECT_TRUE(record[1].pending);
    rt().record_completions(false);
    ASSERT_EQ(peer_->read(8).size(), 8u);
}

}  // namespace
