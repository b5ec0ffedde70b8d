// Runs the C++ WSK test driver (tests/drivers/wsk_sync_driver_cpp.cpp) against
// a loopback echo peer: WskSocketConnect, one large WskSend, WskReceive until
// everything is back, Dispatch->Basic.WskCloseSocket; IPv4 and IPv6.
#include <gtest/gtest.h>

#include <wsk.h>

#include <thread>

#include "conformance/support/loopback_peer.hpp"
#include "drivers/wsk_sync_driver_cpp.h"
#include "support/kernel_fixture.hpp"
#include "wsk/wsk_address.hpp"

namespace {

using wskemu::net::address_family;

class WskSyncDriverCpp : public wskemu::test::kernel_test, public ::testing::WithParamInterface<address_family> {};

TEST_P(WskSyncDriverCpp, EchoesALongTransferByteForByte) {
    wskemu::test::loopback_peer peer(GetParam());
    if (!peer.ok()) {
        GTEST_SKIP() << "no loopback address for this family";
    }
    constexpr ULONG length = 3 * 1024 * 1024 + 17;
    std::thread echo([&] {
        if (peer.accept()) {
            const auto bytes = peer.read(length, std::chrono::seconds(30));
            peer.send(bytes.data(), bytes.size());
        }
    });
    SOCKADDR_STORAGE remote{};
    wskemu::wsk::to_sockaddr(peer.endpoint(), reinterpret_cast<SOCKADDR*>(&remote));
    SIZE_T sent = 0;
    SIZE_T received = 0;
    ULONG mismatches = 0xFFFFFFFF;
    const NTSTATUS status =
        WskSyncDriverCppRun(reinterpret_cast<SOCKADDR*>(&remote), length, &sent, &received, &mismatches);
    echo.join();
    EXPECT_EQ(status, STATUS_SUCCESS);
    EXPECT_EQ(sent, length);
    EXPECT_EQ(received, length);
    EXPECT_EQ(mismatches, 0u);
}

INSTANTIATE_TEST_SUITE_P(Families, WskSyncDriverCpp, ::testing::Values(address_family::ipv4, address_family::ipv6),
                         [](const auto& info) { return info.param == address_family::ipv4 ? "ipv4" : "ipv6"; });

}  // namespace
