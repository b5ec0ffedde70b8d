// Unit test of the send loop driver through its control device, as a
// user-mode program drives it: wskemu::driver loads it (DriverEntry), the
// device API opens \\.\WskemuSendLoop and sends the IOCTLs, and a real
// loopback sink checks every byte the loop sent.
#include <gtest/gtest.h>

#include "loopback_sink.hpp"
#include "send_loop.h"

#include <wskemu/device.hpp>
#include <wskemu/driver.hpp>
#include <wskemu/leak_report.hpp>

#include <chrono>
#include <optional>
#include <thread>

extern "C" DRIVER_INITIALIZE DriverEntry;

namespace {

using namespace std::chrono_literals;

// The driver, loaded and started, with its control device open; its leak check.
class SendLoop : public ::testing::TestWithParam<bool> {
protected:
    void SetUp() override {
        mark_ = wskemu::next_allocation_serial();
        driver_.emplace(DriverEntry, "send_loop");
        ASSERT_EQ(driver_->start(), STATUS_SUCCESS);
        auto opened = wskemu::open_device(L"\\\\.\\WskemuSendLoop");
        ASSERT_EQ(opened.status, STATUS_SUCCESS);
        device_ = std::move(opened.handle);
    }

    void TearDown() override {
        device_.close();
        if (driver_) {
            EXPECT_EQ(driver_->unload(), wskemu::driver::unload_result::unloaded);
            EXPECT_TRUE(driver_->leftovers().empty());
            driver_.reset();
        }
        EXPECT_EQ(wskemu::format_leak_report(mark_), "");
    }

    // IOCTL_SEND_LOOP_START with the sink's address.
    wskemu::io_result start(std::uint16_t port, bool ipv6) {
        SOCKADDR_STORAGE remote{};
        std::size_t length = sizeof(SOCKADDR_IN);
        if (ipv6) {
            auto* in6 = reinterpret_cast<SOCKADDR_IN6*>(&remote);
            in6->sin6_family = AF_INET6;
            in6->sin6_port = RtlUshortByteSwap(port);
            in6->sin6_addr.u.Byte[15] = 1;
            length = sizeof(SOCKADDR_IN6);
        } else {
            auto* in = reinterpret_cast<SOCKADDR_IN*>(&remote);
            in->sin_family = AF_INET;
            in->sin_port = RtlUshortByteSwap(port);
            in->sin_addr.s_addr = RtlUlongByteSwap(INADDR_LOOPBACK);
        }
        return wskemu::device_io_control(device_, IOCTL_SEND_LOOP_START,
                                         std::as_bytes(std::span(reinterpret_cast<const char*>(&remote), length)),
                                         {});
    }

    // IOCTL_SEND_LOOP_QUERY or IOCTL_SEND_LOOP_STOP, and the stats they return.
    std::pair<wskemu::io_result, SEND_LOOP_STATS> stats(ULONG code) {
        SEND_LOOP_STATS stats{};
        const auto result = wskemu::device_io_control(device_, code, {}, std::as_writable_bytes(std::span(&stats, 1)));
        return {result, stats};
    }

    std::uint64_t mark_ = 0;
    std::optional<wskemu::driver> driver_;
    wskemu::device_handle device_;
};

TEST_P(SendLoop, StartsSendsInOrderAndStopsOnCommand) {
    const bool ipv6 = GetParam();
    wskemu::example::loopback_sink sink(SEND_LOOP_MESSAGE_SIZE, ipv6);
    if (!sink.listening()) {
        GTEST_SKIP() << "no loopback address for this family";
    }
    ASSERT_EQ(start(sink.port(), ipv6).status, STATUS_SUCCESS);
    ASSERT_TRUE(sink.wait_for_bytes(256 * SEND_LOOP_MESSAGE_SIZE, 10s)) << sink.bytes_received();

    const auto [queried, running] = stats(IOCTL_SEND_LOOP_QUERY);
    EXPECT_EQ(queried.status, STATUS_SUCCESS);
    EXPECT_EQ(queried.information, sizeof(SEND_LOOP_STATS));
    EXPECT_EQ(running.Running, 1u);
    EXPECT_EQ(running.LastStatus, STATUS_PENDING);
    EXPECT_GT(running.Sends, 0u);
    // Only one loop at a time.
    EXPECT_EQ(start(sink.port(), ipv6).status, STATUS_DEVICE_BUSY);

    const auto [stopped, final_stats] = stats(IOCTL_SEND_LOOP_STOP);
    ASSERT_EQ(stopped.status, STATUS_SUCCESS);
    EXPECT_EQ(final_stats.Running, 0u);
    EXPECT_EQ(final_stats.LastStatus, STATUS_SUCCESS);
    EXPECT_EQ(final_stats.BytesSent, std::uint64_t{final_stats.Sends} * SEND_LOOP_MESSAGE_SIZE);
    // The loop closed gracefully: the sink got every byte, in order.
    ASSERT_TRUE(sink.wait_until_all_closed(10s));
    EXPECT_EQ(sink.bytes_received(), final_stats.BytesSent);
    EXPECT_TRUE(sink.payload_ok());
    EXPECT_EQ(sink.connections(), 1u);
    // Stopped already.
    EXPECT_EQ(stats(IOCTL_SEND_LOOP_STOP).first.status, STATUS_INVALID_DEVICE_STATE);
}

TEST_P(SendLoop, RestartsOnANewConnection) {
    const bool ipv6 = GetParam();
    wskemu::example::loopback_sink sink(SEND_LOOP_MESSAGE_SIZE, ipv6);
    if (!sink.listening()) {
        GTEST_SKIP() << "no loopback address for this family";
    }
    for (int round = 1; round <= 2; ++round) {
        ASSERT_EQ(start(sink.port(), ipv6).status, STATUS_SUCCESS);
        ASSERT_TRUE(sink.wait_for_bytes(sink.bytes_received() + SEND_LOOP_MESSAGE_SIZE, 10s));
        ASSERT_EQ(stats(IOCTL_SEND_LOOP_STOP).first.status, STATUS_SUCCESS);
    }
    ASSERT_TRUE(sink.wait_until_all_closed(10s));
    EXPECT_EQ(sink.connections(), 2u);
    EXPECT_TRUE(sink.payload_ok());
}

INSTANTIATE_TEST_SUITE_P(Families, SendLoop, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "ipv6" : "ipv4"; });

using SendLoopControl = SendLoop;

TEST_F(SendLoopControl, ALoopThatCannotConnectEndsWithTheReason) {
    std::uint16_t closed_port = 0;
    {
        wskemu::example::loopback_sink gone(SEND_LOOP_MESSAGE_SIZE);
        closed_port = gone.port();
    }
    ASSERT_EQ(start(closed_port, false).status, STATUS_SUCCESS);
    SEND_LOOP_STATS s{};
    for (int i = 0; i < 500; ++i) {
        s = stats(IOCTL_SEND_LOOP_QUERY).second;
        if (s.Running == 0) {
            break;
        }
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(s.Running, 0u);
    EXPECT_EQ(s.LastStatus, STATUS_CONNECTION_REFUSED);
    EXPECT_EQ(s.Sends, 0u);
    // Stopping a loop that ended by itself returns how it ended.
    const auto [stopped, final_stats] = stats(IOCTL_SEND_LOOP_STOP);
    EXPECT_EQ(stopped.status, STATUS_SUCCESS);
    EXPECT_EQ(final_stats.LastStatus, STATUS_CONNECTION_REFUSED);
}

TEST_F(SendLoopControl, BadRequestsAreRefused) {
    const char garbage[5] = {1, 2, 3, 4, 5};
    EXPECT_EQ(wskemu::device_io_control(device_, IOCTL_SEND_LOOP_START, std::as_bytes(std::span(garbage)), {}).status,
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(stats(IOCTL_SEND_LOOP_STOP).first.status, STATUS_INVALID_DEVICE_STATE);
    SEND_LOOP_STATS small{};
    EXPECT_EQ(wskemu::device_io_control(device_, IOCTL_SEND_LOOP_QUERY, {},
                                        std::as_writable_bytes(std::span(&small, 1)).first(4))
                  .status,
              STATUS_BUFFER_TOO_SMALL);
    EXPECT_EQ(wskemu::device_io_control(device_, IOCTL_SEND_LOOP_QUERY + 0x100, {}, {}).status,
              STATUS_INVALID_DEVICE_REQUEST);
}

TEST_F(SendLoopControl, UnloadStopsARunningLoop) {
    wskemu::example::loopback_sink sink(SEND_LOOP_MESSAGE_SIZE);
    ASSERT_TRUE(sink.listening());
    ASSERT_EQ(start(sink.port(), false).status, STATUS_SUCCESS);
    ASSERT_TRUE(sink.wait_for_bytes(SEND_LOOP_MESSAGE_SIZE, 10s));
    // TearDown closes the handle and unloads with the loop running; the
    // leak check there shows the loop released everything.
    device_.close();
    EXPECT_EQ(driver_->unload(), wskemu::driver::unload_result::unloaded);
    ASSERT_TRUE(sink.wait_until_all_closed(10s));
    EXPECT_TRUE(sink.payload_ok());
    driver_.reset();
}

}  // namespace
