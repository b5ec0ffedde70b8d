// Unit test of the UDP request/response driver against a real loopback server.
#include <gtest/gtest.h>

#include "common/loopback_address.hpp"
#include "udp_request_response_driver.h"
#include "udp_responder.hpp"

#include <wskemu/leak_report.hpp>

namespace {

class UdpRequestResponse : public ::testing::TestWithParam<bool> {};

TEST_P(UdpRequestResponse, EveryRequestIsAnsweredByteForByteAndNothingLeaks) {
    const bool ipv6 = GetParam();
    wskemu::example::udp_responder server(ipv6);
    if (!server.listening()) {
        GTEST_SKIP() << "no loopback address for this family";
    }
    const auto mark = wskemu::next_allocation_serial();
    SOCKADDR_STORAGE address = wskemu::example::loopback_sockaddr(ipv6, server.port());
    UDP_RR_RESULT result{};
    EXPECT_EQ(UdpRequestResponseRun(reinterpret_cast<PSOCKADDR>(&address), 50, 2000, 3, &result), STATUS_SUCCESS);
    EXPECT_EQ(result.Answered, 50u);
    EXPECT_EQ(result.Retries, 0u);
    EXPECT_EQ(server.answered(), 50u);
    EXPECT_EQ(wskemu::format_leak_report(mark), "");
}

TEST_P(UdpRequestResponse, IgnoredRequestsAreSentAgainAfterTheTimeout) {
    const bool ipv6 = GetParam();
    wskemu::example::udp_responder server(ipv6, 3);
    if (!server.listening()) {
        GTEST_SKIP() << "no loopback address for this family";
    }
    SOCKADDR_STORAGE address = wskemu::example::loopback_sockaddr(ipv6, server.port());
    UDP_RR_RESULT result{};
    EXPECT_EQ(UdpRequestResponseRun(reinterpret_cast<PSOCKADDR>(&address), 9, 250, 3, &result), STATUS_SUCCESS);
    EXPECT_EQ(result.Answered, 9u);
    EXPECT_EQ(result.Retries, 3u) << "requests 3, 6 and 9 went twice";
    EXPECT_EQ(server.dropped(), 3u);
}

TEST_P(UdpRequestResponse, LateDuplicateAnswersAreDroppedAsStale) {
    const bool ipv6 = GetParam();
    wskemu::example::udp_responder server(ipv6, 0, true);
    if (!server.listening()) {
        GTEST_SKIP() << "no loopback address for this family";
    }
    SOCKADDR_STORAGE address = wskemu::example::loopback_sockaddr(ipv6, server.port());
    UDP_RR_RESULT result{};
    EXPECT_EQ(UdpRequestResponseRun(reinterpret_cast<PSOCKADDR>(&address), 10, 2000, 3, &result), STATUS_SUCCESS);
    EXPECT_EQ(result.Answered, 10u);
    EXPECT_EQ(result.Stale, 9u) << "each duplicate but the last arrives while the next request waits";
}

TEST(UdpRequestResponseSilence, ANeverAnsweredRequestEndsWithIoTimeout) {
    std::uint16_t closed_port = 0;
    {
        wskemu::example::udp_responder gone;
        closed_port = gone.port();
    }
    SOCKADDR_STORAGE address = wskemu::example::loopback_sockaddr(false, closed_port);
    UDP_RR_RESULT result{};
    EXPECT_EQ(UdpRequestResponseRun(reinterpret_cast<PSOCKADDR>(&address), 2, 50, 2, &result), STATUS_IO_TIMEOUT);
    EXPECT_EQ(result.Answered, 0u);
    EXPECT_EQ(result.Retries, 1u);
}

INSTANTIATE_TEST_SUITE_P(Families, UdpRequestResponse, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "ipv6" : "ipv4"; });

}  // namespace
