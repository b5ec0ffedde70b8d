// Fault plans (include/wskemu/fault_plan.hpp, docs/testing.md) against WSK
// connection sockets and a real loopback peer: injected call failures,
// synchronously and at completion; refused connections; allocation failures;
// the peer resetting or closing after N bytes; short receives; stalled
// sends; delayed completions; an unavailable provider.
#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/leak_report.hpp>
#include <wskemu/runtime.hpp>
#include <wskemu/status.hpp>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "conformance/support/connection_fixture.hpp"

namespace {

using namespace std::chrono_literals;
using namespace wskemu::test;
namespace net = wskemu::net;
namespace fault = wskemu::fault;
using wskemu::operation;

class fault_test : public connection_test {
protected:
    wskemu::runtime& rt() { return wskemu::runtime::instance(); }

    // Sends `bytes` through `s`, waiting through a pending return.
    NTSTATUS send_bytes(PWSK_SOCKET s, const std::vector<unsigned char>& bytes, ULONG_PTR* information = nullptr) {
        mdl_buffer data(bytes.size());
        std::copy(bytes.begin(), bytes.end(), data.bytes.begin());
        irp_call call;
        const NTSTATUS status = call.result(send(s, data.wsk_buf(), call));
        if (information != nullptr) {
            *information = call.information;
        }
        return status;
    }

    // One receive into `size` bytes; the bytes it brought.
    std::vector<unsigned char> receive_some(PWSK_SOCKET s, std::size_t size, NTSTATUS& status, ULONG flags = 0) {
        mdl_buffer into(size);
        irp_call call;
        status = call.result(receive(s, into.wsk_buf(), call, flags));
        into.bytes.resize(status >= 0 ? call.information : 0);
        return into.bytes;
    }
};

#define WSK_FAULT_SUITE(name)                                                                               \
    class name : public fault_test {};                                                                      \
    INSTANTIATE_TEST_SUITE_P(Families, name, ::testing::Values(address_family::ipv4, address_family::ipv6), \
                             family_name)

WSK_FAULT_SUITE(FailCall);
WSK_FAULT_SUITE(PeerFaults);
WSK_FAULT_SUITE(StallAndDelay);

// ---- failing calls ----------------------------------------------------------------

TEST_P(FailCall, TheNthSendFailsSynchronouslyAndMovesNothing) {
    PWSK_SOCKET s = connected_socket();
    rt().add_fault(fault::fail(operation::send).nth(2).with(STATUS_INSUFFICIENT_RESOURCES));
    EXPECT_EQ(send_bytes(s, pattern(10, 1)), STATUS_SUCCESS);
    mdl_buffer data(10);
    irp_call call;
    EXPECT_EQ(send(s, data.wsk_buf(), call), STATUS_INSUFFICIENT_RESOURCES);
    EXPECT_EQ(call.calls.load(), 1) << "completed inline";
    EXPECT_EQ(call.status, STATUS_INSUFFICIENT_RESOURCES);
    EXPECT_EQ(call.information, 0u);
    EXPECT_EQ(send_bytes(s, pattern(10, 3)), STATUS_SUCCESS);
    auto expected = pattern(10, 1);
    const auto third = pattern(10, 3);
    expected.insert(expected.end(), third.begin(), third.end());
    EXPECT_EQ(peer_->read(20), expected) << "the failed send moved nothing";
}

TEST_P(FailCall, AFailureAtCompletionReturnsPendingFirst) {
    PWSK_SOCKET s = connected_socket();
    rt().add_fault(fault::fail(operation::send).with(STATUS_NETWORK_BUSY).at_completion());
    mdl_buffer data(10);
    irp_call call;
    ASSERT_EQ(send(s, data.wsk_buf(), call), STATUS_PENDING);
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_NETWORK_BUSY);
    EXPECT_TRUE(call.pending_returned);
    EXPECT_EQ(call.irql, DISPATCH_LEVEL);
}

// The connection breaks where the failed send stands in the stream, not when
// its IRP completes: a send issued meanwhile must not reach the peer after
// the bytes that never went (deterministic mode keeps the failed IRP pending
// until the test thread drives it).
TEST_P(FailCall, ASendFailedAtCompletionBreaksTheConnectionAtTheCall) {
    PWSK_SOCKET s = connected_socket();
    rt().set_deterministic(true);
    rt().add_fault(fault::fail(operation::send).with(STATUS_CONNECTION_RESET).at_completion());
    mdl_buffer first(10);
    irp_call failed;
    ASSERT_EQ(send(s, first.wsk_buf(), failed), STATUS_PENDING);
    EXPECT_EQ(failed.calls.load(), 0);
    mdl_buffer second(10);
    std::fill(second.bytes.begin(), second.bytes.end(), 0x5a);
    irp_call after;
    EXPECT_EQ(after.result(send(s, second.wsk_buf(), after)), STATUS_FILE_FORCED_CLOSED);
    rt().run_until_idle(5s);
    EXPECT_EQ(failed.result(STATUS_PENDING), STATUS_CONNECTION_RESET);
    EXPECT_TRUE(peer_->read(10).empty()) << "nothing follows the bytes that never went";
    expect_reset_seen_by_peer(*peer_);
    rt().set_deterministic(false);
}

TEST_P(FailCall, AnInjectedResetBreaksTheConnectionAsARealOneWould) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer into(64);
    irp_call pending_receive;
    ASSERT_EQ(receive(s, into.wsk_buf(), pending_receive), STATUS_PENDING);
    rt().add_fault(fault::fail(operation::send).with(STATUS_CONNECTION_RESET));
    EXPECT_EQ(send_bytes(s, pattern(10)), STATUS_CONNECTION_RESET);
    EXPECT_EQ(pending_receive.result(STATUS_PENDING), STATUS_CONNECTION_RESET);
    peer_->read(1);
    expect_reset_seen_by_peer(*peer_);
    EXPECT_EQ(send_bytes(s, pattern(10)), STATUS_FILE_FORCED_CLOSED);
}

TEST_P(FailCall, OnlyTheChosenSocketsCallsCount) {
    PWSK_SOCKET first = connected_socket();
    loopback_peer other(GetParam());
    PWSK_SOCKET second = make_socket();
    ASSERT_EQ(bind(second, net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    ASSERT_EQ(connect(second, other.endpoint()), STATUS_SUCCESS);
    ASSERT_TRUE(other.accept());
    rt().add_fault(fault::fail(operation::send).every().with(STATUS_DEVICE_NOT_READY).on(second));
    EXPECT_EQ(send_bytes(first, pattern(4)), STATUS_SUCCESS);
    EXPECT_EQ(send_bytes(second, pattern(4)), STATUS_DEVICE_NOT_READY);
    EXPECT_EQ(send_bytes(first, pattern(4)), STATUS_SUCCESS);
    EXPECT_EQ(send_bytes(second, pattern(4)), STATUS_DEVICE_NOT_READY);
    EXPECT_EQ(peer_->read(8).size(), 8u);
}

TEST_P(FailCall, RefusedConnectionsFailAtCompletionWithoutReachingThePeer) {
    rt().add_fault(fault::refuse_connections());
    PWSK_SOCKET s = make_socket();
    ASSERT_EQ(bind(s, net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    EXPECT_EQ(connect(s, peer_->endpoint()), STATUS_CONNECTION_REFUSED);
    EXPECT_FALSE(peer_->accept(100ms));
}

TEST_P(FailCall, AFailedWskSocketCreatesNoSocket) {
    rt().add_fault(fault::fail(operation::socket).with(STATUS_INSUFFICIENT_RESOURCES));
    irp_call call;
    const NTSTATUS returned = provider_.Dispatch->WskSocket(provider_.Client, windows_family(GetParam()), SOCK_STREAM,
                                                            IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, nullptr,
                                                            &connection_events, nullptr, nullptr, nullptr, call.irp);
    EXPECT_EQ(returned, STATUS_INSUFFICIENT_RESOURCES);
    EXPECT_EQ(call.information, 0u);
    EXPECT_EQ(wskemu::wsk::find_registration(&block_)->open_sockets(), 0u);
    EXPECT_NE(make_socket(), nullptr) << "only the first call fails";
}

TEST_P(FailCall, AControlCallWithoutAnIrpReturnsTheStatus) {
    PWSK_SOCKET s = make_socket();
    rt().add_fault(fault::fail(operation::control_socket).with(STATUS_NOT_SUPPORTED));
    ULONG on = 1;
    EXPECT_EQ(dispatch(s)->Basic.WskControlSocket(s, WskSetOption, SO_KEEPALIVE, SOL_SOCKET, sizeof(on), &on, 0,
                                                  nullptr, nullptr, nullptr),
              STATUS_NOT_SUPPORTED);
}

// Every status the reference documents for each WSK call can be produced,
// synchronously and at completion.
TEST_P(FailCall, EveryDocumentedStatusOfEveryCallCanBeProducedOnDemand) {
    struct call_statuses {
        operation op;
        std::vector<NTSTATUS> statuses;
    };
    const std::vector<call_statuses> table = {
        {operation::socket, {STATUS_INSUFFICIENT_RESOURCES, STATUS_INVALID_PARAMETER, STATUS_ACCESS_DENIED}},
        {operation::bind, {STATUS_ADDRESS_ALREADY_EXISTS, STATUS_INVALID_ADDRESS, STATUS_FILE_FORCED_CLOSED}},
        {operation::connect,
         {STATUS_CONNECTION_REFUSED, STATUS_IO_TIMEOUT, STATUS_NETWORK_UNREACHABLE, STATUS_HOST_UNREACHABLE}},
        {operation::get_local_address, {STATUS_INVALID_DEVICE_STATE, STATUS_FILE_FORCED_CLOSED}},
        {operation::send, {STATUS_NOT_SUPPORTED, STATUS_FILE_FORCED_CLOSED, STATUS_CONNECTION_RESET}},
        {operation::receive, {STATUS_NOT_SUPPORTED, STATUS_CONNECTION_ABORTED, STATUS_FILE_FORCED_CLOSED}},
    };
    for (const call_statuses& entry : table) {
        for (const NTSTATUS status : entry.statuses) {
            for (const bool at_completion : {false, true}) {
                PWSK_SOCKET s = make_socket();
                auto rule = fault::fail(entry.op).with(status);
                rt().set_faults(wskemu::fault_plan{at_completion ? rule.at_completion() : rule});
                irp_call call;
                NTSTATUS returned = 0;
                SOCKADDR_STORAGE address = sockaddr_of(net::endpoint::loopback(GetParam(), 0));
                mdl_buffer data(8);
                WSK_BUF buffer = data.wsk_buf();
                switch (entry.op) {
                case operation::socket:
                    returned = provider_.Dispatch->WskSocket(provider_.Client, windows_family(GetParam()),
                                                             SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET,
                                                             nullptr, &connection_events, nullptr, nullptr, nullptr,
                                                             call.irp);
                    break;
                case operation::bind:
                    returned = dispatch(s)->WskBind(s, reinterpret_cast<PSOCKADDR>(&address), 0, call.irp);
                    break;
                case operation::connect:
                    returned = dispatch(s)->WskConnect(s, reinterpret_cast<PSOCKADDR>(&address), 0, call.irp);
                    break;
                case operation::get_local_address:
                    returned = dispatch(s)->WskGetLocalAddress(s, reinterpret_cast<PSOCKADDR>(&address), call.irp);
                    break;
                case operation::send: returned = dispatch(s)->WskSend(s, &buffer, 0, call.irp); break;
                case operation::receive: returned = dispatch(s)->WskReceive(s, &buffer, 0, call.irp); break;
                default: FAIL();
                }
                EXPECT_EQ(returned, at_completion ? STATUS_PENDING : status)
                    << wskemu::operation_name(entry.op) << " " << wskemu::describe_status(status);
                EXPECT_EQ(call.result(returned), status)
                    << wskemu::operation_name(entry.op) << " " << wskemu::describe_status(status);
                EXPECT_EQ(call.pending_returned, at_completion);
                rt().clear_faults();
                EXPECT_EQ(close(s), STATUS_SUCCESS);
            }
        }
    }
}

// ---- the peer ---------------------------------------------------------------------

TEST_P(PeerFaults, ResetAfterSentBytesGivesPartialProgressThenReset) {
    PWSK_SOCKET s = connected_socket();
    rt().add_fault(fault::peer_reset_after_sent(3000));
    const auto first = pattern(2000, 1);
    const auto second = pattern(2000, 2);
    EXPECT_EQ(send_bytes(s, first), STATUS_SUCCESS);
    ULONG_PTR moved = 0;
    EXPECT_EQ(send_bytes(s, second, &moved), STATUS_CONNECTION_RESET);
    EXPECT_EQ(moved, 1000u) << "the bytes up to the mark went";
    auto expected = first;
    expected.insert(expected.end(), second.begin(), second.begin() + 1000);
    EXPECT_EQ(peer_->read(4000), expected);
    expect_reset_seen_by_peer(*peer_);
    EXPECT_EQ(send_bytes(s, first), STATUS_FILE_FORCED_CLOSED);
    const auto stats = rt().stats(s);
    EXPECT_EQ(stats.bytes_sent, 3000u);
    EXPECT_EQ(stats.calls_of(operation::send, STATUS_CONNECTION_RESET), 1u);
}

TEST_P(PeerFaults, CloseAfterReceivedBytesLooksLikeTheFin) {
    PWSK_SOCKET s = connected_socket();
    rt().add_fault(fault::peer_close_after_received(100));
    const auto bytes = pattern(300, 4);
    ASSERT_TRUE(peer_->send(bytes.data(), bytes.size()));
    std::vector<unsigned char> got;
    NTSTATUS status = STATUS_SUCCESS;
    for (int i = 0; i < 10 && NT_SUCCESS(status); ++i) {
        const auto piece = receive_some(s, 64, status);
        if (piece.empty()) {
            break;
        }
        got.insert(got.end(), piece.begin(), piece.end());
    }
    EXPECT_EQ(status, STATUS_SUCCESS);
    EXPECT_EQ(got, std::vector<unsigned char>(bytes.begin(), bytes.begin() + 100));
    EXPECT_TRUE(receive_some(s, 64, status).empty()) << "after the FIN: 0 bytes, STATUS_SUCCESS";
    EXPECT_EQ(status, STATUS_SUCCESS);
}

TEST_P(PeerFaults, ResetAfterReceivedBytesDeliversThemThenFails) {
    PWSK_SOCKET s = connected_socket();
    rt().add_fault(fault::peer_reset_after_received(50));
    const auto bytes = pattern(200, 6);
    ASSERT_TRUE(peer_->send(bytes.data(), bytes.size()));
    NTSTATUS status = STATUS_SUCCESS;
    EXPECT_EQ(receive_some(s, 50, status, WSK_FLAG_WAITALL), std::vector<unsigned char>(bytes.begin(), bytes.begin() + 50));
    EXPECT_EQ(status, STATUS_SUCCESS);
    receive_some(s, 50, status);
    EXPECT_EQ(status, STATUS_CONNECTION_RESET);
    peer_->read(1);
    expect_reset_seen_by_peer(*peer_);
}

TEST_P(PeerFaults, ShortReceivesBringAtMostTheirSizeButWaitAllStillFills) {
    PWSK_SOCKET s = connected_socket();
    rt().add_fault(fault::short_receives(10));
    const auto bytes = pattern(100, 8);
    ASSERT_TRUE(peer_->send(bytes.data(), bytes.size()));
    NTSTATUS status = STATUS_SUCCESS;
    EXPECT_EQ(receive_some(s, 64, status), std::vector<unsigned char>(bytes.begin(), bytes.begin() + 10));
    EXPECT_EQ(receive_some(s, 64, status, WSK_FLAG_WAITALL),
              std::vector<unsigned char>(bytes.begin() + 10, bytes.begin() + 74));
}

// ---- stalls and delays ------------------------------------------------------------

TEST_P(StallAndDelay, StalledSendsPendUnsentUntilTheStallEndsThenGoInOrder) {
    PWSK_SOCKET s = connected_socket();
    rt().add_fault(fault::stall_sends());
    std::vector<std::unique_ptr<mdl_buffer>> data;
    std::vector<std::unique_ptr<irp_call>> calls;
    std::vector<unsigned char> expected;
    for (unsigned i = 0; i < 5; ++i) {
        const auto bytes = pattern(100, i + 1);
        expected.insert(expected.end(), bytes.begin(), bytes.end());
        data.push_back(std::make_unique<mdl_buffer>(bytes.size()));
        std::copy(bytes.begin(), bytes.end(), data.back()->bytes.begin());
        calls.push_back(std::make_unique<irp_call>());
        ASSERT_EQ(send(s, data.back()->wsk_buf(), *calls.back()), STATUS_PENDING);
    }
    EXPECT_TRUE(peer_->read(1, 100ms).empty());
    EXPECT_EQ(rt().held().size(), 5u);
    rt().end_stall();
    for (auto& call : calls) {
        EXPECT_EQ(call->result(STATUS_PENDING), STATUS_SUCCESS);
        EXPECT_EQ(call->information, 100u);
    }
    EXPECT_EQ(peer_->read(500), expected);
    EXPECT_EQ(send_bytes(s, pattern(10)), STATUS_SUCCESS) << "after the stall, sends go at once";
}

TEST_P(StallAndDelay, ATimedStallEndsByItself) {
    PWSK_SOCKET s = connected_socket();
    const auto start = std::chrono::steady_clock::now();
    rt().add_fault(fault::stall_sends(200ms));
    mdl_buffer data(10);
    irp_call call;
    ASSERT_EQ(send(s, data.wsk_buf(), call), STATUS_PENDING);
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 190ms);
    EXPECT_EQ(peer_->read(10).size(), 10u);
}

TEST_P(StallAndDelay, DelayedCompletionsArriveNoSoonerThanTheDelay) {
    PWSK_SOCKET s = connected_socket();
    rt().add_fault(fault::delay(operation::receive, 150ms));
    mdl_buffer into(16);
    irp_call call;
    ASSERT_EQ(receive(s, into.wsk_buf(), call), STATUS_PENDING);
    const auto sent_at = std::chrono::steady_clock::now();
    const auto bytes = pattern(16);
    ASSERT_TRUE(peer_->send(bytes.data(), bytes.size()));
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    EXPECT_GE(std::chrono::steady_clock::now() - sent_at, 140ms);
    EXPECT_EQ(into.bytes, bytes);
}

// ---- allocations and the provider ---------------------------------------------------

class AllocationFaults : public kernel_test {};

// One allocation site, never inlined, so every call allocates from the same
// return address.
#if defined(_MSC_VER)
__declspec(noinline)
#else
__attribute__((noinline))
#endif
PIRP allocate_at_one_site() {
    return IoAllocateIrp(1, FALSE);
}

TEST_F(AllocationFaults, TheNthAllocationOfAKindReturnsNull) {
    auto& rt = wskemu::runtime::instance();
    rt.add_fault(fault::fail_allocation(wskemu::allocation_kind::irp).nth(2));
    rt.add_fault(fault::fail_allocation(wskemu::allocation_kind::mdl).nth(1));
    rt.add_fault(fault::fail_allocation(wskemu::allocation_kind::pool).from(2));
    PIRP first = IoAllocateIrp(1, FALSE);
    PIRP second = IoAllocateIrp(1, FALSE);
    PIRP third = IoAllocateIrp(1, FALSE);
    EXPECT_NE(first, nullptr);
    EXPECT_EQ(second, nullptr);
    EXPECT_NE(third, nullptr);
    static char buffer[64];
    EXPECT_EQ(IoAllocateMdl(buffer, sizeof(buffer), FALSE, FALSE, nullptr), nullptr);
    PVOID pool = ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, 'tseT');
    EXPECT_NE(pool, nullptr);
    EXPECT_EQ(ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, 'tseT'), nullptr);
    EXPECT_EQ(ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, 'tseT'), nullptr);
    rt.clear_faults();
    ExFreePoolWithTag(pool, 'tseT');
    IoFreeIrp(first);
    IoFreeIrp(third);
}

TEST_F(AllocationFaults, ARuleAtASiteFailsOnlyAllocationsFromThere) {
    auto& rt = wskemu::runtime::instance();
    // The site is the return address into the caller: learn it from a first run.
    PIRP probe = allocate_at_one_site();
    ASSERT_NE(probe, nullptr);
    const auto live = wskemu::live_kernel_objects();
    const void* site = live.back().allocation_site;
    IoFreeIrp(probe);
    rt.add_fault(fault::fail_allocation(wskemu::allocation_kind::irp).every().at_site(site));
    EXPECT_EQ(allocate_at_one_site(), nullptr);
    PIRP elsewhere = IoAllocateIrp(1, FALSE);
    EXPECT_NE(elsewhere, nullptr);
    IoFreeIrp(elsewhere);
}

class ProviderFaults : public kernel_test {};

TEST_F(ProviderFaults, AnUnavailableProviderComesBackAfterTheTime) {
    WSK_REGISTRATION block{};
    WSK_CLIENT_NPI npi{nullptr, &client_dispatch};
    ASSERT_EQ(WskRegister(&npi, &block), STATUS_SUCCESS);
    wskemu::runtime::instance().add_fault(fault::provider_unavailable(300ms));
    WSK_PROVIDER_NPI provider{};
    EXPECT_EQ(WskCaptureProviderNPI(&block, WSK_NO_WAIT, &provider), STATUS_DEVICE_NOT_READY);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(WskCaptureProviderNPI(&block, 5000, &provider), STATUS_SUCCESS);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
    WskReleaseProviderNPI(&block);
    WskDeregister(&block);
}

// ---- the environment --------------------------------------------------------------

class FaultsFromTheEnvironment : public kernel_test {};

TEST_F(FaultsFromTheEnvironment, WskemuFaultsIsReadAtReset) {
#if defined(_WIN32)
    _putenv_s("WSKEMU_FAULTS", "fail send#2 STATUS_CONNECTION_RESET at_completion; short_receives 7");
#else
    setenv("WSKEMU_FAULTS", "fail send#2 STATUS_CONNECTION_RESET at_completion; short_receives 7", 1);
#endif
    auto& rt = wskemu::runtime::instance();
    rt.reset();
    const auto rules = rt.faults().rules();
#if defined(_WIN32)
    _putenv_s("WSKEMU_FAULTS", "");
#else
    unsetenv("WSKEMU_FAULTS");
#endif
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[0].kind, wskemu::fault_kind::fail_call);
    EXPECT_EQ(rules[0].op, operation::send);
    EXPECT_EQ(rules[0].first, 2u);
    EXPECT_EQ(rules[0].status, STATUS_CONNECTION_RESET);
    EXPECT_EQ(rules[0].timing, wskemu::fault_timing::at_completion);
    EXPECT_EQ(rules[1].kind, wskemu::fault_kind::short_receives);
    EXPECT_EQ(rules[1].bytes, 7u);
    rt.reset();
    EXPECT_TRUE(rt.faults().empty());
}

}  // namespace
