// Tests of socket options (src/net/socket_option.hpp) on tcp_socket and tcp_listener.
#include "net/socket_option.hpp"

#include "net/tcp_socket.hpp"
#include "peer.hpp"

#include <gtest/gtest.h>

namespace wskemu::net::test {
namespace {

// Sets `option` to `value` and reads it back.
template <typename Socket>
int round_trip(Socket& s, socket_option option, int value) {
    EXPECT_EQ(s.set_option(option, value), error::none) << static_cast<int>(option);
    int read = -12345;
    EXPECT_EQ(s.get_option(option, read), error::none) << static_cast<int>(option);
    return read;
}

// Keep-alive tunables need Windows 10 1709+ or Linux; Wine lacks them. Either
// the option round-trips, or both directions say not_supported.
template <typename Socket>
void round_trip_if_supported(Socket& s, socket_option option, int value) {
    error set = s.set_option(option, value);
    int read = -12345;
    error get = s.get_option(option, read);
    if (set == error::not_supported) {
        EXPECT_EQ(get, error::not_supported) << static_cast<int>(option);
        return;
    }
    EXPECT_EQ(set, error::none) << static_cast<int>(option);
    EXPECT_EQ(get, error::none) << static_cast<int>(option);
    EXPECT_EQ(read, value) << static_cast<int>(option);
}

TEST(socket_option, BooleansAndIntegersRoundTrip) {
    tcp_socket s;
    ASSERT_EQ(s.open(address_family::ipv4), error::none);
    for (socket_option o : {socket_option::no_delay, socket_option::keep_alive, socket_option::reuse_address,
                            socket_option::out_of_band_inline}) {
        EXPECT_EQ(round_trip(s, o, 1), 1) << static_cast<int>(o);
        EXPECT_EQ(round_trip(s, o, 0), 0) << static_cast<int>(o);
    }
    EXPECT_EQ(round_trip(s, socket_option::ttl, 17), 17);
    round_trip_if_supported(s, socket_option::keepalive_idle_seconds, 30);
    round_trip_if_supported(s, socket_option::keepalive_interval_seconds, 5);
    round_trip_if_supported(s, socket_option::keepalive_count, 4);
#if defined(__linux__)
    EXPECT_EQ(round_trip(s, socket_option::keepalive_idle_seconds, 31), 31) << "Linux has TCP_KEEPIDLE";
#endif
    // Hosts round buffer sizes (Linux doubles them): at least what was asked.
    EXPECT_GE(round_trip(s, socket_option::receive_buffer_size, 65536), 65536);
    EXPECT_GE(round_trip(s, socket_option::send_buffer_size, 32768), 32768);
}

TEST(socket_option, LingerEncodesOffAsMinusOne) {
    tcp_socket s;
    ASSERT_EQ(s.open(address_family::ipv4), error::none);
    EXPECT_EQ(round_trip(s, socket_option::linger, 7), 7);
    EXPECT_EQ(round_trip(s, socket_option::linger, 0), 0);
    EXPECT_EQ(round_trip(s, socket_option::linger, -1), -1);
}

TEST(socket_option, V6OnlyBelongsToIpv6Sockets) {
    tcp_socket v4;
    ASSERT_EQ(v4.open(address_family::ipv4), error::none);
    int value = -1;
    EXPECT_EQ(v4.set_option(socket_option::v6_only, 1), error::invalid_argument);
    EXPECT_EQ(v4.get_option(socket_option::v6_only, value), error::invalid_argument);
    if (!ipv6_available()) {
        GTEST_SKIP() << "no IPv6 on this host";
    }
    tcp_listener v6;
    ASSERT_EQ(v6.open(address_family::ipv6), error::none);
    EXPECT_EQ(round_trip(v6, socket_option::v6_only, 1), 1);
    EXPECT_EQ(round_trip(v6, socket_option::v6_only, 0), 0);
    EXPECT_EQ(round_trip(v6, socket_option::ttl, 9), 9);
}

TEST(socket_option, ExclusiveAddressUseExcludesReuseAddress) {
    tcp_listener l;
    ASSERT_EQ(l.open(address_family::ipv4), error::none);
    EXPECT_EQ(round_trip(l, socket_option::exclusive_address_use, 1), 1);
    EXPECT_EQ(l.set_option(socket_option::reuse_address, 1), error::invalid_argument);
    EXPECT_EQ(round_trip(l, socket_option::exclusive_address_use, 0), 0);
    EXPECT_EQ(round_trip(l, socket_option::reuse_address, 1), 1);
    EXPECT_EQ(l.set_option(socket_option::exclusive_address_use, 1), error::invalid_argument);
}

TEST(socket_option, UnopenedSocketReportsNotConnected) {
    tcp_socket s;
    int value = 0;
    EXPECT_EQ(s.set_option(socket_option::no_delay, 1), error::not_connected);
    EXPECT_EQ(s.get_option(socket_option::no_delay, value), error::not_connected);
    EXPECT_FALSE(s.is_open());
}

TEST(socket_option, ConnectedSocketTakesOptionsAndRefusesASecondConnect) {
    peer p(address_family::ipv4, peer::behaviour::sink);
    tcp_socket s;
    ASSERT_EQ(s.open(address_family::ipv4), error::none);
    auto c = make_completion();
    s.async_connect(p.local(), c->status());
    ASSERT_TRUE(c->wait());
    ASSERT_EQ(c->err, error::none);
    EXPECT_EQ(round_trip(s, socket_option::no_delay, 1), 1);
    auto again = make_completion();
    s.async_connect(p.local(), again->status());
    ASSERT_TRUE(again->wait());
    EXPECT_EQ(again->err, error::already_connected);
}

}  // namespace
}  // namespace wskemu::net::test
