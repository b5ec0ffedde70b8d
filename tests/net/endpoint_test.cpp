// Tests of src/net/endpoint.hpp: values, parsing, printing, Asio round trip.
#include "net/endpoint.hpp"

#include "net/asio_glue.hpp"

#include "printers.hpp"

#include <gtest/gtest.h>

namespace wskemu::net {
namespace {

TEST(endpoint, LoopbackAndAnyHaveTheExpectedBytes) {
    endpoint v4 = endpoint::loopback(address_family::ipv4, 80);
    EXPECT_EQ(v4.family, address_family::ipv4);
    EXPECT_EQ(v4.address[0], 127);
    EXPECT_EQ(v4.address[3], 1);
    EXPECT_EQ(v4.port, 80);
    EXPECT_EQ(to_string(v4), "127.0.0.1:80");

    endpoint v6 = endpoint::loopback(address_family::ipv6, 443);
    EXPECT_EQ(v6.address[15], 1);
    EXPECT_EQ(to_string(v6), "[::1]:443");

    EXPECT_EQ(to_string(endpoint::any(address_family::ipv4, 7)), "0.0.0.0:7");
    EXPECT_EQ(to_string(endpoint::any(address_family::ipv6, 7)), "[::]:7");
}

TEST(endpoint, ParseAcceptsNumericAddressesOnly) {
    auto v4 = endpoint::parse("10.1.2.3", 9);
    ASSERT_TRUE(v4.has_value());
    EXPECT_EQ(v4->family, address_family::ipv4);
    EXPECT_EQ(v4->address[0], 10);
    EXPECT_EQ(v4->address[3], 3);
    EXPECT_EQ(v4->port, 9);

    auto v6 = endpoint::parse("fe80::1%5", 9);
    ASSERT_TRUE(v6.has_value());
    EXPECT_EQ(v6->family, address_family::ipv6);
    EXPECT_EQ(v6->address[0], 0xfe);
    EXPECT_EQ(v6->address[1], 0x80);
    EXPECT_EQ(v6->scope_id, 5u);
    EXPECT_EQ(to_string(*v6), "[fe80::1%5]:9");

    EXPECT_FALSE(endpoint::parse("localhost").has_value());
    EXPECT_FALSE(endpoint::parse("1.2.3.4.5").has_value());
}

TEST(endpoint, AsioRoundTripKeepsEveryField) {
    endpoint ep = *endpoint::parse("2001:db8::7", 65535);
    ep.scope_id = 3;
    ep.flow_info = 0x12345;
    tcp::endpoint native = to_asio(ep);
    EXPECT_EQ(native.port(), 65535);
    EXPECT_EQ(native.address().to_v6().scope_id(), 3u);
    EXPECT_EQ(from_asio(native), ep);

    endpoint v4 = endpoint::loopback(address_family::ipv4, 1);
    EXPECT_EQ(from_asio(to_asio(v4)), v4);
}

}  // namespace
}  // namespace wskemu::net
