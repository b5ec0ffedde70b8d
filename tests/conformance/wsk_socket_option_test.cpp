// Conformance tests of WskControlSocket on connection sockets
// (src/wsk/wsk_socket_control.cpp) against a real loopback peer: the socket,
// TCP and IP options with their Windows numbers and value layouts, the
// backlog ioctls, and the errors (reference §5, §8).
#include <gtest/gtest.h>

#include <wsk.h>

#include <thread>

#include "conformance/support/connection_fixture.hpp"

namespace {

using namespace wskemu::test;
using wskemu::net::address_family;
using wskemu::net::socket_option;

class option_test : public connection_test {
protected:
    // WskSetOption of a ULONG (or `size` bytes at `value`) with an IRP.
    static NTSTATUS set(PWSK_SOCKET s, ULONG level, ULONG code, const void* value, SIZE_T size, irp_call& call) {
        call.arm();
        return call.result(dispatch(s)->Basic.WskControlSocket(s, WskSetOption, code, level, size,
                                                               const_cast<void*>(value), 0, nullptr, nullptr,
                                                               call.irp));
    }
    static NTSTATUS set(PWSK_SOCKET s, ULONG level, ULONG code, ULONG value, irp_call& call) {
        return set(s, level, code, &value, sizeof(value), call);
    }
    static NTSTATUS get(PWSK_SOCKET s, ULONG level, ULONG code, void* value, SIZE_T size, irp_call& call) {
        call.arm();
        return call.result(dispatch(s)->Basic.WskControlSocket(s, WskGetOption, code, level, 0, nullptr, size, value,
                                                               nullptr, call.irp));
    }
    static NTSTATUS ioctl(PWSK_SOCKET s, ULONG code, SIZE_T& out, irp_call& call, SIZE_T size = sizeof(SIZE_T)) {
        call.arm();
        out = 0;
        return call.result(dispatch(s)->Basic.WskControlSocket(s, WskIoctl, code, 0, 0, nullptr, size, &out, nullptr,
                                                               call.irp));
    }
    static wskemu::net::tcp_socket& host(PWSK_SOCKET s) {
        return static_cast<wskemu::wsk::connection_socket*>(s)->host_socket();
    }
    static int host_value(PWSK_SOCKET s, socket_option option) {
        int value = -12345;
        EXPECT_EQ(host(s).get_option(option, value), wskemu::net::error::none);
        return value;
    }
};

#define WSK_OPTION_SUITE(name)                                                                               \
    class name : public option_test {};                                                                      \
    INSTANTIATE_TEST_SUITE_P(Families, name, ::testing::Values(address_family::ipv4, address_family::ipv6), \
                             wskemu::test::family_name)

WSK_OPTION_SUITE(ConnectionSocketOptions);
WSK_OPTION_SUITE(ConnectionBacklogIoctls);

TEST_P(ConnectionSocketOptions, SoLingerCarriesALingerStructure) {
    PWSK_SOCKET s = connected_socket();
    irp_call call;
    LINGER on{1, 7};
    ASSERT_EQ(set(s, SOL_SOCKET, SO_LINGER, &on, sizeof(on), call), STATUS_SUCCESS);
    EXPECT_EQ(host_value(s, socket_option::linger), 7);
    LINGER got{0xFFFF, 0xFFFF};
    ASSERT_EQ(get(s, SOL_SOCKET, SO_LINGER, &got, sizeof(got), call), STATUS_SUCCESS);
    EXPECT_EQ(call.information, sizeof(LINGER));
    EXPECT_EQ(got.l_onoff, 1);
    EXPECT_EQ(got.l_linger, 7);
    LINGER off{0, 0};
    ASSERT_EQ(set(s, SOL_SOCKET, SO_LINGER, &off, sizeof(off), call), STATUS_SUCCESS);
    ASSERT_EQ(get(s, SOL_SOCKET, SO_LINGER, &got, sizeof(got), call), STATUS_SUCCESS);
    EXPECT_EQ(got.l_onoff, 0);
    ULONG small = 1;
    EXPECT_EQ(set(s, SOL_SOCKET, SO_LINGER, &small, 2, call), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(get(s, SOL_SOCKET, SO_LINGER, &got, 2, call), STATUS_INVALID_PARAMETER);
}

TEST_P(ConnectionSocketOptions, TcpKeepAliveTunablesUseTheWindowsNumbers) {
    PWSK_SOCKET s = connected_socket();
    irp_call call;
    struct case_t {
        ULONG code;
        ULONG value;
        socket_option option;
    };
    for (const case_t& c : {case_t{TCP_KEEPALIVE, 45, socket_option::keepalive_idle_seconds},
                            case_t{TCP_KEEPINTVL, 6, socket_option::keepalive_interval_seconds},
                            case_t{TCP_KEEPCNT, 4, socket_option::keepalive_count}}) {
        const NTSTATUS status = set(s, IPPROTO_TCP, c.code, c.value, call);
        if (status == STATUS_NOT_SUPPORTED && wskemu::net::running_under_wine()) {
            continue;  // the host lacks the tunable (docs/net.md)
        }
        ASSERT_EQ(status, STATUS_SUCCESS) << c.code;
        EXPECT_EQ(host_value(s, c.option), static_cast<int>(c.value)) << c.code;
        ULONG got = 0;
        ASSERT_EQ(get(s, IPPROTO_TCP, c.code, &got, sizeof(got), call), STATUS_SUCCESS);
        EXPECT_EQ(got, c.value);
        EXPECT_EQ(call.information, sizeof(ULONG));
    }
    EXPECT_EQ(set(s, IPPROTO_TCP, TCP_KEEPALIVE, 0x80000000u, call), STATUS_INVALID_PARAMETER);
}

TEST_P(ConnectionSocketOptions, TheHopLimitOptionFollowsTheFamily) {
    PWSK_SOCKET s = connected_socket();
    irp_call call;
    const bool v4 = GetParam() == address_family::ipv4;
    const ULONG level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
    const ULONG code = v4 ? IP_TTL : IPV6_UNICAST_HOPS;
    ASSERT_EQ(set(s, level, code, 17, call), STATUS_SUCCESS);
    EXPECT_EQ(host_value(s, socket_option::ttl), 17);
    ULONG got = 0;
    ASSERT_EQ(get(s, level, code, &got, sizeof(got), call), STATUS_SUCCESS);
    EXPECT_EQ(got, 17u);
    EXPECT_EQ(set(s, v4 ? IPPROTO_IPV6 : IPPROTO_IP, v4 ? IPV6_UNICAST_HOPS : IP_TTL, 17, call),
              STATUS_INVALID_PARAMETER)
        << "the other family's level";
}

TEST_P(ConnectionSocketOptions, Ipv6V6OnlyOnlyOnIpv6SocketsAndBeforeBind) {
    PWSK_SOCKET s = make_socket();
    irp_call call;
    if (GetParam() == address_family::ipv4) {
        EXPECT_EQ(set(s, IPPROTO_IPV6, IPV6_V6ONLY, 1, call), STATUS_INVALID_PARAMETER);
        return;
    }
    ASSERT_EQ(set(s, IPPROTO_IPV6, IPV6_V6ONLY, 0, call), STATUS_SUCCESS);
    ULONG got = 7;
    ASSERT_EQ(get(s, IPPROTO_IPV6, IPV6_V6ONLY, &got, sizeof(got), call), STATUS_SUCCESS);
    EXPECT_EQ(got, 0u);
    ASSERT_EQ(set(s, IPPROTO_IPV6, IPV6_V6ONLY, 1, call), STATUS_SUCCESS);
    EXPECT_EQ(host_value(s, socket_option::v6_only), 1);
    ASSERT_EQ(bind(s, wskemu::net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    EXPECT_EQ(set(s, IPPROTO_IPV6, IPV6_V6ONLY, 0, call), STATUS_INVALID_DEVICE_STATE);
}

TEST_P(ConnectionSocketOptions, KeepAliveAndNoDelayRoundTripOnAConnectedSocket) {
    PWSK_SOCKET s = connected_socket();
    irp_call call;
    ULONG got = 0;
    ASSERT_EQ(set(s, SOL_SOCKET, SO_KEEPALIVE, 5, call), STATUS_SUCCESS) << "any non-zero value is on";
    ASSERT_EQ(get(s, SOL_SOCKET, SO_KEEPALIVE, &got, sizeof(got), call), STATUS_SUCCESS);
    EXPECT_EQ(got, 1u);
    ASSERT_EQ(set(s, IPPROTO_TCP, TCP_NODELAY, 0, call), STATUS_SUCCESS);
    ASSERT_EQ(get(s, IPPROTO_TCP, TCP_NODELAY, &got, sizeof(got), call), STATUS_SUCCESS);
    EXPECT_EQ(got, 0u);
}

TEST_P(ConnectionSocketOptions, UnsupportedRequestsFailWithNotSupportedWithOrWithoutAnIrp) {
    PWSK_SOCKET s = connected_socket();
    irp_call call;
    EXPECT_EQ(set(s, SOL_SOCKET, SO_BROADCAST, 1, call), STATUS_NOT_SUPPORTED);
    ULONG value = 1;
    EXPECT_EQ(dispatch(s)->Basic.WskControlSocket(s, WskSetOption, TCP_MAXSEG, IPPROTO_TCP, sizeof(value), &value, 0,
                                                  nullptr, nullptr, nullptr),
              STATUS_NOT_SUPPORTED);
    SIZE_T out = 0;
    EXPECT_EQ(ioctl(s, SIO_WSK_SET_TCP_SILENT_MODE, out, call), STATUS_NOT_SUPPORTED);
    EXPECT_EQ(get(s, SOL_SOCKET, SO_WSK_EVENT_CALLBACK, &value, sizeof(value), call), STATUS_NOT_SUPPORTED);
    EXPECT_EQ(dispatch(s)->Basic.WskControlSocket(s, WskSetOption, SO_KEEPALIVE, SOL_SOCKET, sizeof(value), &value,
                                                  0, nullptr, nullptr, nullptr),
              STATUS_INVALID_PARAMETER)
        << "a supported option without its IRP";
}

TEST_P(ConnectionBacklogIoctls, TheIdealSendBacklogIsTheHostSendBuffer) {
    PWSK_SOCKET s = connected_socket();
    irp_call call;
    SIZE_T ideal = 0;
    ASSERT_EQ(ioctl(s, SIO_WSK_QUERY_IDEAL_SEND_BACKLOG, ideal, call), STATUS_SUCCESS);
    EXPECT_EQ(call.information, sizeof(SIZE_T));
    EXPECT_EQ(ideal, static_cast<SIZE_T>(host_value(s, socket_option::send_buffer_size)));
    EXPECT_GT(ideal, 0u);
}

TEST_P(ConnectionBacklogIoctls, TheReceiveBacklogCountsTheBytesWaiting) {
    PWSK_SOCKET s = connected_socket();
    irp_call call;
    SIZE_T backlog = 1;
    ASSERT_EQ(ioctl(s, SIO_WSK_QUERY_RECEIVE_BACKLOG, backlog, call), STATUS_SUCCESS);
    EXPECT_EQ(backlog, 0u);
    const auto data = pattern(1500);
    ASSERT_TRUE(peer_->send(data.data(), data.size()));
    for (int i = 0; i < 200 && backlog < data.size(); ++i) {
        std::this_thread::sleep_for(5ms);
        ASSERT_EQ(ioctl(s, SIO_WSK_QUERY_RECEIVE_BACKLOG, backlog, call), STATUS_SUCCESS);
    }
    EXPECT_EQ(backlog, data.size());
    EXPECT_EQ(call.information, sizeof(SIZE_T));
}

TEST_P(ConnectionBacklogIoctls, NeedAConnectedSocketAnIrpAndRoomForASizeT) {
    PWSK_SOCKET unconnected = make_socket();
    irp_call call;
    SIZE_T out = 0;
    EXPECT_EQ(ioctl(unconnected, SIO_WSK_QUERY_IDEAL_SEND_BACKLOG, out, call), STATUS_INVALID_DEVICE_STATE);
    PWSK_SOCKET s = connected_socket();
    EXPECT_EQ(ioctl(s, SIO_WSK_QUERY_RECEIVE_BACKLOG, out, call, sizeof(ULONG)), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(dispatch(s)->Basic.WskControlSocket(s, WskIoctl, SIO_WSK_QUERY_IDEAL_SEND_BACKLOG, 0, 0, nullptr,
                                                  sizeof(out), &out, nullptr, nullptr),
              STATUS_INVALID_PARAMETER);
}

}  // namespace
