// Conformance tests of WSK connection sockets (src/wsk/wsk_socket.cpp,
// wsk_connection.cpp, wsk_irp.cpp) against a real loopback peer, IPv4 and
// IPv6: WskSocket, WskBind, WskConnect, WskGetLocalAddress,
// WskGetRemoteAddress, WskSend, WskReceive, WskCloseSocket, IoCancelIrp on
// pending IRPs (reference §6 IRP rules, §8; issue 3 "WskSend, exactly").
#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/bug_check.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "conformance/support/connection_fixture.hpp"
#include "conformance/support/loopback_peer.hpp"
#include "net/host.hpp"
#include "support/kernel_fixture.hpp"
#include "support/wsk_test_support.hpp"
#include "wsk/wsk_address.hpp"
#include "wsk/wsk_socket.hpp"

namespace {

using namespace std::chrono_literals;
using wskemu::net::address_family;
using wskemu::test::loopback_peer;
using namespace wskemu::test;

#define WSK_CONNECTION_SUITE(name)                                                                          \
    class name : public connection_test {};                                                                 \
    INSTANTIATE_TEST_SUITE_P(Families, name, ::testing::Values(address_family::ipv4, address_family::ipv6), \
                             family_name)

WSK_CONNECTION_SUITE(WskSocket);
WSK_CONNECTION_SUITE(WskBind);
WSK_CONNECTION_SUITE(WskConnect);
WSK_CONNECTION_SUITE(WskGetLocalAddress);
WSK_CONNECTION_SUITE(WskGetRemoteAddress);
WSK_CONNECTION_SUITE(WskSend);
WSK_CONNECTION_SUITE(WskReceive);
WSK_CONNECTION_SUITE(WskCloseSocket);
WSK_CONNECTION_SUITE(WskControlSocket);
WSK_CONNECTION_SUITE(WskDisconnect);
WSK_CONNECTION_SUITE(WskSocketConnect);
WSK_CONNECTION_SUITE(WskConnectEx);

// ---- WskSocket -------------------------------------------------------------------

TEST_P(WskSocket, InformationIsTheSocketWithTheConnectionDispatch) {
    irp_call call;
    const NTSTATUS returned = provider_.Dispatch->WskSocket(
        provider_.Client, windows_family(GetParam()), SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, nullptr,
        &connection_events, nullptr, nullptr, nullptr, call.irp);
    EXPECT_EQ(returned, STATUS_SUCCESS);
    EXPECT_EQ(call.calls.load(), 1) << "inline completion: the routine ran before the return";
    EXPECT_EQ(call.status, STATUS_SUCCESS);
    auto s = reinterpret_cast<PWSK_SOCKET>(call.information);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->Dispatch, &wskemu::wsk::connection_dispatch());
    EXPECT_EQ(wskemu::wsk::find_registration(&block_)->open_sockets(), 1u);
    EXPECT_EQ(close(s), STATUS_SUCCESS);
    EXPECT_EQ(wskemu::wsk::find_registration(&block_)->open_sockets(), 0u);
}

TEST_P(WskSocket, WrongTypeProtocolOrFamilyFailsWithInvalidParameterAndCompletesTheIrp) {
    struct bad {
        ADDRESS_FAMILY family;
        USHORT type;
        ULONG protocol;
    };
    const ADDRESS_FAMILY family = windows_family(GetParam());
    for (const bad& b : {bad{family, SOCK_DGRAM, IPPROTO_TCP}, bad{family, SOCK_STREAM, IPPROTO_UDP},
                         bad{10 /* Linux AF_INET6 */, SOCK_STREAM, IPPROTO_TCP},
                         bad{AF_UNSPEC, SOCK_STREAM, IPPROTO_TCP}}) {
        irp_call call;
        EXPECT_EQ(provider_.Dispatch->WskSocket(provider_.Client, b.family, b.type, b.protocol,
                                                WSK_FLAG_CONNECTION_SOCKET, nullptr, &connection_events, nullptr,
                                                nullptr, nullptr, call.irp),
                  STATUS_INVALID_PARAMETER);
        EXPECT_EQ(call.calls.load(), 1);
        EXPECT_EQ(call.status, STATUS_INVALID_PARAMETER);
        EXPECT_EQ(call.information, 0u);
    }
    EXPECT_EQ(wskemu::wsk::find_registration(&block_)->open_sockets(), 0u);
}

TEST_P(WskSocket, NullIrpFailsWithInvalidParameterAndCreatesNothing) {
    EXPECT_EQ(provider_.Dispatch->WskSocket(provider_.Client, windows_family(GetParam()), SOCK_STREAM, IPPROTO_TCP,
                                            WSK_FLAG_CONNECTION_SOCKET, nullptr, &connection_events, nullptr, nullptr,
                                            nullptr, nullptr),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(wskemu::wsk::find_registration(&block_)->open_sockets(), 0u);
}

TEST_P(WskSocket, IrpWithoutAFreeStackLocationIsRefusedAndNotCompleted) {
    irp_call call;
    IoSetNextIrpStackLocation(call.irp);
    EXPECT_EQ(provider_.Dispatch->WskSocket(provider_.Client, windows_family(GetParam()), SOCK_STREAM, IPPROTO_TCP,
                                            WSK_FLAG_CONNECTION_SOCKET, nullptr, &connection_events, nullptr, nullptr,
                                            nullptr, call.irp),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 0);
    EXPECT_EQ(call.irp->IoStatus.Status, poison_status);
    EXPECT_EQ(wskemu::wsk::find_registration(&block_)->open_sockets(), 0u);
    const auto reports = expect_verifier_reports({"irp.no_stack_location"});
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].function, "WskSocket");
    EXPECT_EQ(reports[0].object, call.irp);
}

// ---- WskBind / addresses ----------------------------------------------------------------

TEST_P(WskBind, WildcardPortZeroBindsAndLocalAddressHasThePort) {
    PWSK_SOCKET s = make_socket();
    EXPECT_EQ(bind(s, wskemu::net::endpoint::any(GetParam(), 0)), STATUS_SUCCESS);
    irp_call call;
    SOCKADDR_STORAGE local;
    std::memset(&local, 0xCC, sizeof(local));
    EXPECT_EQ(call.result(dispatch(s)->WskGetLocalAddress(s, reinterpret_cast<PSOCKADDR>(&local), call.irp)),
              STATUS_SUCCESS);
    wskemu::net::endpoint ep;
    ASSERT_EQ(wskemu::wsk::from_sockaddr(reinterpret_cast<PSOCKADDR>(&local), ep), STATUS_SUCCESS);
    EXPECT_EQ(local.ss_family, windows_family(GetParam()));
    EXPECT_NE(ep.port, 0);
    EXPECT_EQ(ep.address, wskemu::net::endpoint::any(GetParam()).address);
}

TEST_P(WskBind, SecondBindFailsWithInvalidDeviceState) {
    PWSK_SOCKET s = make_socket();
    EXPECT_EQ(bind(s, wskemu::net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    EXPECT_EQ(bind(s, wskemu::net::endpoint::loopback(GetParam(), 0)), STATUS_INVALID_DEVICE_STATE);
}

TEST_P(WskBind, OtherFamilyOrNullAddressFailsWithInvalidParameter) {
    PWSK_SOCKET s = make_socket();
    const address_family other = GetParam() == address_family::ipv4 ? address_family::ipv6 : address_family::ipv4;
    EXPECT_EQ(bind(s, wskemu::net::endpoint::loopback(other, 0)), STATUS_INVALID_PARAMETER);
    irp_call call;
    EXPECT_EQ(call.result(dispatch(s)->WskBind(s, nullptr, 0, call.irp)), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(bind(s, wskemu::net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS)
        << "still unbound after failures";
}

TEST_P(WskBind, AddressInUseFailsWithAddressAlreadyExists) {
    PWSK_SOCKET s = make_socket();
    EXPECT_EQ(bind(s, peer_->endpoint()), STATUS_ADDRESS_ALREADY_EXISTS);
}

TEST_P(WskGetLocalAddress, NotBoundFailsWithInvalidDeviceState) {
    PWSK_SOCKET s = make_socket();
    irp_call call;
    SOCKADDR_STORAGE local{};
    EXPECT_EQ(call.result(dispatch(s)->WskGetLocalAddress(s, reinterpret_cast<PSOCKADDR>(&local), call.irp)),
              STATUS_INVALID_DEVICE_STATE);
}

TEST_P(WskGetRemoteAddress, NotConnectedFailsWithInvalidDeviceState) {
    PWSK_SOCKET s = make_socket();
    EXPECT_EQ(bind(s, wskemu::net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    irp_call call;
    SOCKADDR_STORAGE remote{};
    EXPECT_EQ(call.result(dispatch(s)->WskGetRemoteAddress(s, reinterpret_cast<PSOCKADDR>(&remote), call.irp)),
              STATUS_INVALID_DEVICE_STATE);
}

TEST_P(WskGetRemoteAddress, ConnectedReportsThePeer) {
    PWSK_SOCKET s = connected_socket();
    irp_call call;
    SOCKADDR_STORAGE remote;
    std::memset(&remote, 0xCC, sizeof(remote));
    EXPECT_EQ(call.result(dispatch(s)->WskGetRemoteAddress(s, reinterpret_cast<PSOCKADDR>(&remote), call.irp)),
              STATUS_SUCCESS);
    wskemu::net::endpoint ep;
    ASSERT_EQ(wskemu::wsk::from_sockaddr(reinterpret_cast<PSOCKADDR>(&remote), ep), STATUS_SUCCESS);
    EXPECT_EQ(ep.port, peer_->endpoint().port);
    EXPECT_EQ(ep.address, peer_->endpoint().address);
}

// ---- WskConnect --------------------------------------------------------------------

TEST_P(WskConnect, PendsThenCompletesAtDispatchLevelOnAnEngineThread) {
    PWSK_SOCKET s = make_socket();
    ASSERT_EQ(bind(s, wskemu::net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    irp_call call;
    SOCKADDR_STORAGE address = sockaddr_of(peer_->endpoint());
    EXPECT_EQ(dispatch(s)->WskConnect(s, reinterpret_cast<PSOCKADDR>(&address), 0, call.irp), STATUS_PENDING);
    ASSERT_TRUE(call.wait());
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.status, STATUS_SUCCESS);
    EXPECT_TRUE(call.pending_returned);
    EXPECT_EQ(call.irql, DISPATCH_LEVEL);
    EXPECT_NE(call.thread, std::this_thread::get_id());
    EXPECT_TRUE(peer_->accept());
}

TEST_P(WskConnect, WithoutBindFailsWithInvalidDeviceStateAndCompletesTheIrp) {
    PWSK_SOCKET s = make_socket();
    irp_call call;
    SOCKADDR_STORAGE address = sockaddr_of(peer_->endpoint());
    EXPECT_EQ(dispatch(s)->WskConnect(s, reinterpret_cast<PSOCKADDR>(&address), 0, call.irp),
              STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.status, STATUS_INVALID_DEVICE_STATE);
    EXPECT_FALSE(peer_->accept(100ms)) << "nothing may have connected";
}

TEST_P(WskConnect, RefusedPortCompletesWithConnectionRefused) {
    PWSK_SOCKET s = make_socket();
    ASSERT_EQ(bind(s, wskemu::net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    EXPECT_EQ(connect(s, wskemu::test::refusing_endpoint(GetParam())), STATUS_CONNECTION_REFUSED);
    // decision: a failed connect leaves the socket only good for closing
    irp_call call;
    SOCKADDR_STORAGE address = sockaddr_of(peer_->endpoint());
    EXPECT_EQ(dispatch(s)->WskConnect(s, reinterpret_cast<PSOCKADDR>(&address), 0, call.irp),
              STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(call.calls.load(), 1);
}

// A listener whose accept queue is full: further SYNs are dropped, so a
// connect to it stays pending.
struct full_listener {
    wskemu::net::tcp_listener listener;
    std::vector<wskemu::net::tcp_socket> fillers;
    wskemu::net::endpoint endpoint{};

    explicit full_listener(address_family family) {
        listener.open(family);
        listener.bind(wskemu::net::endpoint::loopback(family, 0));
        listener.listen(0);
        listener.local_endpoint(endpoint);
        for (int i = 0; i < 4; ++i) {
            fillers.emplace_back();
            fillers.back().open(family);
            auto done = std::make_shared<wskemu::test::net_result>();
            fillers.back().async_connect(endpoint, [done](wskemu::net::error e) { done->set(e); });
            if (!done->wait(200ms)) {
                break;  // this one hangs: the queue is full
            }
        }
    }
};

TEST_P(WskConnect, IoCancelIrpOnAPendingConnectCompletesItOnceWithCancelled) {
    full_listener full(GetParam());
    PWSK_SOCKET s = make_socket();
    ASSERT_EQ(bind(s, wskemu::net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    irp_call call;
    SOCKADDR_STORAGE address = sockaddr_of(full.endpoint);
    ASSERT_EQ(dispatch(s)->WskConnect(s, reinterpret_cast<PSOCKADDR>(&address), 0, call.irp), STATUS_PENDING);
    if (call.wait(200ms)) {
        GTEST_SKIP() << "the host completed the connect to a full listener: " << std::hex << call.status;
    }
    EXPECT_TRUE(IoCancelIrp(call.irp));
    ASSERT_TRUE(call.wait());
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.status, STATUS_CANCELLED);
    EXPECT_TRUE(call.pending_returned);
}

TEST_P(WskCloseSocket, CancelsAPendingConnect) {
    full_listener full(GetParam());
    PWSK_SOCKET s = make_socket();
    ASSERT_EQ(bind(s, wskemu::net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    irp_call call;
    SOCKADDR_STORAGE address = sockaddr_of(full.endpoint);
    ASSERT_EQ(dispatch(s)->WskConnect(s, reinterpret_cast<PSOCKADDR>(&address), 0, call.irp), STATUS_PENDING);
    if (call.wait(200ms)) {
        GTEST_SKIP() << "the host completed the connect to a full listener: " << std::hex << call.status;
    }
    EXPECT_EQ(close(s), STATUS_SUCCESS);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.status, STATUS_CANCELLED);
}

// ---- WskSend -------------------------------------------------------------------------

TEST_P(WskSend, SmallSendCompletesInlineAndInformationIsBytesSent) {
    PWSK_SOCKET s = connected_socket();
    const auto data = pattern(1000);
    mdl_buffer buffer(data.size());
    std::memcpy(buffer.bytes.data(), data.data(), data.size());
    irp_call call;
    EXPECT_EQ(send(s, buffer.wsk_buf(), call), STATUS_SUCCESS);
    EXPECT_EQ(call.calls.load(), 1) << "the routine ran before the return";
    EXPECT_EQ(call.status, STATUS_SUCCESS);
    EXPECT_EQ(call.information, data.size());
    EXPECT_FALSE(call.pending_returned);
    EXPECT_EQ(peer_->read(data.size()), data);
}

TEST_P(WskSend, SendIntoAStalledPeerPendsAndCompletesWhenThePeerReads) {
    PWSK_SOCKET s = connected_socket();
    shrink_buffers(s, *peer_);
    const auto data = pattern(1 << 20, 3);
    mdl_buffer buffer(data.size());
    std::memcpy(buffer.bytes.data(), data.data(), data.size());
    irp_call call;
    EXPECT_EQ(send(s, buffer.wsk_buf(), call), STATUS_PENDING);
    EXPECT_FALSE(call.wait(100ms)) << "a peer that does not read keeps the send pending";
    EXPECT_EQ(peer_->read(data.size()), data);
    ASSERT_TRUE(call.wait());
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.status, STATUS_SUCCESS);
    EXPECT_EQ(call.information, data.size());
    EXPECT_TRUE(call.pending_returned);
    EXPECT_EQ(call.irql, DISPATCH_LEVEL);
    EXPECT_NE(call.thread, std::this_thread::get_id());
}

TEST_P(WskSend, AtDispatchLevelCompletesInlineAtDispatchLevel) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer buffer(100, 0x33);
    irp_call call;
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    const NTSTATUS returned = send(s, buffer.wsk_buf(), call);
    KeLowerIrql(old);
    EXPECT_EQ(returned, STATUS_SUCCESS);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.irql, DISPATCH_LEVEL);
    EXPECT_EQ(call.information, 100u);
    EXPECT_EQ(peer_->read(100), std::vector<unsigned char>(100, 0x33));
}

TEST_P(WskSend, AboveDispatchLevelIsABugCheck) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer buffer(4);
    irp_call call;
    WSK_BUF wsk_buf = buffer.wsk_buf();
    EXPECT_THROW(wskemu::catch_bug_check([&] {
                     wskemu::kernel::irql_scope high(DISPATCH_LEVEL + 1, "test");
                     dispatch(s)->WskSend(s, &wsk_buf, 0, call.irp);
                 }),
                 wskemu::bug_check_error);
    EXPECT_EQ(call.calls.load(), 0);
}

TEST_P(WskSend, NotConnectedFailsWithInvalidDeviceStateAndCompletesTheIrp) {
    PWSK_SOCKET s = make_socket();
    mdl_buffer buffer(10);
    irp_call call;
    EXPECT_EQ(send(s, buffer.wsk_buf(), call), STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.status, STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(call.information, 0u);
}

TEST_P(WskSend, ZeroLengthCompletesWithSuccessAndZeroBytes) {
    PWSK_SOCKET s = connected_socket();
    irp_call call;
    EXPECT_EQ(send(s, WSK_BUF{nullptr, 0, 0}, call), STATUS_SUCCESS);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.information, 0u);
    mdl_buffer buffer(8);
    EXPECT_EQ(send(s, WSK_BUF{buffer.mdl, 0, 0}, call), STATUS_SUCCESS);
    EXPECT_EQ(call.information, 0u);
}

TEST_P(WskSend, BadWskBufFailsWithInvalidParameterAndSendsNothing) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer first(16, 0xAA);
    mdl_buffer second(16, 0xBB);
    first.mdl->Next = second.mdl;
    irp_call call;
    // Offset outside the first MDL (even though the chain is longer).
    EXPECT_EQ(send(s, WSK_BUF{first.mdl, 16, 4}, call), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.status, STATUS_INVALID_PARAMETER);
    // Length past the end of the chain.
    EXPECT_EQ(send(s, WSK_BUF{first.mdl, 4, 29}, call), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 1);
    // NULL Mdl with a length.
    EXPECT_EQ(send(s, WSK_BUF{nullptr, 0, 1}, call), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 1);
    const auto reports =
        expect_verifier_reports({"mdl.wsk_buf_offset", "mdl.wsk_buf_past_chain", "mdl.wsk_buf_past_chain"});
    ASSERT_EQ(reports.size(), 3u);
    EXPECT_EQ(reports[0].function, "WskSend");
    EXPECT_EQ(reports[0].object, first.mdl);
    first.mdl->Next = nullptr;
    // Nothing went out: the next bytes the peer sees are the marker.
    mdl_buffer marker(3, 0x5A);
    EXPECT_EQ(send(s, marker.wsk_buf(), call), STATUS_SUCCESS);
    EXPECT_EQ(peer_->read(3), std::vector<unsigned char>(3, 0x5A));
}

TEST_P(WskSend, GathersFromAnMdlChainStartingAtOffset) {
    PWSK_SOCKET s = connected_socket();
    std::vector<std::unique_ptr<mdl_buffer>> chain;
    std::vector<unsigned char> all;
    for (unsigned i = 0; i < 16; ++i) {
        auto piece = pattern(100 + i * 37, i);
        chain.push_back(std::make_unique<mdl_buffer>(piece.size()));
        std::memcpy(chain.back()->bytes.data(), piece.data(), piece.size());
        all.insert(all.end(), piece.begin(), piece.end());
        if (i > 0) {
            chain[i - 1]->mdl->Next = chain.back()->mdl;
        }
    }
    const ULONG offset = 13;
    const std::size_t length = all.size() - offset - 5;  // ends inside the last MDL
    irp_call call;
    EXPECT_EQ(call.result(send(s, WSK_BUF{chain.front()->mdl, offset, length}, call)), STATUS_SUCCESS);
    EXPECT_EQ(call.information, length);
    EXPECT_EQ(peer_->read(length), std::vector<unsigned char>(all.begin() + offset, all.begin() + offset + length));
    for (auto& piece : chain) {
        piece->mdl->Next = nullptr;
    }
}

TEST_P(WskSend, UnknownFlagFailsWithNotSupported) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer buffer(4);
    irp_call call;
    EXPECT_EQ(send(s, buffer.wsk_buf(), call, 0x10), STATUS_NOT_SUPPORTED);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.status, STATUS_NOT_SUPPORTED);
    EXPECT_EQ(send(s, buffer.wsk_buf(), call, WSK_FLAG_OOB), STATUS_NOT_SUPPORTED);
}

TEST_P(WskSend, NoDelayFlagSwitchesNagleOff) {
    PWSK_SOCKET s = connected_socket();
    auto& host = static_cast<wskemu::wsk::connection_socket*>(s)->host_socket();
    int no_delay = -1;
    ASSERT_EQ(host.get_option(wskemu::net::socket_option::no_delay, no_delay), wskemu::net::error::none);
    EXPECT_EQ(no_delay, 0);
    mdl_buffer buffer(4, 1);
    irp_call call;
    EXPECT_EQ(call.result(send(s, buffer.wsk_buf(), call, WSK_FLAG_NODELAY)), STATUS_SUCCESS);
    EXPECT_EQ(call.information, 4u);
    ASSERT_EQ(host.get_option(wskemu::net::socket_option::no_delay, no_delay), wskemu::net::error::none);
    EXPECT_EQ(no_delay, 1);
    EXPECT_EQ(peer_->read(4).size(), 4u);
}

TEST_P(WskSend, ManySendsInFlightCompleteInOrderAndArriveByteExact) {
    PWSK_SOCKET s = connected_socket();
    shrink_buffers(s, *peer_);
    constexpr int count = 32;
    std::vector<std::unique_ptr<mdl_buffer>> buffers;
    std::vector<std::unique_ptr<irp_call>> calls;
    std::vector<unsigned char> all;
    for (int i = 0; i < count; ++i) {
        auto data = pattern(20000 + i * 1000, i + 1);
        buffers.push_back(std::make_unique<mdl_buffer>(data.size()));
        std::memcpy(buffers.back()->bytes.data(), data.data(), data.size());
        all.insert(all.end(), data.begin(), data.end());
        calls.push_back(std::make_unique<irp_call>());
    }
    std::vector<NTSTATUS> returned(count);
    for (int i = 0; i < count; ++i) {
        returned[i] = send(s, buffers[i]->wsk_buf(), *calls[i]);
    }
    EXPECT_EQ(peer_->read(all.size()), all);
    for (int i = 0; i < count; ++i) {
        EXPECT_EQ(calls[i]->result(returned[i]), STATUS_SUCCESS);
        EXPECT_EQ(calls[i]->information, buffers[i]->bytes.size());
    }
    EXPECT_EQ(returned.back(), STATUS_PENDING) << "the later sends must have queued";
    for (int i = 1; i < count; ++i) {
        EXPECT_LT(calls[i - 1]->sequence, calls[i]->sequence) << "send " << i << " completed before send " << i - 1;
    }
}

TEST_P(WskSend, PeerResetDuringAPendingSendCompletesItWithResetThenCallsFailForcedClosed) {
    PWSK_SOCKET s = connected_socket();
    shrink_buffers(s, *peer_);
    mdl_buffer buffer(8 << 20, 0x11);
    irp_call call;
    ASSERT_EQ(send(s, buffer.wsk_buf(), call), STATUS_PENDING);
    EXPECT_EQ(peer_->read(1000).size(), 1000u);  // let some bytes through
    peer_->reset();
    ASSERT_TRUE(call.wait());
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.status, STATUS_CONNECTION_RESET);
    EXPECT_GE(call.information, 1000u);
    EXPECT_LT(call.information, buffer.bytes.size());
    irp_call again;
    mdl_buffer small(4);
    EXPECT_EQ(again.result(send(s, small.wsk_buf(), again)), STATUS_FILE_FORCED_CLOSED);
    EXPECT_EQ(again.result(receive(s, small.wsk_buf(), again)), STATUS_FILE_FORCED_CLOSED);
    SOCKADDR_STORAGE address{};
    again.arm();
    EXPECT_EQ(again.result(dispatch(s)->WskGetRemoteAddress(s, reinterpret_cast<PSOCKADDR>(&address), again.irp)),
              STATUS_FILE_FORCED_CLOSED);
}

TEST_P(WskSend, IoCancelIrpOnAPendingSendCompletesItOnceWithCancelled) {
    PWSK_SOCKET s = connected_socket();
    shrink_buffers(s, *peer_);
    mdl_buffer first(8 << 20, 1);
    mdl_buffer second(100, 2);
    irp_call first_call;
    irp_call second_call;
    ASSERT_EQ(send(s, first.wsk_buf(), first_call), STATUS_PENDING);
    ASSERT_EQ(send(s, second.wsk_buf(), second_call), STATUS_PENDING);
    // The queued second send moved nothing: it is cancelled cleanly.
    EXPECT_TRUE(IoCancelIrp(second_call.irp));
    ASSERT_TRUE(second_call.wait());
    EXPECT_EQ(second_call.calls.load(), 1);
    EXPECT_EQ(second_call.status, STATUS_CANCELLED);
    EXPECT_EQ(second_call.information, 0u);
    EXPECT_TRUE(second_call.pending_returned);
    EXPECT_FALSE(IoCancelIrp(second_call.irp)) << "no cancel routine is left on a completed IRP";
    // The first one is in flight: cancelling it reports the bytes sent so far.
    EXPECT_TRUE(IoCancelIrp(first_call.irp));
    ASSERT_TRUE(first_call.wait());
    EXPECT_EQ(first_call.calls.load(), 1);
    EXPECT_EQ(first_call.status, STATUS_CANCELLED);
    EXPECT_LT(first_call.information, first.bytes.size());
}

TEST_P(WskSend, CancelRacingTheNaturalCompletionCompletesExactlyOnce) {
    PWSK_SOCKET s = connected_socket();
    for (int round = 0; round < 200; ++round) {
        mdl_buffer buffer(64 << 10, static_cast<unsigned char>(round));
        irp_call call;
        const NTSTATUS returned = send(s, buffer.wsk_buf(), call);
        std::thread reader([&] { peer_->read(buffer.bytes.size(), 200ms); });
        IoCancelIrp(call.irp);
        reader.join();
        ASSERT_TRUE(returned != STATUS_PENDING || call.wait());
        EXPECT_EQ(call.calls.load(), 1);
        EXPECT_TRUE(call.status == STATUS_SUCCESS || call.status == STATUS_CANCELLED) << std::hex << call.status;
        if (call.status != STATUS_SUCCESS) {
            break;  // a cancelled partial send aborts the connection
        }
    }
}

TEST_P(WskSend, NullIrpFailsWithInvalidParameterAndSendsNothing) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer buffer(4, 0x77);
    WSK_BUF wsk_buf = buffer.wsk_buf();
    EXPECT_EQ(dispatch(s)->WskSend(s, &wsk_buf, 0, nullptr), STATUS_INVALID_PARAMETER);
    irp_call call;
    IoSetNextIrpStackLocation(call.irp);
    EXPECT_EQ(dispatch(s)->WskSend(s, &wsk_buf, 0, call.irp), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 0);
    expect_verifier_reports({"irp.no_stack_location"});
    call.arm();
    mdl_buffer marker(2, 0x5A);
    EXPECT_EQ(send(s, marker.wsk_buf(), call), STATUS_SUCCESS);
    EXPECT_EQ(peer_->read(2), std::vector<unsigned char>(2, 0x5A));
}

// The usual send loop: each completion routine (at DISPATCH_LEVEL) posts the next send.
struct send_loop {
    PWSK_SOCKET socket;
    const WSK_PROVIDER_CONNECTION_DISPATCH* dispatch;
    PIRP irp;
    WSK_BUF buffer;
    int remaining;
    std::atomic<int> failures{0};
    KEVENT done;

    static NTSTATUS NTAPI on_complete(PDEVICE_OBJECT, PIRP irp, PVOID context) {
        auto* self = static_cast<send_loop*>(context);
        if (irp->IoStatus.Status != STATUS_SUCCESS || irp->IoStatus.Information != self->buffer.Length) {
            self->failures.fetch_add(1);
        }
        if (--self->remaining > 0 && self->failures.load() == 0) {
            self->issue();
        } else {
            KeSetEvent(&self->done, IO_NO_INCREMENT, FALSE);
        }
        return STATUS_MORE_PROCESSING_REQUIRED;
    }
    void issue() {
        IoReuseIrp(irp, STATUS_UNSUCCESSFUL);
        IoSetCompletionRoutine(irp, on_complete, this, TRUE, TRUE, TRUE);
        dispatch->WskSend(socket, &buffer, 0, irp);
    }
};

TEST_P(WskSend, ChainedSendsFromTheCompletionRoutineDoNotNest) {
    PWSK_SOCKET s = connected_socket();
    constexpr int count = 100000;
    mdl_buffer buffer(8, 0x42);
    send_loop loop{s, dispatch(s), IoAllocateIrp(1, FALSE), buffer.wsk_buf(), count, {}, {}};
    KeInitializeEvent(&loop.done, NotificationEvent, FALSE);
    std::thread reader([&] { EXPECT_EQ(peer_->read(8u * count, 60s).size(), 8u * count); });
    loop.issue();
    LARGE_INTEGER timeout;
    timeout.QuadPart = -600000000LL;  // 60 s
    EXPECT_EQ(KeWaitForSingleObject(&loop.done, Executive, KernelMode, FALSE, &timeout), STATUS_SUCCESS);
    reader.join();
    EXPECT_EQ(loop.failures.load(), 0);
    EXPECT_EQ(loop.remaining, 0);
    IoFreeIrp(loop.irp);
}

TEST_P(WskSend, BytesAreReadFromTheMdlPagesNotCopiedAtSubmission) {
    PWSK_SOCKET s = connected_socket();
    shrink_buffers(s, *peer_);
    mdl_buffer buffer(1 << 20, 0x01);
    irp_call call;
    ASSERT_EQ(send(s, buffer.wsk_buf(), call), STATUS_PENDING);
    // The tail cannot have left yet: change it under the pending send.
    std::fill(buffer.bytes.end() - 100, buffer.bytes.end(), 0x02);
    const auto received = peer_->read(buffer.bytes.size());
    ASSERT_EQ(received.size(), buffer.bytes.size());
    EXPECT_EQ(std::vector<unsigned char>(received.end() - 100, received.end()), std::vector<unsigned char>(100, 0x02));
    ASSERT_TRUE(call.wait());
    EXPECT_EQ(call.status, STATUS_SUCCESS);
}

// The fully asynchronous pattern: each send has its own IRP, pool buffer and
// MDL, and its completion routine frees all three (ASan catches any later
// touch by the provider; the fixture catches leaks).
struct async_sends {
    std::atomic<int> outstanding{0};
    std::atomic<int> failures{0};
    KEVENT all_done;

    struct context {
        async_sends* owner;
        PVOID buffer;
        PMDL mdl;
        SIZE_T length;
    };

    static NTSTATUS NTAPI on_complete(PDEVICE_OBJECT, PIRP irp, PVOID raw) {
        auto* ctx = static_cast<context*>(raw);
        async_sends* owner = ctx->owner;
        if (irp->IoStatus.Status != STATUS_SUCCESS || irp->IoStatus.Information != ctx->length) {
            owner->failures.fetch_add(1);
        }
        IoFreeMdl(ctx->mdl);
        ExFreePoolWithTag(ctx->buffer, 'tsTA');
        ExFreePoolWithTag(ctx, 'tsTA');
        IoFreeIrp(irp);
        if (owner->outstanding.fetch_sub(1) == 1) {
            KeSetEvent(&owner->all_done, IO_NO_INCREMENT, FALSE);
        }
        return STATUS_MORE_PROCESSING_REQUIRED;
    }
};

TEST_P(WskSend, FullyAsynchronousDriverFreesIrpBufferAndMdlInTheCompletionRoutine) {
    PWSK_SOCKET s = connected_socket();
    shrink_buffers(s, *peer_);
    constexpr int count = 64;
    async_sends sends;
    KeInitializeEvent(&sends.all_done, NotificationEvent, FALSE);
    std::vector<unsigned char> expected;
    sends.outstanding = count;
    for (int i = 0; i < count; ++i) {
        const auto data = pattern(10000 + i * 333, i);
        expected.insert(expected.end(), data.begin(), data.end());
        auto* ctx = static_cast<async_sends::context*>(
            ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(async_sends::context), 'tsTA'));
        ctx->owner = &sends;
        ctx->length = data.size();
        ctx->buffer = ExAllocatePool2(POOL_FLAG_NON_PAGED, data.size(), 'tsTA');
        std::memcpy(ctx->buffer, data.data(), data.size());
        ctx->mdl = IoAllocateMdl(ctx->buffer, static_cast<ULONG>(data.size()), FALSE, FALSE, nullptr);
        MmBuildMdlForNonPagedPool(ctx->mdl);
        PIRP irp = IoAllocateIrp(1, FALSE);
        IoSetCompletionRoutine(irp, async_sends::on_complete, ctx, TRUE, TRUE, TRUE);
        WSK_BUF wsk_buf{ctx->mdl, 0, data.size()};
        const NTSTATUS returned = dispatch(s)->WskSend(s, &wsk_buf, 0, irp);
        EXPECT_TRUE(returned == STATUS_SUCCESS || returned == STATUS_PENDING) << std::hex << returned;
    }
    EXPECT_EQ(peer_->read(expected.size()), expected);
    LARGE_INTEGER timeout;
    timeout.QuadPart = -100000000LL;  // 10 s
    EXPECT_EQ(KeWaitForSingleObject(&sends.all_done, Executive, KernelMode, FALSE, &timeout), STATUS_SUCCESS);
    EXPECT_EQ(sends.failures.load(), 0);
}

// ---- WskReceive ------------------------------------------------------------------------

TEST_P(WskReceive, PendsUntilSomeDataThenInformationIsBytesReceived) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer buffer(1000);
    irp_call call;
    EXPECT_EQ(receive(s, buffer.wsk_buf(), call), STATUS_PENDING);
    EXPECT_FALSE(call.wait(50ms));
    const auto data = pattern(300);
    ASSERT_TRUE(peer_->send(data.data(), data.size()));
    ASSERT_TRUE(call.wait());
    EXPECT_EQ(call.status, STATUS_SUCCESS);
    EXPECT_TRUE(call.pending_returned);
    EXPECT_EQ(call.irql, DISPATCH_LEVEL);
    ASSERT_GT(call.information, 0u);
    ASSERT_LE(call.information, data.size());
    EXPECT_TRUE(std::equal(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(call.information),
                           buffer.bytes.begin()));
}

TEST_P(WskReceive, DataAlreadyThereCompletesInline) {
    PWSK_SOCKET s = connected_socket();
    const auto data = pattern(200);
    // One loopback segment: once its first half was received, the second
    // half is in the host buffer.
    ASSERT_TRUE(peer_->send(data.data(), data.size()));
    mdl_buffer first(100);
    irp_call call;
    EXPECT_EQ(call.result(receive(s, first.wsk_buf(), call, WSK_FLAG_WAITALL)), STATUS_SUCCESS);
    EXPECT_EQ(call.information, 100u);
    mdl_buffer second(150);
    EXPECT_EQ(receive(s, second.wsk_buf(), call), STATUS_SUCCESS);
    EXPECT_EQ(call.calls.load(), 1) << "the routine ran before the return";
    EXPECT_FALSE(call.pending_returned);
    EXPECT_EQ(call.status, STATUS_SUCCESS);
    EXPECT_EQ(call.information, 100u);
    EXPECT_TRUE(std::equal(data.begin(), data.begin() + 100, first.bytes.begin()));
    EXPECT_TRUE(std::equal(data.begin() + 100, data.end(), second.bytes.begin()));
}

TEST_P(WskReceive, WaitAllCompletesOnlyWhenTheBufferIsFull) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer buffer(1000);
    irp_call call;
    EXPECT_EQ(receive(s, buffer.wsk_buf(), call, WSK_FLAG_WAITALL), STATUS_PENDING);
    const auto data = pattern(1000, 9);
    ASSERT_TRUE(peer_->send(data.data(), 400));
    EXPECT_FALSE(call.wait(100ms)) << "400 of 1000 bytes must not complete a WAITALL receive";
    ASSERT_TRUE(peer_->send(data.data() + 400, 600));
    ASSERT_TRUE(call.wait());
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.status, STATUS_SUCCESS);
    EXPECT_EQ(call.information, 1000u);
    EXPECT_EQ(buffer.bytes, data);
}

TEST_P(WskReceive, WaitAllEndsAtGracefulPeerCloseWithTheBytesSoFar) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer buffer(1000);
    irp_call call;
    EXPECT_EQ(receive(s, buffer.wsk_buf(), call, WSK_FLAG_WAITALL), STATUS_PENDING);
    const auto data = pattern(100);
    ASSERT_TRUE(peer_->send(data.data(), data.size()));
    peer_->shutdown_send();
    ASSERT_TRUE(call.wait());
    EXPECT_EQ(call.status, STATUS_SUCCESS);
    EXPECT_EQ(call.information, 100u);
}

TEST_P(WskReceive, GracefulPeerCloseCompletesWithSuccessAndZeroBytes) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer buffer(100);
    irp_call call;
    const NTSTATUS returned = receive(s, buffer.wsk_buf(), call);
    peer_->shutdown_send();
    EXPECT_EQ(call.result(returned), STATUS_SUCCESS);
    EXPECT_EQ(call.information, 0u);
    // And again, at once.
    EXPECT_EQ(receive(s, buffer.wsk_buf(), call), STATUS_SUCCESS);
    EXPECT_EQ(call.information, 0u);
}

TEST_P(WskReceive, DrainWithNonZeroLengthFailsWithInvalidParameter) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer buffer(10);
    irp_call call;
    EXPECT_EQ(receive(s, buffer.wsk_buf(), call, WSK_FLAG_DRAIN), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(receive(s, buffer.wsk_buf(), call, WSK_FLAG_DRAIN | WSK_FLAG_WAITALL), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(receive(s, buffer.wsk_buf(), call, 0x100), STATUS_NOT_SUPPORTED);
}

TEST_P(WskReceive, DrainDiscardsUntilThePeerCloses) {
    PWSK_SOCKET s = connected_socket();
    irp_call call;
    EXPECT_EQ(receive(s, WSK_BUF{nullptr, 0, 0}, call, WSK_FLAG_DRAIN), STATUS_PENDING);
    const auto data = pattern(50000);
    ASSERT_TRUE(peer_->send(data.data(), data.size()));
    EXPECT_FALSE(call.wait(50ms));
    peer_->shutdown_send();
    ASSERT_TRUE(call.wait());
    EXPECT_EQ(call.status, STATUS_SUCCESS);
    EXPECT_EQ(call.information, 0u);
}

TEST_P(WskReceive, IoCancelIrpOnAPendingReceiveCompletesItOnceWithCancelled) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer buffer(100);
    irp_call call;
    ASSERT_EQ(receive(s, buffer.wsk_buf(), call), STATUS_PENDING);
    EXPECT_TRUE(IoCancelIrp(call.irp));
    ASSERT_TRUE(call.wait());
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.status, STATUS_CANCELLED);
    EXPECT_EQ(call.information, 0u);
    // The socket goes on working.
    const auto data = pattern(10);
    ASSERT_TRUE(peer_->send(data.data(), data.size()));
    EXPECT_EQ(call.result(receive(s, buffer.wsk_buf(), call, 0)), STATUS_SUCCESS);
    EXPECT_GT(call.information, 0u);
}

TEST_P(WskReceive, ScattersIntoAnMdlChain) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer a(5), b(7), c(20);
    a.mdl->Next = b.mdl;
    b.mdl->Next = c.mdl;
    irp_call call;
    const NTSTATUS returned = receive(s, WSK_BUF{a.mdl, 2, 3 + 7 + 5}, call, WSK_FLAG_WAITALL);
    const auto data = pattern(15, 4);
    ASSERT_TRUE(peer_->send(data.data(), data.size()));
    EXPECT_EQ(call.result(returned), STATUS_SUCCESS);
    EXPECT_EQ(call.information, 15u);
    EXPECT_TRUE(std::equal(data.begin(), data.begin() + 3, a.bytes.begin() + 2));
    EXPECT_TRUE(std::equal(data.begin() + 3, data.begin() + 10, b.bytes.begin()));
    EXPECT_TRUE(std::equal(data.begin() + 10, data.end(), c.bytes.begin()));
    a.mdl->Next = nullptr;
    b.mdl->Next = nullptr;
}

// ---- WskCloseSocket --------------------------------------------------------------------

TEST_P(WskCloseSocket, NullIrpFailsWithInvalidParameterAndTheSocketStaysOpen) {
    PWSK_SOCKET s = make_socket();
    EXPECT_EQ(dispatch(s)->Basic.WskCloseSocket(s, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(wskemu::wsk::find_registration(&block_)->open_sockets(), 1u);
}

TEST_P(WskCloseSocket, CancelsPendingIrpsThenCompletesAfterTheSocketIsGone) {
    PWSK_SOCKET s = connected_socket();
    shrink_buffers(s, *peer_);
    mdl_buffer in(100);
    mdl_buffer out(8 << 20);
    irp_call receive_call;
    irp_call send_call;
    ASSERT_EQ(receive(s, in.wsk_buf(), receive_call), STATUS_PENDING);
    ASSERT_EQ(send(s, out.wsk_buf(), send_call), STATUS_PENDING);
    open_.clear();
    irp_call close_call;
    const NTSTATUS returned = dispatch(s)->Basic.WskCloseSocket(s, close_call.irp);
    EXPECT_EQ(close_call.result(returned), STATUS_SUCCESS);
    // Both pending IRPs completed before the close did.
    EXPECT_EQ(receive_call.calls.load(), 1);
    EXPECT_EQ(receive_call.status, STATUS_CANCELLED);
    EXPECT_EQ(send_call.calls.load(), 1);
    EXPECT_EQ(send_call.status, STATUS_CANCELLED);
    EXPECT_EQ(wskemu::wsk::find_registration(&block_)->open_sockets(), 0u);
}

TEST_P(WskCloseSocket, AbortsAConnectionNotFullyDisconnected) {
    PWSK_SOCKET s = connected_socket();
    EXPECT_EQ(close(s), STATUS_SUCCESS);
    peer_->read(1);
    expect_reset_seen_by_peer(*peer_);
}

TEST_P(WskCloseSocket, UseAfterCloseIsAVerifierBugCheck) {
    PWSK_SOCKET s = make_socket();
    EXPECT_EQ(close(s), STATUS_SUCCESS);
    irp_call call;
    // Through the table itself: the freed socket's Dispatch must not be read.
    EXPECT_THROW(wskemu::catch_bug_check([&] { wskemu::wsk::connection_dispatch().Basic.WskCloseSocket(s, call.irp); }),
                 wskemu::bug_check_error);
}


// ---- WskControlSocket ------------------------------------------------------------------

class control_helper {
public:
    static NTSTATUS set(PWSK_SOCKET s, ULONG level, ULONG code, ULONG value, irp_call& call) {
        call.arm();
        return call.result(static_cast<const WSK_PROVIDER_CONNECTION_DISPATCH*>(s->Dispatch)
                               ->Basic.WskControlSocket(s, WskSetOption, code, level, sizeof(value), &value, 0,
                                                        nullptr, nullptr, call.irp));
    }
    static NTSTATUS get(PWSK_SOCKET s, ULONG level, ULONG code, ULONG& value, irp_call& call) {
        call.arm();
        value = 0xDEADBEEF;
        return call.result(static_cast<const WSK_PROVIDER_CONNECTION_DISPATCH*>(s->Dispatch)
                               ->Basic.WskControlSocket(s, WskGetOption, code, level, 0, nullptr, sizeof(value),
                                                        &value, nullptr, call.irp));
    }
};

TEST_P(WskControlSocket, WindowsOptionNumbersReachTheHostSocket) {
    PWSK_SOCKET s = make_socket();
    auto& host = static_cast<wskemu::wsk::connection_socket*>(s)->host_socket();
    irp_call call;
    ULONG value = 0;
    int host_value = -1;
    EXPECT_EQ(control_helper::set(s, IPPROTO_TCP, TCP_NODELAY, 1, call), STATUS_SUCCESS);
    ASSERT_EQ(host.get_option(wskemu::net::socket_option::no_delay, host_value), wskemu::net::error::none);
    EXPECT_EQ(host_value, 1);
    EXPECT_EQ(control_helper::get(s, IPPROTO_TCP, TCP_NODELAY, value, call), STATUS_SUCCESS);
    EXPECT_EQ(value, 1u);
    EXPECT_EQ(call.information, sizeof(ULONG));
    EXPECT_EQ(control_helper::set(s, SOL_SOCKET, SO_KEEPALIVE, 1, call), STATUS_SUCCESS);
    ASSERT_EQ(host.get_option(wskemu::net::socket_option::keep_alive, host_value), wskemu::net::error::none);
    EXPECT_EQ(host_value, 1);
    EXPECT_EQ(control_helper::set(s, SOL_SOCKET, SO_REUSEADDR, 1, call), STATUS_SUCCESS);
    ASSERT_EQ(host.get_option(wskemu::net::socket_option::reuse_address, host_value), wskemu::net::error::none);
    EXPECT_EQ(host_value, 1);
    EXPECT_EQ(control_helper::set(s, SOL_SOCKET, SO_RCVBUF, 65536, call), STATUS_SUCCESS);
    EXPECT_EQ(control_helper::get(s, SOL_SOCKET, SO_RCVBUF, value, call), STATUS_SUCCESS);
    EXPECT_GE(value, 65536u);  // the host may double it
    EXPECT_EQ(control_helper::set(s, SOL_SOCKET, SO_SNDBUF, 65536, call), STATUS_SUCCESS);
    EXPECT_EQ(control_helper::get(s, SOL_SOCKET, SO_SNDBUF, value, call), STATUS_SUCCESS);
    EXPECT_GE(value, 65536u);
}

TEST_P(WskControlSocket, AddressSharingOptionsOnlyBeforeBind) {
    PWSK_SOCKET s = make_socket();
    irp_call call;
    EXPECT_EQ(control_helper::set(s, SOL_SOCKET, static_cast<ULONG>(SO_EXCLUSIVEADDRUSE), 1, call), STATUS_SUCCESS);
    ULONG value = 0;
    EXPECT_EQ(control_helper::get(s, SOL_SOCKET, static_cast<ULONG>(SO_EXCLUSIVEADDRUSE), value, call),
              STATUS_SUCCESS);
    EXPECT_EQ(value, 1u);
    ASSERT_EQ(bind(s, wskemu::net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    EXPECT_EQ(control_helper::set(s, SOL_SOCKET, SO_REUSEADDR, 1, call), STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(control_helper::set(s, SOL_SOCKET, static_cast<ULONG>(SO_EXCLUSIVEADDRUSE), 0, call),
              STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(control_helper::set(s, SOL_SOCKET, SO_KEEPALIVE, 1, call), STATUS_SUCCESS) << "others stay settable";
}

TEST_P(WskControlSocket, BadBuffersFailWithInvalidParameterAndUnknownCodesAreNotImplemented) {
    PWSK_SOCKET s = make_socket();
    const auto* d = dispatch(s);
    irp_call call;
    ULONG value = 1;
    EXPECT_EQ(call.result(d->Basic.WskControlSocket(s, WskSetOption, TCP_NODELAY, IPPROTO_TCP, 2, &value, 0, nullptr,
                                                    nullptr, call.irp)),
              STATUS_INVALID_PARAMETER);
    call.arm();
    EXPECT_EQ(call.result(d->Basic.WskControlSocket(s, WskGetOption, TCP_NODELAY, IPPROTO_TCP, 0, nullptr, 0,
                                                    nullptr, nullptr, call.irp)),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(d->Basic.WskControlSocket(s, WskSetOption, TCP_NODELAY, IPPROTO_TCP, sizeof(value), &value, 0, nullptr,
                                        nullptr, nullptr),
              STATUS_INVALID_PARAMETER)
        << "the standard options require an IRP";
    call.arm();
    EXPECT_EQ(call.result(d->Basic.WskControlSocket(s, WskSetOption, SO_BROADCAST, SOL_SOCKET, sizeof(value), &value,
                                                    0, nullptr, nullptr, call.irp)),
              STATUS_NOT_IMPLEMENTED);
}


// ---- WskDisconnect ---------------------------------------------------------------------

TEST_P(WskDisconnect, GracefulSendsTheFinalBufferThenAFinAndReceivingGoesOn) {
    PWSK_SOCKET s = connected_socket();
    const auto data = pattern(5000, 2);
    mdl_buffer final_buffer(data.size());
    std::memcpy(final_buffer.bytes.data(), data.data(), data.size());
    WSK_BUF wsk_buf = final_buffer.wsk_buf();
    irp_call call;
    EXPECT_EQ(call.result(dispatch(s)->WskDisconnect(s, &wsk_buf, 0, call.irp)), STATUS_SUCCESS);
    EXPECT_EQ(call.information, data.size());
    EXPECT_EQ(peer_->read(data.size()), data);
    EXPECT_EQ(peer_->read(1).size(), 0u);
    EXPECT_EQ(peer_->last_read_error(), wskemu::net::error::end_of_stream);
    // Half close: the peer can still send to us.
    const auto back = pattern(10, 5);
    ASSERT_TRUE(peer_->send(back.data(), back.size()));
    mdl_buffer in(10);
    EXPECT_EQ(call.result(receive(s, in.wsk_buf(), call, WSK_FLAG_WAITALL)), STATUS_SUCCESS);
    EXPECT_EQ(in.bytes, back);
    // No more sends.
    EXPECT_EQ(call.result(send(s, in.wsk_buf(), call)), STATUS_INVALID_DEVICE_STATE);
    // Fully disconnected both ways: close is graceful.
    peer_->shutdown_send();
    EXPECT_EQ(call.result(receive(s, in.wsk_buf(), call)), STATUS_SUCCESS);
    EXPECT_EQ(call.information, 0u);
    EXPECT_EQ(close(s), STATUS_SUCCESS);
}

// A graceful disconnect waits behind the sends queued before it; while it
// waits, IoCancelIrp completes it once with STATUS_CANCELLED.
TEST_P(WskDisconnect, IoCancelIrpOnAPendingDisconnectCompletesItOnceWithCancelled) {
    PWSK_SOCKET s = connected_socket();
    shrink_buffers(s, *peer_);
    mdl_buffer big(8 << 20, 3);
    irp_call send_call;
    ASSERT_EQ(send(s, big.wsk_buf(), send_call), STATUS_PENDING);
    irp_call disconnect_call;
    ASSERT_EQ(dispatch(s)->WskDisconnect(s, nullptr, 0, disconnect_call.irp), STATUS_PENDING);
    EXPECT_FALSE(disconnect_call.wait(100ms)) << "the disconnect must wait for the queued send";
    EXPECT_TRUE(IoCancelIrp(disconnect_call.irp));
    ASSERT_TRUE(disconnect_call.wait());
    EXPECT_EQ(disconnect_call.calls.load(), 1);
    EXPECT_EQ(disconnect_call.status, STATUS_CANCELLED);
    EXPECT_TRUE(disconnect_call.pending_returned);
    EXPECT_FALSE(IoCancelIrp(disconnect_call.irp)) << "no cancel routine is left on a completed IRP";
    EXPECT_EQ(close(s), STATUS_SUCCESS);
    ASSERT_TRUE(send_call.wait());
    EXPECT_EQ(send_call.calls.load(), 1);
}

TEST_P(WskDisconnect, AbortiveWithABufferFailsWithInvalidParameter) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer buffer(4);
    WSK_BUF wsk_buf = buffer.wsk_buf();
    irp_call call;
    EXPECT_EQ(call.result(dispatch(s)->WskDisconnect(s, &wsk_buf, WSK_FLAG_ABORTIVE, call.irp)),
              STATUS_INVALID_PARAMETER);
}

TEST_P(WskDisconnect, AbortiveResetsThePeerCancelsPendingIrpsAndLeavesOnlyClose) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer in(100);
    irp_call receive_call;
    ASSERT_EQ(receive(s, in.wsk_buf(), receive_call), STATUS_PENDING);
    irp_call call;
    EXPECT_EQ(call.result(dispatch(s)->WskDisconnect(s, nullptr, WSK_FLAG_ABORTIVE, call.irp)), STATUS_SUCCESS);
    ASSERT_TRUE(receive_call.wait());
    EXPECT_EQ(receive_call.status, STATUS_CANCELLED);
    peer_->read(1);
    expect_reset_seen_by_peer(*peer_);
    EXPECT_EQ(call.result(send(s, in.wsk_buf(), call)), STATUS_FILE_FORCED_CLOSED);
}

TEST_P(WskDisconnect, NotConnectedFailsWithInvalidDeviceState) {
    PWSK_SOCKET s = make_socket();
    irp_call call;
    EXPECT_EQ(call.result(dispatch(s)->WskDisconnect(s, nullptr, 0, call.irp)), STATUS_INVALID_DEVICE_STATE);
}


// ---- WskSocketConnect --------------------------------------------------------------------

TEST_P(WskSocketConnect, PendsThenInformationIsAConnectedSocket) {
    SOCKADDR_STORAGE local = sockaddr_of(wskemu::net::endpoint::any(GetParam(), 0));
    SOCKADDR_STORAGE remote = sockaddr_of(peer_->endpoint());
    irp_call call;
    const NTSTATUS returned = provider_.Dispatch->WskSocketConnect(
        provider_.Client, SOCK_STREAM, IPPROTO_TCP, reinterpret_cast<PSOCKADDR>(&local),
        reinterpret_cast<PSOCKADDR>(&remote), 0, nullptr, &connection_events, nullptr, nullptr, nullptr, call.irp);
    EXPECT_EQ(returned, STATUS_PENDING);
    EXPECT_EQ(call.result(returned), STATUS_SUCCESS);
    EXPECT_TRUE(call.pending_returned);
    auto s = reinterpret_cast<PWSK_SOCKET>(call.information);
    ASSERT_NE(s, nullptr);
    open_.push_back(s);
    EXPECT_EQ(s->Dispatch, &wskemu::wsk::connection_dispatch());
    ASSERT_TRUE(peer_->accept());
    mdl_buffer buffer(6, 0x61);
    EXPECT_EQ(call.result(send(s, buffer.wsk_buf(), call)), STATUS_SUCCESS);
    EXPECT_EQ(peer_->read(6), std::vector<unsigned char>(6, 0x61));
}

TEST_P(WskSocketConnect, RefusedCompletesWithConnectionRefusedAndLeavesNoSocket) {
    SOCKADDR_STORAGE local = sockaddr_of(wskemu::net::endpoint::loopback(GetParam(), 0));
    SOCKADDR_STORAGE remote = sockaddr_of(wskemu::test::refusing_endpoint(GetParam()));
    irp_call call;
    const NTSTATUS returned = provider_.Dispatch->WskSocketConnect(
        provider_.Client, SOCK_STREAM, IPPROTO_TCP, reinterpret_cast<PSOCKADDR>(&local),
        reinterpret_cast<PSOCKADDR>(&remote), 0, nullptr, &connection_events, nullptr, nullptr, nullptr, call.irp);
    EXPECT_EQ(call.result(returned), STATUS_CONNECTION_REFUSED);
    EXPECT_EQ(call.information, 0u);
    EXPECT_EQ(wskemu::wsk::find_registration(&block_)->open_sockets(), 0u);
}

TEST_P(WskSocketConnect, MixedFamiliesOrNullAddressesFailWithInvalidParameter) {
    const address_family other = GetParam() == address_family::ipv4 ? address_family::ipv6 : address_family::ipv4;
    SOCKADDR_STORAGE local = sockaddr_of(wskemu::net::endpoint::any(other, 0));
    SOCKADDR_STORAGE remote = sockaddr_of(peer_->endpoint());
    irp_call call;
    EXPECT_EQ(provider_.Dispatch->WskSocketConnect(provider_.Client, SOCK_STREAM, IPPROTO_TCP,
                                                   reinterpret_cast<PSOCKADDR>(&local),
                                                   reinterpret_cast<PSOCKADDR>(&remote), 0, nullptr,
                                                   &connection_events, nullptr, nullptr, nullptr, call.irp),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 1);
    call.arm();
    EXPECT_EQ(provider_.Dispatch->WskSocketConnect(provider_.Client, SOCK_STREAM, IPPROTO_TCP, nullptr,
                                                   reinterpret_cast<PSOCKADDR>(&remote), 0, nullptr,
                                                   &connection_events, nullptr, nullptr, nullptr, call.irp),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(wskemu::wsk::find_registration(&block_)->open_sockets(), 0u);
}


// ---- WskConnectEx ------------------------------------------------------------------------

TEST_P(WskConnectEx, SendsTheInitialDataBeforeCompletingAndBeforeLaterSends) {
    PWSK_SOCKET s = make_socket();
    ASSERT_EQ(bind(s, wskemu::net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    const auto data = pattern(65535, 8);
    mdl_buffer initial(data.size());
    std::memcpy(initial.bytes.data(), data.data(), data.size());
    WSK_BUF wsk_buf = initial.wsk_buf();
    SOCKADDR_STORAGE address = sockaddr_of(peer_->endpoint());
    irp_call call;
    const NTSTATUS returned =
        dispatch(s)->WskConnectEx(s, reinterpret_cast<PSOCKADDR>(&address), &wsk_buf, 0, call.irp);
    EXPECT_EQ(returned, STATUS_PENDING);
    ASSERT_TRUE(peer_->accept());
    EXPECT_EQ(call.result(returned), STATUS_SUCCESS);
    EXPECT_EQ(call.information, data.size());
    mdl_buffer after(4, 0xEE);
    EXPECT_EQ(call.result(send(s, after.wsk_buf(), call)), STATUS_SUCCESS);
    EXPECT_EQ(peer_->read(data.size()), data);
    EXPECT_EQ(peer_->read(4), std::vector<unsigned char>(4, 0xEE));
}

TEST_P(WskConnectEx, WithoutDataIsAConnect) {
    PWSK_SOCKET s = make_socket();
    ASSERT_EQ(bind(s, wskemu::net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    SOCKADDR_STORAGE address = sockaddr_of(peer_->endpoint());
    irp_call call;
    EXPECT_EQ(call.result(dispatch(s)->WskConnectEx(s, reinterpret_cast<PSOCKADDR>(&address), nullptr, 0, call.irp)),
              STATUS_SUCCESS);
    EXPECT_TRUE(peer_->accept());
}

TEST_P(WskConnectEx, MoreThan65535BytesFailsWithBufferOverflowAndFlagsWithInvalidParameter) {
    PWSK_SOCKET s = make_socket();
    ASSERT_EQ(bind(s, wskemu::net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    mdl_buffer big(65536);
    WSK_BUF wsk_buf = big.wsk_buf();
    SOCKADDR_STORAGE address = sockaddr_of(peer_->endpoint());
    irp_call call;
    EXPECT_EQ(dispatch(s)->WskConnectEx(s, reinterpret_cast<PSOCKADDR>(&address), &wsk_buf, 0, call.irp),
              STATUS_BUFFER_OVERFLOW);
    EXPECT_EQ(call.calls.load(), 1);
    call.arm();
    EXPECT_EQ(dispatch(s)->WskConnectEx(s, reinterpret_cast<PSOCKADDR>(&address), nullptr, 1, call.irp),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_FALSE(peer_->accept(100ms)) << "nothing may have connected";
}

}  // namespace
