// Completion policies (include/wskemu/policy.hpp, docs/testing.md) on WSK
// connection sockets against a real loopback peer: natural, always pending,
// inline wherever possible, seeded random and hold, globally, per operation
// and per socket.
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
using wskemu::completion_policy;
using wskemu::operation;

class policy_test : public connection_test {
protected:
    wskemu::runtime& rt() { return wskemu::runtime::instance(); }

    // 64 sends under the random policy from `seed`: what each call returned.
    std::vector<NTSTATUS> random_returns(PWSK_SOCKET s, std::uint64_t seed) {
        rt().set_policy(completion_policy::random);
        rt().set_seed(seed);
        std::vector<NTSTATUS> returns;
        mdl_buffer data(8);
        for (int i = 0; i < 64; ++i) {
            irp_call call;
            const NTSTATUS returned = send(s, data.wsk_buf(), call);
            returns.push_back(returned);
            EXPECT_EQ(call.result(returned), STATUS_SUCCESS);
        }
        return returns;
    }
};

#define WSK_POLICY_SUITE(name)                                                                              \
    class name : public policy_test {};                                                                     \
    INSTANTIATE_TEST_SUITE_P(Families, name, ::testing::Values(address_family::ipv4, address_family::ipv6), \
                             family_name)

WSK_POLICY_SUITE(AlwaysPendingPolicy);
WSK_POLICY_SUITE(InlinePolicy);
WSK_POLICY_SUITE(RandomPolicy);
WSK_POLICY_SUITE(HoldPolicy);
WSK_POLICY_SUITE(PolicyScope);

// ---- always pending ---------------------------------------------------------------

TEST_P(AlwaysPendingPolicy, SendTheHostTookAtOnceStillReturnsPendingAndCompletesLaterAtDispatch) {
    PWSK_SOCKET s = connected_socket();
    rt().set_policy(completion_policy::always_pending);
    const auto bytes = pattern(4096);
    mdl_buffer data(bytes.size());
    std::copy(bytes.begin(), bytes.end(), data.bytes.begin());
    irp_call call;
    ASSERT_EQ(send(s, data.wsk_buf(), call), STATUS_PENDING);
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    EXPECT_EQ(call.information, 4096u);
    EXPECT_TRUE(call.pending_returned);
    EXPECT_EQ(call.irql, DISPATCH_LEVEL);
    EXPECT_EQ(peer_->read(4096), bytes);
}

TEST_P(AlwaysPendingPolicy, ReceiveOfDataAlreadyThereReturnsPending) {
    PWSK_SOCKET s = connected_socket();
    const auto bytes = pattern(100, 3);
    ASSERT_TRUE(peer_->send(bytes.data(), bytes.size()));
    std::this_thread::sleep_for(20ms);  // the bytes are in our host buffer
    rt().set_policy(completion_policy::always_pending);
    mdl_buffer into(512);
    irp_call call;
    ASSERT_EQ(receive(s, into.wsk_buf(), call), STATUS_PENDING);
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    EXPECT_EQ(call.information, 100u);
    EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), into.bytes.begin()));
}

TEST_P(AlwaysPendingPolicy, ArgumentErrorsPendTooAndCompleteWithTheirStatus) {
    PWSK_SOCKET s = connected_socket();
    rt().set_policy(completion_policy::always_pending);
    mdl_buffer data(16);
    irp_call call;
    ASSERT_EQ(send(s, data.wsk_buf(), call, 0x100 /* not a send flag */), STATUS_PENDING);
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_NOT_SUPPORTED);
    EXPECT_TRUE(call.pending_returned);
}

TEST_P(AlwaysPendingPolicy, SocketBindAndCloseReturnPending) {
    rt().set_policy(completion_policy::always_pending);
    irp_call create;
    const NTSTATUS returned = provider_.Dispatch->WskSocket(provider_.Client, windows_family(GetParam()), SOCK_STREAM,
                                                            IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, nullptr,
                                                            &connection_events, nullptr, nullptr, nullptr, create.irp);
    ASSERT_EQ(returned, STATUS_PENDING);
    ASSERT_EQ(create.result(returned), STATUS_SUCCESS);
    auto s = reinterpret_cast<PWSK_SOCKET>(create.information);
    ASSERT_NE(s, nullptr);
    irp_call bound;
    SOCKADDR_STORAGE local = sockaddr_of(net::endpoint::loopback(GetParam(), 0));
    ASSERT_EQ(dispatch(s)->WskBind(s, reinterpret_cast<PSOCKADDR>(&local), 0, bound.irp), STATUS_PENDING);
    EXPECT_EQ(bound.result(STATUS_PENDING), STATUS_SUCCESS);
    irp_call closed;
    ASSERT_EQ(dispatch(s)->Basic.WskCloseSocket(s, closed.irp), STATUS_PENDING);
    EXPECT_EQ(closed.result(STATUS_PENDING), STATUS_SUCCESS);
}

// ---- inline wherever possible -----------------------------------------------------

TEST_P(InlinePolicy, ReceiveWaitsForDataThatArrivesWithinTheGraceAndCompletesInline) {
    PWSK_SOCKET s = connected_socket();
    rt().set_policy(completion_policy::inline_when_possible);
    rt().set_inline_grace(2000ms);
    const auto bytes = pattern(64, 5);
    std::thread late_peer([&] {
        std::this_thread::sleep_for(50ms);
        peer_->send(bytes.data(), bytes.size());
    });
    mdl_buffer into(64);
    irp_call call;
    const NTSTATUS returned = receive(s, into.wsk_buf(), call, WSK_FLAG_WAITALL);
    late_peer.join();
    EXPECT_EQ(returned, STATUS_SUCCESS);
    EXPECT_EQ(call.calls.load(), 1) << "completed before the call returned";
    EXPECT_FALSE(call.pending_returned);
    EXPECT_EQ(call.information, 64u);
    EXPECT_EQ(into.bytes, bytes);
}

TEST_P(InlinePolicy, AtDispatchLevelThereIsNoWaitAndTheReceivePends) {
    PWSK_SOCKET s = connected_socket();
    rt().set_policy(completion_policy::inline_when_possible);
    rt().set_inline_grace(2000ms);
    mdl_buffer into(64);
    irp_call call;
    const auto start = std::chrono::steady_clock::now();
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    const NTSTATUS returned = receive(s, into.wsk_buf(), call);
    KeLowerIrql(old);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms);
    ASSERT_EQ(returned, STATUS_PENDING);
    const auto bytes = pattern(8);
    ASSERT_TRUE(peer_->send(bytes.data(), bytes.size()));
    EXPECT_EQ(call.result(returned), STATUS_SUCCESS);
}

// A send issued from the completion routine of another: natural pends it
// (no nesting); inline completes it inside the routine.
struct chained_send {
    PWSK_SOCKET socket;
    mdl_buffer* data;
    irp_call* next;
    NTSTATUS nested_return = 0;
};

NTSTATUS NTAPI send_next_from_routine(PDEVICE_OBJECT, PIRP, PVOID context) {
    auto* chain = static_cast<chained_send*>(context);
    chain->next->arm();
    WSK_BUF buffer = chain->data->wsk_buf();
    chain->nested_return = static_cast<const WSK_PROVIDER_CONNECTION_DISPATCH*>(chain->socket->Dispatch)
                               ->WskSend(chain->socket, &buffer, 0, chain->next->irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

NTSTATUS nested_send_return(PWSK_SOCKET s, mdl_buffer& data) {
    irp_call second;
    chained_send chain{s, &data, &second};
    PIRP first = IoAllocateIrp(1, FALSE);
    IoSetCompletionRoutine(first, send_next_from_routine, &chain, TRUE, TRUE, TRUE);
    WSK_BUF buffer = data.wsk_buf();
    const NTSTATUS returned =
        static_cast<const WSK_PROVIDER_CONNECTION_DISPATCH*>(s->Dispatch)->WskSend(s, &buffer, 0, first);
    EXPECT_EQ(returned, STATUS_SUCCESS);
    EXPECT_EQ(second.result(chain.nested_return), STATUS_SUCCESS);
    IoFreeIrp(first);
    return chain.nested_return;
}

TEST_P(InlinePolicy, ASendFromACompletionRoutineCompletesInlineNested) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer data(32);
    EXPECT_EQ(nested_send_return(s, data), STATUS_PENDING) << "natural: no nesting";
    rt().set_policy(completion_policy::inline_when_possible);
    EXPECT_EQ(nested_send_return(s, data), STATUS_SUCCESS) << "inline: nested";
    EXPECT_EQ(peer_->read(4 * 32).size(), 4u * 32u);
}

// ---- seeded random ----------------------------------------------------------------

TEST_P(RandomPolicy, TheSameSeedGivesTheSameInlineAndPendingChoices) {
    PWSK_SOCKET s = connected_socket();
    const auto first = random_returns(s, 1234);
    const auto second = random_returns(s, 1234);
    EXPECT_EQ(first, second);
    EXPECT_NE(std::count(first.begin(), first.end(), STATUS_PENDING), 0);
    EXPECT_NE(std::count(first.begin(), first.end(), STATUS_SUCCESS), 0);
    EXPECT_NE(random_returns(s, 99), first) << "another seed, other choices";
    EXPECT_EQ(peer_->read(3 * 64 * 8).size(), 3u * 64u * 8u);
}

// ---- hold -------------------------------------------------------------------------

TEST_P(HoldPolicy, AHeldSendMovesNothingUntilReleased) {
    PWSK_SOCKET s = connected_socket();
    rt().set_policy(operation::send, completion_policy::hold);
    const auto bytes = pattern(1000, 7);
    mdl_buffer data(bytes.size());
    std::copy(bytes.begin(), bytes.end(), data.bytes.begin());
    irp_call call;
    ASSERT_EQ(send(s, data.wsk_buf(), call), STATUS_PENDING);
    EXPECT_TRUE(peer_->read(1, 100ms).empty()) << "nothing was sent";
    const auto held = rt().held();
    ASSERT_EQ(held.size(), 1u);
    EXPECT_EQ(held[0].op(), operation::send);
    EXPECT_EQ(held[0].irp(), call.irp);
    EXPECT_EQ(held[0].socket(), s);
    EXPECT_EQ(call.calls.load(), 0);
    ASSERT_TRUE(held[0].release());
    EXPECT_FALSE(held[0].release()) << "released once";
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    EXPECT_EQ(call.information, 1000u);
    EXPECT_TRUE(call.pending_returned);
    EXPECT_EQ(peer_->read(1000), bytes);
}

TEST_P(HoldPolicy, ASendCompletedWithAShortCountSendsExactlyThoseBytes) {
    PWSK_SOCKET s = connected_socket();
    rt().set_policy(s, operation::send, completion_policy::hold);
    const auto bytes = pattern(1000, 9);
    mdl_buffer data(bytes.size());
    std::copy(bytes.begin(), bytes.end(), data.bytes.begin());
    irp_call call;
    ASSERT_EQ(send(s, data.wsk_buf(), call), STATUS_PENDING);
    const auto held = rt().wait_for_held(1);
    ASSERT_EQ(held.size(), 1u);
    ASSERT_TRUE(held[0].complete(STATUS_SUCCESS, 300));
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    EXPECT_EQ(call.information, 300u);
    EXPECT_EQ(peer_->read(300), std::vector<unsigned char>(bytes.begin(), bytes.begin() + 300));
    EXPECT_TRUE(peer_->read(1, 100ms).empty()) << "not a byte more";
}

TEST_P(HoldPolicy, ASendCompletedWithAResetSendsItsBytesThenResetsTheConnection) {
    PWSK_SOCKET s = connected_socket();
    rt().set_policy(operation::send, completion_policy::hold);
    const auto bytes = pattern(1000, 11);
    mdl_buffer data(bytes.size());
    std::copy(bytes.begin(), bytes.end(), data.bytes.begin());
    irp_call call;
    ASSERT_EQ(send(s, data.wsk_buf(), call), STATUS_PENDING);
    ASSERT_TRUE(rt().wait_for_held(1).at(0).complete(STATUS_CONNECTION_RESET, 200));
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_CONNECTION_RESET);
    EXPECT_EQ(call.information, 200u);
    EXPECT_EQ(peer_->read(1000), std::vector<unsigned char>(bytes.begin(), bytes.begin() + 200));
    expect_reset_seen_by_peer(*peer_);
    rt().set_policy(operation::send, completion_policy::natural);
    irp_call after;
    EXPECT_EQ(after.result(send(s, data.wsk_buf(), after)), STATUS_FILE_FORCED_CLOSED);
}

TEST_P(HoldPolicy, AHeldCallCancelledByTheTestCompletesWithCancelled) {
    PWSK_SOCKET s = connected_socket();
    rt().set_policy(operation::receive, completion_policy::hold);
    mdl_buffer into(64);
    irp_call call;
    ASSERT_EQ(receive(s, into.wsk_buf(), call), STATUS_PENDING);
    ASSERT_TRUE(rt().wait_for_held(1).at(0).cancel());
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_CANCELLED);
    EXPECT_TRUE(call.irp->Cancel);
    EXPECT_TRUE(rt().held().empty());
}

TEST_P(HoldPolicy, IoCancelIrpOnAHeldCallCancelsIt) {
    PWSK_SOCKET s = connected_socket();
    rt().set_policy(operation::receive, completion_policy::hold);
    mdl_buffer into(64);
    irp_call call;
    ASSERT_EQ(receive(s, into.wsk_buf(), call), STATUS_PENDING);
    EXPECT_TRUE(IoCancelIrp(call.irp));
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_CANCELLED);
    EXPECT_TRUE(rt().held().empty());
    // The socket still works: the held receive never started.
    rt().set_policy(operation::receive, completion_policy::natural);
    const auto bytes = pattern(10);
    ASSERT_TRUE(peer_->send(bytes.data(), bytes.size()));
    irp_call next;
    EXPECT_EQ(next.result(receive(s, into.wsk_buf(), next, 0)), STATUS_SUCCESS);
    EXPECT_EQ(next.information, 10u);
}

TEST_P(HoldPolicy, CloseCancelsTheSocketsHeldCallsBeforeItCompletes) {
    PWSK_SOCKET s = connected_socket();
    rt().set_policy(operation::receive, completion_policy::hold);
    mdl_buffer into(64);
    irp_call held;
    ASSERT_EQ(receive(s, into.wsk_buf(), held), STATUS_PENDING);
    open_.clear();
    irp_call closed;
    const NTSTATUS returned = dispatch(s)->Basic.WskCloseSocket(s, closed.irp);
    EXPECT_EQ(closed.result(returned), STATUS_SUCCESS);
    EXPECT_EQ(held.result(STATUS_PENDING), STATUS_CANCELLED);
    EXPECT_LT(held.sequence, closed.sequence) << "the held receive completed before the close";
}

TEST_P(HoldPolicy, AConnectCompletedWithRefusedLeavesOnlyClose) {
    PWSK_SOCKET s = make_socket();
    ASSERT_EQ(bind(s, net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    rt().set_policy(operation::connect, completion_policy::hold);
    irp_call call;
    SOCKADDR_STORAGE remote = sockaddr_of(peer_->endpoint());
    ASSERT_EQ(dispatch(s)->WskConnect(s, reinterpret_cast<PSOCKADDR>(&remote), 0, call.irp), STATUS_PENDING);
    ASSERT_TRUE(rt().wait_for_held(1).at(0).complete(STATUS_CONNECTION_REFUSED));
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_CONNECTION_REFUSED);
    EXPECT_FALSE(peer_->accept(100ms)) << "no connection was attempted";
    rt().set_policy(operation::connect, completion_policy::natural);
    irp_call again;
    EXPECT_EQ(again.result(dispatch(s)->WskConnect(s, reinterpret_cast<PSOCKADDR>(&remote), 0, again.irp)),
              STATUS_INVALID_DEVICE_STATE);
}

TEST_P(HoldPolicy, WaitForHeldSeesACallMadeOnAnotherThread) {
    PWSK_SOCKET s = connected_socket();
    rt().set_policy(operation::send, completion_policy::hold);
    mdl_buffer data(10);
    irp_call call;
    std::thread driver([&] { EXPECT_EQ(send(s, data.wsk_buf(), call), STATUS_PENDING); });
    const auto held = rt().wait_for_held(1, 5000ms);
    driver.join();
    ASSERT_EQ(held.size(), 1u);
    EXPECT_EQ(rt().release_all(), 1u);
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    EXPECT_EQ(peer_->read(10).size(), 10u);
}

// ---- scope ------------------------------------------------------------------------

TEST_P(PolicyScope, APolicyForOneOperationLeavesTheOthersNatural) {
    PWSK_SOCKET s = connected_socket();
    rt().set_policy(operation::receive, completion_policy::always_pending);
    mdl_buffer data(10);
    irp_call sent;
    EXPECT_EQ(send(s, data.wsk_buf(), sent), STATUS_SUCCESS);
    ASSERT_EQ(peer_->read(10).size(), 10u);
    ASSERT_TRUE(peer_->send(data.bytes.data(), 10));
    std::this_thread::sleep_for(20ms);
    irp_call received;
    EXPECT_EQ(received.result(receive(s, data.wsk_buf(), received)), STATUS_SUCCESS);
    EXPECT_TRUE(received.pending_returned);
}

TEST_P(PolicyScope, APolicyForOneSocketLeavesOtherSocketsNatural) {
    PWSK_SOCKET first = connected_socket();
    loopback_peer other_peer(GetParam());
    ASSERT_TRUE(other_peer.ok());
    PWSK_SOCKET second = make_socket();
    ASSERT_EQ(bind(second, net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    ASSERT_EQ(connect(second, other_peer.endpoint()), STATUS_SUCCESS);
    ASSERT_TRUE(other_peer.accept());
    rt().set_policy(first, completion_policy::always_pending);
    EXPECT_EQ(rt().policy(operation::send, first), completion_policy::always_pending);
    EXPECT_EQ(rt().policy(operation::send, second), completion_policy::natural);
    mdl_buffer data(10);
    irp_call a;
    irp_call b;
    EXPECT_EQ(send(first, data.wsk_buf(), a), STATUS_PENDING);
    EXPECT_EQ(send(second, data.wsk_buf(), b), STATUS_SUCCESS);
    EXPECT_EQ(a.result(STATUS_PENDING), STATUS_SUCCESS);
    // The most specific setting wins: socket and operation over socket.
    rt().set_policy(first, operation::send, completion_policy::natural);
    irp_call c;
    EXPECT_EQ(send(first, data.wsk_buf(), c), STATUS_SUCCESS);
    EXPECT_EQ(peer_->read(20).size(), 20u);
    EXPECT_EQ(other_peer.read(10).size(), 10u);
}

TEST_P(PolicyScope, ASocketsSettingsGoWithItsClose) {
    PWSK_SOCKET s = connected_socket();
    rt().set_policy(s, completion_policy::always_pending);
    EXPECT_EQ(rt().policy(operation::send, s), completion_policy::always_pending);
    EXPECT_EQ(close(s), STATUS_SUCCESS);
    EXPECT_EQ(rt().policy(operation::send, s), completion_policy::natural) << "its address may be reused";
}

}  // namespace
