// wskemu tests: the fixture of the connection-socket conformance suites: a
// registered WSK client with its provider NPI, a loopback peer of the
// parameter's family, and helpers that make, connect and close sockets with
// the synchronous IRP pattern.
#pragma once

#include <gtest/gtest.h>

#include <wsk.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "conformance/support/loopback_peer.hpp"
#include "net/host.hpp"
#include "support/kernel_fixture.hpp"
#include "support/wsk_test_support.hpp"
#include "wsk/wsk_socket.hpp"

namespace wskemu::test {

using net::address_family;

// The peer of an abortive close sees a reset (reset_seen: under Wine, a FIN counts too).
inline void expect_reset_seen_by_peer(const loopback_peer& peer) {
    EXPECT_TRUE(reset_seen(peer.last_read_error())) << static_cast<int>(peer.last_read_error());
}

// A registered client, its provider NPI, and helpers to make connected sockets.
class connection_test : public kernel_test, public ::testing::WithParamInterface<address_family> {
protected:
    void SetUp() override {
        kernel_test::SetUp();
        WSK_CLIENT_NPI npi{nullptr, &client_dispatch};
        ASSERT_EQ(WskRegister(&npi, &block_), STATUS_SUCCESS);
        ASSERT_EQ(WskCaptureProviderNPI(&block_, WSK_NO_WAIT, &provider_), STATUS_SUCCESS);
        peer_ = std::make_unique<loopback_peer>(GetParam());
        if (!peer_->ok()) {
            GTEST_SKIP() << "no loopback address for this family";
        }
    }

    void TearDown() override {
        for (PWSK_SOCKET s : open_) {
            irp_call call;
            dispatch(s)->Basic.WskCloseSocket(s, call.irp);
            call.wait();
        }
        peer_.reset();
        WskReleaseProviderNPI(&block_);
        WskDeregister(&block_);
        kernel_test::TearDown();
    }

    static const WSK_PROVIDER_CONNECTION_DISPATCH* dispatch(PWSK_SOCKET s) {
        return static_cast<const WSK_PROVIDER_CONNECTION_DISPATCH*>(s->Dispatch);
    }

    // A connection socket with the given client callbacks and context.
    PWSK_SOCKET make_socket(const WSK_CLIENT_CONNECTION_DISPATCH* events = &connection_events,
                            PVOID context = nullptr) {
        irp_call call;
        const NTSTATUS returned =
            provider_.Dispatch->WskSocket(provider_.Client, windows_family(GetParam()), SOCK_STREAM, IPPROTO_TCP,
                                          WSK_FLAG_CONNECTION_SOCKET, context, events, nullptr, nullptr, nullptr,
                                          call.irp);
        EXPECT_EQ(call.result(returned), STATUS_SUCCESS);
        auto s = reinterpret_cast<PWSK_SOCKET>(call.information);
        if (s != nullptr) {
            open_.push_back(s);
        }
        return s;
    }

    NTSTATUS bind(PWSK_SOCKET s, const net::endpoint& ep) {
        irp_call call;
        SOCKADDR_STORAGE address = sockaddr_of(ep);
        return call.result(dispatch(s)->WskBind(s, reinterpret_cast<PSOCKADDR>(&address), 0, call.irp));
    }

    NTSTATUS connect(PWSK_SOCKET s, const net::endpoint& ep) {
        irp_call call;
        SOCKADDR_STORAGE address = sockaddr_of(ep);
        const NTSTATUS returned = dispatch(s)->WskConnect(s, reinterpret_cast<PSOCKADDR>(&address), 0, call.irp);
        EXPECT_EQ(returned, STATUS_PENDING);
        return call.result(returned);
    }

    // A socket connected to the peer, the peer's side accepted.
    PWSK_SOCKET connected_socket(const WSK_CLIENT_CONNECTION_DISPATCH* events = &connection_events,
                                 PVOID context = nullptr) {
        PWSK_SOCKET s = make_socket(events, context);
        EXPECT_EQ(bind(s, net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
        EXPECT_EQ(connect(s, peer_->endpoint()), STATUS_SUCCESS);
        EXPECT_TRUE(peer_->accept());
        return s;
    }

    NTSTATUS close(PWSK_SOCKET s) {
        open_.erase(std::remove(open_.begin(), open_.end(), s), open_.end());
        irp_call call;
        return call.result(dispatch(s)->Basic.WskCloseSocket(s, call.irp));
    }

    NTSTATUS send(PWSK_SOCKET s, WSK_BUF buffer, irp_call& call, ULONG flags = 0) {
        call.arm();
        return dispatch(s)->WskSend(s, &buffer, flags, call.irp);
    }

    NTSTATUS receive(PWSK_SOCKET s, WSK_BUF buffer, irp_call& call, ULONG flags = 0) {
        call.arm();
        return dispatch(s)->WskReceive(s, &buffer, flags, call.irp);
    }

    // Makes our host send queue small so that a few MiB cannot go out while
    // the peer does not read. (The peer's receive buffer keeps its default: a
    // tiny receive window makes loopback crawl on delayed ACKs.)
    static void shrink_buffers(PWSK_SOCKET s, loopback_peer& peer) {
        (void)peer;
        static_cast<wskemu::wsk::connection_socket*>(s)->host_socket().set_option(
            net::socket_option::send_buffer_size, 16384);
    }

    WSK_REGISTRATION block_{};
    WSK_PROVIDER_NPI provider_{};
    std::unique_ptr<loopback_peer> peer_;
    std::vector<PWSK_SOCKET> open_;
};

inline std::string family_name(const ::testing::TestParamInfo<address_family>& info) {
    return info.param == address_family::ipv4 ? "ipv4" : "ipv6";
}

}  // namespace wskemu::test
