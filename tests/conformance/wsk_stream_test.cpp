// Conformance tests of WSK stream sockets (WSK_FLAG_STREAM_SOCKET): WskBind,
// then WskListen or WskConnect commits the socket to one mode; calls of the
// other mode fail with STATUS_INVALID_DEVICE_STATE (docs/semantics.md,
// "Stream sockets"). IPv4 and IPv6, real loopback peers.
#include "conformance/support/listen_fixture.hpp"

#include "wsk/wsk_stream.hpp"

namespace wskemu::test {
namespace {

class stream_test : public listen_test {
protected:
    static const WSK_PROVIDER_STREAM_DISPATCH* stream(PWSK_SOCKET s) {
        return static_cast<const WSK_PROVIDER_STREAM_DISPATCH*>(s->Dispatch);
    }

    PWSK_SOCKET make_stream(const WSK_CLIENT_STREAM_DISPATCH* events = nullptr, PVOID context = nullptr) {
        irp_call call;
        const NTSTATUS returned =
            provider_.Dispatch->WskSocket(provider_.Client, windows_family(family()), SOCK_STREAM, IPPROTO_TCP,
                                          WSK_FLAG_STREAM_SOCKET, context, events, nullptr, nullptr, nullptr, call.irp);
        EXPECT_EQ(call.result(returned), STATUS_SUCCESS);
        auto s = reinterpret_cast<PWSK_SOCKET>(call.information);
        if (s != nullptr) {
            open_.push_back(s);  // closed through Basic.WskCloseSocket, at the same index
        }
        return s;
    }

    NTSTATUS listen(PWSK_SOCKET s) {
        irp_call call;
        return call.result(stream(s)->WskListen(s, call.irp));
    }

    NTSTATUS connect(PWSK_SOCKET s, const net::endpoint& ep) {
        irp_call call;
        SOCKADDR_STORAGE address = sockaddr_of(ep);
        return call.result(stream(s)->WskConnect(s, reinterpret_cast<PSOCKADDR>(&address), 0, call.irp));
    }

    // WskGetLocalAddress is member 10 of the stream table (5 of the listen table).
    net::endpoint stream_local(PWSK_SOCKET s) {
        irp_call call;
        SOCKADDR_STORAGE address{};
        EXPECT_EQ(call.result(stream(s)->WskGetLocalAddress(s, reinterpret_cast<PSOCKADDR>(&address), call.irp)),
                  STATUS_SUCCESS);
        net::endpoint ep;
        wsk::from_sockaddr(reinterpret_cast<PSOCKADDR>(&address), ep);
        return ep;
    }

    NTSTATUS stream_send(PWSK_SOCKET s, const std::vector<unsigned char>& bytes) {
        mdl_buffer buffer(bytes.size());
        std::memcpy(buffer.bytes.data(), bytes.data(), bytes.size());
        WSK_BUF b = buffer.wsk_buf();
        irp_call call;
        return call.result(stream(s)->WskSend(s, &b, 0, call.irp));
    }
};

using WskSocketStream = stream_test;
using WskListenStream = stream_test;
using WskStreamModes = stream_test;

TEST_P(WskSocketStream, InformationIsTheSocketWithTheStreamDispatch) {
    PWSK_SOCKET s = make_stream();
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->Dispatch, &wsk::stream_dispatch());
    EXPECT_EQ(static_cast<wsk::stream_socket*>(s)->mode(), wsk::stream_mode::undecided);
}

TEST_P(WskListenStream, ListenBeforeBindFailsThenBindAndListenAccept) {
    PWSK_SOCKET s = make_stream();
    EXPECT_EQ(listen(s), STATUS_INVALID_DEVICE_STATE);  // bind is required first
    ASSERT_EQ(bind(s, net::endpoint::loopback(family(), 0)), STATUS_SUCCESS);
    const net::endpoint ep = stream_local(s);
    EXPECT_NE(ep.port, 0);
    loopback_client early;
    EXPECT_FALSE(early.connect(family(), ep));  // bound, not listening yet
    ASSERT_EQ(listen(s), STATUS_SUCCESS);
    EXPECT_EQ(static_cast<wsk::stream_socket*>(s)->mode(), wsk::stream_mode::listening);
    EXPECT_EQ(stream_local(s).port, ep.port);  // the same address, now listening
    loopback_client client;
    ASSERT_TRUE(client.connect(family(), ep));
    irp_call call;
    SOCKADDR_STORAGE remote{};
    EXPECT_EQ(call.result(stream(s)->WskAccept(s, 0, nullptr, &connection_events, nullptr,
                                               reinterpret_cast<PSOCKADDR>(&remote), call.irp)),
              STATUS_SUCCESS);
    PWSK_SOCKET a = accepted(call);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->Dispatch, &wsk::connection_dispatch());  // accepted sockets are connection sockets (decision)
    const auto bytes = pattern(2000, 6);
    ASSERT_TRUE(client.send(bytes.data(), bytes.size()));
    EXPECT_EQ(receive_on(a, bytes.size()), bytes);
}

TEST_P(WskListenStream, TheAcceptEventUsesTheStreamDispatchsListenTable) {
    listen_recorder recorder;
    const WSK_CLIENT_STREAM_DISPATCH events = {&recording_listen, &connection_events};
    PWSK_SOCKET s = make_stream(&events, &recorder);
    ASSERT_EQ(bind(s, net::endpoint::loopback(family(), 0)), STATUS_SUCCESS);
    EXPECT_EQ(event_callback(s, WSK_EVENT_ACCEPT), STATUS_INVALID_DEVICE_STATE);  // not committed yet
    ASSERT_EQ(listen(s), STATUS_SUCCESS);
    ASSERT_EQ(event_callback(s, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
    loopback_client client;
    ASSERT_TRUE(client.connect(family(), stream_local(s)));
    ASSERT_TRUE(recorder.wait([](auto& r) { return r.accept_calls == 1; }));
    EXPECT_EQ(recorder.last_context, &recorder);
    keep(recorder.accepted.at(0));
}

TEST_P(WskListenStream, CloseCancelsAPendingAccept) {
    PWSK_SOCKET s = make_stream();
    ASSERT_EQ(bind(s, net::endpoint::loopback(family(), 0)), STATUS_SUCCESS);
    ASSERT_EQ(listen(s), STATUS_SUCCESS);
    irp_call call;
    ASSERT_EQ(stream(s)->WskAccept(s, 0, nullptr, &connection_events, nullptr, nullptr, call.irp), STATUS_PENDING);
    EXPECT_EQ(close(s), STATUS_SUCCESS);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.status, STATUS_CANCELLED);
}

TEST_P(WskStreamModes, AfterListenTheConnectionCallsFailWithInvalidDeviceState) {
    PWSK_SOCKET s = make_stream();
    ASSERT_EQ(bind(s, net::endpoint::loopback(family(), 0)), STATUS_SUCCESS);
    ASSERT_EQ(listen(s), STATUS_SUCCESS);
    loopback_peer peer(family());
    EXPECT_EQ(connect(s, peer.endpoint()), STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(stream_send(s, pattern(10)), STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(listen(s), STATUS_INVALID_DEVICE_STATE);  // committed already
    EXPECT_EQ(bind(s, net::endpoint::loopback(family(), 0)), STATUS_INVALID_DEVICE_STATE);
    irp_call call;
    SOCKADDR_STORAGE address{};
    EXPECT_EQ(call.result(stream(s)->WskGetRemoteAddress(s, reinterpret_cast<PSOCKADDR>(&address), call.irp)),
              STATUS_INVALID_DEVICE_STATE);
}

TEST_P(WskStreamModes, AfterConnectListenAndAcceptFailWithInvalidDeviceStateAndDataFlows) {
    PWSK_SOCKET s = make_stream();
    irp_call call;
    EXPECT_EQ(call.result(stream(s)->WskAccept(s, 0, nullptr, nullptr, nullptr, nullptr, call.irp)),
              STATUS_INVALID_DEVICE_STATE);  // not listening
    ASSERT_EQ(bind(s, net::endpoint::loopback(family(), 0)), STATUS_SUCCESS);
    loopback_peer peer(family());
    ASSERT_EQ(connect(s, peer.endpoint()), STATUS_SUCCESS);
    ASSERT_TRUE(peer.accept());
    EXPECT_EQ(static_cast<wsk::stream_socket*>(s)->mode(), wsk::stream_mode::connection);
    EXPECT_EQ(listen(s), STATUS_INVALID_DEVICE_STATE);
    call.arm();
    EXPECT_EQ(call.result(stream(s)->WskAccept(s, 0, nullptr, nullptr, nullptr, nullptr, call.irp)),
              STATUS_INVALID_DEVICE_STATE);
    const auto bytes = pattern(4000, 8);
    EXPECT_EQ(stream_send(s, bytes), STATUS_SUCCESS);
    EXPECT_EQ(peer.read(bytes.size()), bytes);
}

TEST_P(WskStreamModes, ConnectBeforeBindFailsAndLeavesTheSocketUndecided) {
    PWSK_SOCKET s = make_stream();
    loopback_peer peer(family());
    EXPECT_EQ(connect(s, peer.endpoint()), STATUS_INVALID_DEVICE_STATE);  // no implicit bind
    EXPECT_EQ(static_cast<wsk::stream_socket*>(s)->mode(), wsk::stream_mode::undecided);
    ASSERT_EQ(bind(s, net::endpoint::loopback(family(), 0)), STATUS_SUCCESS);
    EXPECT_EQ(listen(s), STATUS_SUCCESS);
}

INSTANTIATE_TEST_SUITE_P(Families, WskSocketStream,
                         ::testing::Values(net::address_family::ipv4, net::address_family::ipv6), listen_family_name);
INSTANTIATE_TEST_SUITE_P(Families, WskListenStream,
                         ::testing::Values(net::address_family::ipv4, net::address_family::ipv6), listen_family_name);
INSTANTIATE_TEST_SUITE_P(Families, WskStreamModes,
                         ::testing::Values(net::address_family::ipv4, net::address_family::ipv6), listen_family_name);

}  // namespace
}  // namespace wskemu::test
