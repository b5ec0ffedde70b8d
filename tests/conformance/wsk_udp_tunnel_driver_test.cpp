// Runs the C UDP tunnel driver (tests/drivers/wsk_udp_tunnel_driver.c):
// WskReceiveFromEvent with retained indications, WskSendMessages over MDL
// chains that end in the indications' own MDLs, WskRelease from the send's
// completion routine, SIO_WSK_SET_REMOTE_ADDRESS, and a teardown that waits
// for everything. The far end is a loopback datagram peer; the application,
// another.
#include <gtest/gtest.h>

#include <wsk.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "conformance/support/datagram_peer.hpp"
#include "drivers/wsk_udp_tunnel_driver.h"
#include "support/kernel_fixture.hpp"
#include "support/wsk_test_support.hpp"
#include "wsk/wsk_address.hpp"

namespace {

using namespace wskemu::test;
using wskemu::net::address_family;
using wskemu::net::endpoint;

class WskUdpTunnelDriver : public kernel_test, public ::testing::WithParamInterface<address_family> {
protected:
    void SetUp() override {
        kernel_test::SetUp();
        far_end_ = std::make_unique<datagram_peer>(GetParam(), datagram_peer::mode::echo);
        application_ = std::make_unique<datagram_peer>(GetParam());
        if (!far_end_->ok() || !application_->ok()) {
            GTEST_SKIP() << "no loopback address for this family";
        }
    }
    void TearDown() override {
        far_end_.reset();
        application_.reset();
        kernel_test::TearDown();
    }

    // Starts the tunnel towards `far`; the address the application sends to.
    endpoint start(const endpoint& far) {
        SOCKADDR_STORAGE remote = sockaddr_of(far);
        SOCKADDR_STORAGE inner{};
        EXPECT_EQ(WskUdpTunnelStart(reinterpret_cast<PSOCKADDR>(&remote), reinterpret_cast<PSOCKADDR>(&inner),
                                    &tunnel_),
                  STATUS_SUCCESS);
        endpoint ep;
        wskemu::wsk::from_sockaddr(reinterpret_cast<PSOCKADDR>(&inner), ep);
        return ep;
    }

    WSK_UDP_TUNNEL_STATS stop() {
        WSK_UDP_TUNNEL_STATS stats{};
        WskUdpTunnelStop(tunnel_, &stats);
        tunnel_ = nullptr;
        return stats;
    }

    std::unique_ptr<datagram_peer> far_end_;
    std::unique_ptr<datagram_peer> application_;
    PWSK_UDP_TUNNEL tunnel_ = nullptr;
};

// Datagram i: its number, then a pattern; 0 to 1,400 bytes of it.
std::vector<unsigned char> datagram(std::uint32_t i) {
    auto bytes = pattern(4 + (i * 37) % 1397, i);
    std::memcpy(bytes.data(), &i, 4);
    return bytes;
}

TEST_P(WskUdpTunnelDriver, ThreeThousandDatagramsGoThroughTheTunnelAndBackByteExact) {
    const endpoint inner = start(far_end_->endpoint());
    ASSERT_NE(tunnel_, nullptr);
    constexpr std::uint32_t count = 3000;
    std::atomic<std::uint32_t> returned{0};
    std::uint32_t bad = 0;
    std::thread receiver([&] {
        for (std::uint32_t i = 0; i < count; ++i) {
            const auto got = application_->receive(10s);
            if (!got) {
                break;
            }
            if (got->bytes != datagram(i) || !(got->source == inner)) {
                ++bad;
            }
            returned = i + 1;
        }
    });
    for (std::uint32_t i = 0; i < count; ++i) {
        const auto bytes = datagram(i);
        ASSERT_TRUE(application_->send_to(bytes.data(), bytes.size(), inner));
        // Paced: at most 64 datagrams in the tunnel.
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (i + 1 - returned.load() > 64 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(20us);
        }
    }
    receiver.join();
    EXPECT_EQ(returned.load(), count) << "datagrams lost in the tunnel";
    EXPECT_EQ(bad, 0u) << "datagrams changed or reordered";
    const WSK_UDP_TUNNEL_STATS stats = stop();
    EXPECT_EQ(stats.Encapsulated, static_cast<LONG>(count));
    EXPECT_EQ(stats.Decapsulated, static_cast<LONG>(count));
    EXPECT_EQ(stats.Rejected, 0);
    EXPECT_EQ(stats.SendFailures, 0);
    EXPECT_EQ(stats.DeadIndications, 0);
    EXPECT_GT(stats.Batches, 0);
    EXPECT_LE(stats.Batches, 2 * static_cast<LONG>(count)) << "one WskSendMessages per indication chain";
    EXPECT_EQ(far_end_->echoed(), count);
}

TEST_P(WskUdpTunnelDriver, EncapsulatesWithASequencedHeaderAndRejectsBadHeadersAndStrangers) {
    datagram_peer far(GetParam());
    ASSERT_TRUE(far.ok());
    const endpoint inner = start(far.endpoint());
    ASSERT_NE(tunnel_, nullptr);
    for (std::uint32_t i = 0; i < 5; ++i) {
        const auto bytes = datagram(i);
        ASSERT_TRUE(application_->send_to(bytes.data(), bytes.size(), inner));
    }
    endpoint outer;
    for (std::uint32_t i = 0; i < 5; ++i) {
        const auto got = far.receive();
        ASSERT_TRUE(got) << "datagram " << i;
        outer = got->source;
        ASSERT_EQ(got->bytes.size(), sizeof(WSK_UDP_TUNNEL_HEADER) + datagram(i).size());
        WSK_UDP_TUNNEL_HEADER header;
        std::memcpy(&header, got->bytes.data(), sizeof(header));
        EXPECT_EQ(RtlUlongByteSwap(header.Magic), static_cast<ULONG>(WSK_UDP_TUNNEL_MAGIC));
        EXPECT_EQ(RtlUlongByteSwap(header.Sequence), i + 1);
        EXPECT_EQ(RtlUlongByteSwap(header.Length), datagram(i).size());
        EXPECT_TRUE(std::equal(got->bytes.begin() + sizeof(header), got->bytes.end(), datagram(i).begin()));
    }
    // From the far end: a bad header (rejected), then a good datagram (forwarded).
    std::vector<unsigned char> bad(sizeof(WSK_UDP_TUNNEL_HEADER) + 3, 0x55);
    ASSERT_TRUE(far.send_to(bad.data(), bad.size(), outer));
    WSK_UDP_TUNNEL_HEADER header{RtlUlongByteSwap(WSK_UDP_TUNNEL_MAGIC), RtlUlongByteSwap(77), RtlUlongByteSwap(5)};
    std::vector<unsigned char> good(sizeof(header));
    std::memcpy(good.data(), &header, sizeof(header));
    good.insert(good.end(), {'h', 'e', 'l', 'l', 'o'});
    // A stranger is not the outer socket's fixed peer: never heard.
    datagram_peer stranger(GetParam());
    ASSERT_TRUE(stranger.send_to(good.data(), good.size(), outer));
    ASSERT_TRUE(far.send_to(good.data(), good.size(), outer));
    const auto back = application_->receive();
    ASSERT_TRUE(back);
    EXPECT_EQ(back->bytes, (std::vector<unsigned char>{'h', 'e', 'l', 'l', 'o'}));
    EXPECT_FALSE(application_->receive(100ms)) << "the stranger's datagram got through";
    const WSK_UDP_TUNNEL_STATS stats = stop();
    EXPECT_EQ(stats.Encapsulated, 5);
    EXPECT_EQ(stats.Decapsulated, 1);
    EXPECT_EQ(stats.Rejected, 1);
}

INSTANTIATE_TEST_SUITE_P(Families, WskUdpTunnelDriver, ::testing::Values(address_family::ipv4, address_family::ipv6),
                         [](const ::testing::TestParamInfo<address_family>& info) {
                             return info.param == address_family::ipv4 ? "ipv4" : "ipv6";
                         });

}  // namespace
