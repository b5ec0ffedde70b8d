// Runs the C echo client driver (tests/drivers/wsk_echo_client_driver.c)
// against a loopback echo peer: the synchronous IRP pattern through WskSocket,
// WskBind, WskConnect, WskGetRemoteAddress, WskSend over MDL chains,
// WskReceive with WSK_FLAG_WAITALL and WskCloseSocket, IPv4 and IPv6.
#include <gtest/gtest.h>

#include <wsk.h>

#include <thread>
#include <vector>

#include "conformance/support/loopback_peer.hpp"
#include "drivers/wsk_echo_client_driver.h"
#include "support/kernel_fixture.hpp"
#include "wsk/wsk_address.hpp"

namespace {

using wskemu::net::address_family;

struct echo_case {
    address_family family;
    ULONG length;
    ULONG rounds;
    ULONG mdl_count;
};

class WskEchoClientDriver : public wskemu::test::kernel_test, public ::testing::WithParamInterface<echo_case> {};

TEST_P(WskEchoClientDriver, EchoesEveryByteThroughWskSendAndWskReceive) {
    const echo_case c = GetParam();
    wskemu::test::loopback_peer peer(c.family);
    if (!peer.ok()) {
        GTEST_SKIP() << "no loopback address for this family";
    }
    const std::size_t total = std::size_t{c.length} * c.rounds;
    std::thread echo([&] {
        if (peer.accept()) {
            const auto bytes = peer.read(total);
            peer.send(bytes.data(), bytes.size());
        }
    });
    std::vector<UCHAR> message(c.length);
    for (ULONG i = 0; i < c.length; ++i) {
        message[i] = static_cast<UCHAR>(i * 7 + 3);
    }
    std::vector<UCHAR> reply(total, 0);
    SOCKADDR_STORAGE remote{};
    wskemu::wsk::to_sockaddr(peer.endpoint(), reinterpret_cast<SOCKADDR*>(&remote));
    WSK_ECHO_CLIENT_RESULT result;
    const NTSTATUS status = WskEchoClientRun(reinterpret_cast<SOCKADDR*>(&remote), message.data(), c.length, c.rounds,
                                             c.mdl_count, reply.data(), &result);
    echo.join();
    EXPECT_EQ(status, STATUS_SUCCESS);
    EXPECT_EQ(result.SocketStatus, STATUS_SUCCESS);
    EXPECT_EQ(result.BindStatus, STATUS_SUCCESS);
    EXPECT_EQ(result.ConnectStatus, STATUS_SUCCESS);
    EXPECT_EQ(result.RemoteAddressStatus, STATUS_SUCCESS);
    EXPECT_TRUE(result.RemotePortMatches);
    EXPECT_EQ(result.SendStatus, STATUS_SUCCESS);
    EXPECT_EQ(result.BytesSent, total);
    EXPECT_EQ(result.ReceiveStatus, STATUS_SUCCESS);
    EXPECT_EQ(result.BytesReceived, total);
    EXPECT_EQ(result.CloseStatus, STATUS_SUCCESS);
    for (std::size_t i = 0; i < total; ++i) {
        if (reply[i] != message[i % c.length]) {
            ADD_FAILURE() << "byte " << i << " differs";
            break;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Cases, WskEchoClientDriver,
                         ::testing::Values(echo_case{address_family::ipv4, 100, 1, 1},
                                           echo_case{address_family::ipv6, 100, 1, 1},
                                           echo_case{address_family::ipv4, 3001, 64, 16},
                                           echo_case{address_family::ipv6, 3001, 64, 16},
                                           echo_case{address_family::ipv4, 65537, 8, 5}),
                         [](const ::testing::TestParamInfo<echo_case>& info) {
                             return std::string(info.param.family == address_family::ipv4 ? "ipv4" : "ipv6") +
                                    "_" + std::to_string(info.param.length) + "x" +
                                    std::to_string(info.param.rounds) + "_" +
                                    std::to_string(info.param.mdl_count) + "mdls";
                         });

}  // namespace
