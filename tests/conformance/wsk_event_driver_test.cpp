// Runs the C connection-event driver (tests/drivers/wsk_event_driver.c)
// against a real loopback TCP peer: receive indications kept with
// STATUS_PENDING and released by a system worker thread, a partial accept
// followed by a posted WskReceive, WskDisconnectEvent, and the races of a
// callback that still runs with WskCloseSocket and with a disable.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include <wsk.h>

#include <thread>

#include "conformance/support/connection_fixture.hpp"
#include "drivers/wsk_event_driver.h"

namespace {

using namespace wskemu::test;
using wskemu::net::address_family;

class WskEventDriver : public kernel_test, public ::testing::WithParamInterface<address_family> {
protected:
    void SetUp() override {
        kernel_test::SetUp();
        peer_ = std::make_unique<loopback_peer>(GetParam());
        if (!peer_->ok()) {
            GTEST_SKIP() << "no loopback address for this family";
        }
    }
    void TearDown() override {
        if (driver_ != nullptr) {
            stop();
        }
        peer_.reset();
        kernel_test::TearDown();
    }

    void start(WSK_EVENT_DRIVER_MODE mode, std::size_t capacity = 1 << 20) {
        SOCKADDR_STORAGE remote = sockaddr_of(peer_->endpoint());
        ASSERT_EQ(WskEventDriverStart(reinterpret_cast<PSOCKADDR>(&remote), mode, capacity, &driver_),
                  STATUS_SUCCESS);
        ASSERT_TRUE(peer_->accept());
    }
    WSK_EVENT_DRIVER_STATS stop() {
        WSK_EVENT_DRIVER_STATS stats{};
        WskEventDriverStop(driver_, &stats);
        driver_ = nullptr;
        return stats;
    }
    // Sends `data` in pieces of varying size, then the FIN.
    void send_then_close(const std::vector<unsigned char>& data) {
        std::size_t at = 0;
        for (std::size_t piece = 1000; at < data.size(); piece = piece * 3 % 70001 + 1) {
            const std::size_t n = std::min(piece, data.size() - at);
            ASSERT_TRUE(peer_->send(data.data() + at, n));
            at += n;
        }
        peer_->shutdown_send();
    }
    // Where `got` first differs from `want`: "" if equal, else sizes and offset.
    static std::string first_difference(const std::vector<unsigned char>& got, const std::vector<unsigned char>& want) {
        const auto [g, w] = std::mismatch(got.begin(), got.end(), want.begin(), want.end());
        if (g == got.end() && w == want.end()) {
            return "";
        }
        return "got " + std::to_string(got.size()) + " bytes, want " + std::to_string(want.size()) +
               "; first difference at offset " + std::to_string(g - got.begin());
    }
    std::vector<unsigned char> received_after_disconnect() {
        const UCHAR* bytes = nullptr;
        SIZE_T length = 0;
        EXPECT_EQ(WskEventDriverWaitForDisconnect(driver_, 10000, &bytes, &length), STATUS_SUCCESS);
        return {bytes, bytes + length};
    }

    std::unique_ptr<loopback_peer> peer_;
    PWSK_EVENT_DRIVER driver_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(Families, WskEventDriver, ::testing::Values(address_family::ipv4, address_family::ipv6),
                         family_name);

TEST_P(WskEventDriver, RetainedIndicationsAreCopiedAndReleasedByAWorkerThread) {
    start(WskEventDriverRetain);
    const auto data = pattern(600000, 3);
    send_then_close(data);
    EXPECT_EQ(first_difference(received_after_disconnect(), data), "");
    const WSK_EVENT_DRIVER_STATS stats = stop();
    EXPECT_EQ(stats.FirstFailure, STATUS_SUCCESS);
    EXPECT_GT(stats.Retained, 0);
    EXPECT_EQ(stats.Released, stats.Retained) << "every kept list went back through WskRelease";
    EXPECT_EQ(stats.Disconnects, 1);
    EXPECT_EQ(stats.DisconnectFlags, ULONG{WSK_FLAG_AT_DISPATCH_LEVEL}) << "graceful";
    EXPECT_EQ(stats.WrongIrql, 0);
    EXPECT_EQ(stats.Overlaps, 0);
}

TEST_P(WskEventDriver, PartialAcceptThenAPostedReceiveKeepsTheStreamInOrder) {
    start(WskEventDriverPartialAccept);
    const auto data = pattern(300000, 5);
    send_then_close(data);
    EXPECT_EQ(first_difference(received_after_disconnect(), data), "");
    const WSK_EVENT_DRIVER_STATS stats = stop();
    EXPECT_EQ(stats.FirstFailure, STATUS_SUCCESS);
    EXPECT_EQ(stats.PartialAccepts, 1);
    EXPECT_EQ(stats.PostedReceives, 1);
    // Indications resume after the receive; or, when the FIN came while they
    // were stopped, the disconnect is indicated at once and the rest waits
    // for WskReceive (docs/semantics.md, WskDisconnectEvent), which the
    // driver then drains.
    EXPECT_TRUE(stats.Indications > 1 || stats.DrainReceives > 0) << stats.Indications << " " << stats.DrainReceives;
    EXPECT_EQ(stats.Disconnects, 1);
}

TEST_P(WskEventDriver, CloseWhileACallbackRunsWaitsForItAndNoCallbackFollows) {
    start(WskEventDriverHoldFirstCallback);
    const auto data = pattern(5000, 2);
    ASSERT_TRUE(peer_->send(data.data(), data.size()));
    BOOLEAN completed_while_held = TRUE;
    EXPECT_EQ(WskEventDriverCloseWhileHeld(driver_, &completed_while_held), STATUS_SUCCESS);
    EXPECT_FALSE(completed_while_held) << "the close waited for the running callback";
    (void)peer_->send(data.data(), data.size());  // the connection is gone: may fail
    peer_->shutdown_send();
    std::this_thread::sleep_for(100ms);
    const WSK_EVENT_DRIVER_STATS stats = stop();
    EXPECT_EQ(stats.CallbacksAfterClose, 0);
    EXPECT_EQ(stats.Disconnects, 0);
    EXPECT_EQ(stats.Overlaps, 0);
}

TEST_P(WskEventDriver, DisableWithAnIrpWhileACallbackRunsPendsUntilItReturns) {
    start(WskEventDriverHoldFirstCallback);
    const auto data = pattern(100, 2);
    ASSERT_TRUE(peer_->send(data.data(), data.size()));
    NTSTATUS returned = 0;
    BOOLEAN completed_while_held = TRUE;
    EXPECT_EQ(WskEventDriverDisableWhileHeld(driver_, TRUE, &returned, &completed_while_held), STATUS_SUCCESS);
    EXPECT_EQ(returned, STATUS_PENDING);
    EXPECT_FALSE(completed_while_held);
    ASSERT_TRUE(peer_->send(data.data(), data.size()));
    std::this_thread::sleep_for(100ms);
    const WSK_EVENT_DRIVER_STATS stats = stop();
    EXPECT_EQ(stats.Indications, 1) << "none after the disable";
}

TEST_P(WskEventDriver, DisableWithoutAnIrpWhileACallbackRunsGivesEventPending) {
    start(WskEventDriverHoldFirstCallback);
    const auto data = pattern(100, 2);
    ASSERT_TRUE(peer_->send(data.data(), data.size()));
    NTSTATUS returned = 0;
    BOOLEAN completed_while_held = TRUE;
    EXPECT_EQ(WskEventDriverDisableWhileHeld(driver_, FALSE, &returned, &completed_while_held),
              STATUS_EVENT_PENDING);
    EXPECT_EQ(returned, STATUS_EVENT_PENDING);
    const WSK_EVENT_DRIVER_STATS stats = stop();
    EXPECT_EQ(stats.Indications, 1);
}

}  // namespace
