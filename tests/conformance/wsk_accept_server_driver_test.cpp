// Runs the C accept server driver (tests/drivers/wsk_accept_server_driver.c)
// against hundreds of concurrent loopback clients, byte-exact, IPv4 and IPv6:
// through WskAccept with the synchronous pattern, and through WskAcceptEvent
// with completion routines that free their IRPs.
#include "conformance/support/listen_fixture.hpp"
#include "drivers/wsk_accept_server_driver.h"

#include <memory>
#include <thread>
#include <vector>

namespace wskemu::test {
namespace {

class WskAcceptServerDriver : public kernel_test, public ::testing::WithParamInterface<net::address_family> {
protected:
    void SetUp() override {
        kernel_test::SetUp();
        if (!listen_test::loopback_available(GetParam())) {
            GTEST_SKIP() << "no loopback address for this family";
        }
    }
    net::address_family family() const { return GetParam(); }

    // `clients` clients connect at once, each sends its own pattern and
    // checks the echo; true if every one got its bytes back.
    bool run_clients(USHORT port_network_order, int clients, ULONG length) {
        const net::endpoint ep =
            net::endpoint::loopback(family(), static_cast<std::uint16_t>(RtlUshortByteSwap(port_network_order)));
        std::vector<std::unique_ptr<loopback_client>> peers;
        for (int i = 0; i < clients; ++i) {
            peers.push_back(std::make_unique<loopback_client>());
            peers.back()->start_connect(family(), ep);
        }
        bool ok = true;
        for (int i = 0; i < clients; ++i) {
            const auto bytes = pattern(length, static_cast<unsigned>(i));
            ok = peers[i]->wait_connected() && peers[i]->send(bytes.data(), bytes.size()) && ok;
        }
        for (int i = 0; i < clients; ++i) {
            const auto bytes = pattern(length, static_cast<unsigned>(i));
            const bool same = peers[i]->read(length) == bytes;
            EXPECT_TRUE(same) << "client " << i;
            ok = ok && same;
        }
        return ok;
    }
};

TEST_P(WskAcceptServerDriver, WskAcceptWithTheKeventPatternServesEveryClientByteExact) {
    constexpr int clients = 100;
    constexpr ULONG length = 1000;
    PWSK_ACCEPT_SERVER server = nullptr;
    USHORT port = 0;
    ASSERT_EQ(WskAcceptServerOpen(windows_family(family()), AcceptServerWithWskAccept, length, &server, &port),
              STATUS_SUCCESS);
    NTSTATUS served = STATUS_UNSUCCESSFUL;
    std::thread driver([&] { served = WskAcceptServerServe(server, clients); });
    EXPECT_TRUE(run_clients(port, clients, length));
    driver.join();
    EXPECT_EQ(served, STATUS_SUCCESS);
    EXPECT_EQ(WskAcceptServerServed(server), static_cast<ULONG>(clients));
    WskAcceptServerClose(server);
}

TEST_P(WskAcceptServerDriver, WskAcceptEventServesHundredsOfConcurrentClientsByteExact) {
    constexpr int clients = 300;
    constexpr ULONG length = 1500;
    PWSK_ACCEPT_SERVER server = nullptr;
    USHORT port = 0;
    ASSERT_EQ(WskAcceptServerOpen(windows_family(family()), AcceptServerWithAcceptEvent, length, &server, &port),
              STATUS_SUCCESS);
    EXPECT_TRUE(run_clients(port, clients, length));
    EXPECT_EQ(WskAcceptServerWait(server, clients, 20000), STATUS_SUCCESS);
    EXPECT_EQ(WskAcceptServerServed(server), static_cast<ULONG>(clients));
    EXPECT_EQ(WskAcceptServerFailures(server), 0u);
    WskAcceptServerClose(server);
}

TEST_P(WskAcceptServerDriver, ClosingWhileConnectionsAreServedWaitsForThem) {
    constexpr ULONG length = 100;
    PWSK_ACCEPT_SERVER server = nullptr;
    USHORT port = 0;
    ASSERT_EQ(WskAcceptServerOpen(windows_family(family()), AcceptServerWithAcceptEvent, length, &server, &port),
              STATUS_SUCCESS);
    // Clients that connect and never send: their receives pend until the
    // peers go; closing the server must not hang on them once they reset.
    const net::endpoint ep = net::endpoint::loopback(family(), static_cast<std::uint16_t>(RtlUshortByteSwap(port)));
    std::vector<std::unique_ptr<loopback_client>> peers;
    for (int i = 0; i < 10; ++i) {
        peers.push_back(std::make_unique<loopback_client>());
        ASSERT_TRUE(peers.back()->connect(family(), ep));
    }
    EXPECT_EQ(WskAcceptServerWait(server, 1, 200), STATUS_TIMEOUT);
    std::thread closer([&] { WskAcceptServerClose(server); });
    std::this_thread::sleep_for(20ms);
    for (auto& peer : peers) {
        peer->reset();
    }
    closer.join();
}

INSTANTIATE_TEST_SUITE_P(Families, WskAcceptServerDriver,
                         ::testing::Values(net::address_family::ipv4, net::address_family::ipv6), listen_family_name);

}  // namespace
}  // namespace wskemu::test
