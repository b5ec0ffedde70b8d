// Unit test of the echo client driver against a real loopback echo server.
#include <gtest/gtest.h>

#include "echo_client_driver.h"
#include "common/loopback_address.hpp"

#include <wskemu/leak_report.hpp>
#include <wskemu/loopback_server.hpp>

namespace {

class EchoClient : public ::testing::TestWithParam<bool> {};

TEST_P(EchoClient, EchoesEveryMessageAndLeaksNothing) {
    const bool ipv6 = GetParam();
    wskemu::loopback_server peer(wskemu::server_behaviour::echo, ipv6);
    if (!peer.listening()) {
        GTEST_SKIP() << "no loopback address for this family";
    }
    const auto mark = wskemu::next_allocation_serial();
    SOCKADDR_STORAGE remote = wskemu::example::loopback_sockaddr(ipv6, peer.port());
    SIZE_T echoed = 0xDEAD;
    EXPECT_EQ(EchoClientRun(reinterpret_cast<PSOCKADDR>(&remote), 4, &echoed), STATUS_SUCCESS);
    // Messages of 1024, 2048, 3072 and 4096 bytes.
    EXPECT_EQ(echoed, 1024u + 2048u + 3072u + 4096u);
    EXPECT_EQ(wskemu::format_leak_report(mark), "");
}

TEST(EchoClientRefused, ReportsTheConnectFailure) {
    std::uint16_t closed_port = 0;
    {
        wskemu::loopback_server gone(wskemu::server_behaviour::echo);
        closed_port = gone.port();
    }
    SOCKADDR_STORAGE remote = wskemu::example::loopback_sockaddr(false, closed_port);
    SIZE_T echoed = 0xDEAD;
    EXPECT_EQ(EchoClientRun(reinterpret_cast<PSOCKADDR>(&remote), 4, &echoed), STATUS_CONNECTION_REFUSED);
    EXPECT_EQ(echoed, 0u);
}

INSTANTIATE_TEST_SUITE_P(Families, EchoClient, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "ipv6" : "ipv4"; });

}  // namespace
