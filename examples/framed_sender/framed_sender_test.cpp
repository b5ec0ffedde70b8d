// Unit tests of the framing layer (framed_sender.c) under every completion
// policy and the faults a send path must survive: pending and inline
// completion, held sends, partial progress then a reset, backpressure, a send
// failing at completion, and an allocation failure at each site.
#include <wskemu/allocation_sweep.hpp>
#include <wskemu/gtest.hpp>
#include <wskemu/loopback_server.hpp>
#include <wskemu/runtime.hpp>

#include "common/loopback_address.hpp"
#include "framed_sender.h"

#include <chrono>
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using wskemu::completion_policy;
using wskemu::operation;
using wskemu::testing::IsStatus;
namespace fault = wskemu::fault;

using message = std::vector<unsigned char>;

// Message i: a size that varies, bytes that depend on i.
message make_message(unsigned i) {
    message m((i * 97) % 1500 + 1);
    for (std::size_t k = 0; k < m.size(); ++k) {
        m[k] = static_cast<unsigned char>(i * 31 + k * 7);
    }
    return m;
}

// The complete frames in a byte stream (a trailing partial frame is left out).
std::vector<message> frames_of(const std::vector<unsigned char>& bytes) {
    std::vector<message> frames;
    std::size_t at = 0;
    while (bytes.size() - at >= 4) {
        const std::size_t length = (std::size_t{bytes[at]} << 24) | (std::size_t{bytes[at + 1]} << 16) |
                                   (std::size_t{bytes[at + 2]} << 8) | bytes[at + 3];
        if (bytes.size() - at - 4 < length) {
            break;
        }
        frames.emplace_back(bytes.begin() + static_cast<std::ptrdiff_t>(at + 4),
                            bytes.begin() + static_cast<std::ptrdiff_t>(at + 4 + length));
        at += 4 + length;
    }
    return frames;
}

// "" when `got` holds exactly `expected`; otherwise where they part.
std::string compare_frames(const std::vector<message>& got, const std::vector<message>& expected) {
    for (std::size_t i = 0; i < std::min(got.size(), expected.size()); ++i) {
        if (got[i] != expected[i]) {
            return "frame " + std::to_string(i) + " differs (" + std::to_string(got[i].size()) + " bytes, expected " +
                   std::to_string(expected[i].size()) + ")";
        }
    }
    if (got.size() != expected.size()) {
        return std::to_string(got.size()) + " frames, expected " + std::to_string(expected.size());
    }
    return "";
}

LARGE_INTEGER relative_ms(long long ms) {
    LARGE_INTEGER t;
    t.QuadPart = -ms * 10000;
    return t;
}

class FramedSender : public wskemu::testing::driver_test {
protected:
    wskemu::runtime& rt() { return wskemu::runtime::instance(); }

    // The sink's address, as a driver would fill it.
    SOCKADDR_STORAGE sink_address(bool ipv6 = false) {
        return wskemu::example::loopback_sockaddr(ipv6, ipv6 ? sink6_.port() : sink_.port());
    }

    PFRAMED_SENDER open(ULONG slots, bool ipv6 = false) {
        SOCKADDR_STORAGE remote = sink_address(ipv6);
        PFRAMED_SENDER sender = nullptr;
        EXPECT_THAT(FramedSenderOpen(reinterpret_cast<PSOCKADDR>(&remote), slots, &sender), IsStatus(STATUS_SUCCESS));
        return sender;
    }

    // Sends messages [first, first + count) and returns their status.
    NTSTATUS send_range(PFRAMED_SENDER sender, unsigned first, unsigned count) {
        for (unsigned i = first; i < first + count; ++i) {
            const message m = make_message(i);
            if (NTSTATUS status = FramedSenderSend(sender, m.data(), static_cast<ULONG>(m.size()), nullptr);
                !NT_SUCCESS(status)) {
                return status;
            }
        }
        return STATUS_SUCCESS;
    }

    // The sink's frames once it holds `bytes` bytes (or after 5 s).
    std::vector<message> frames_received(std::size_t bytes, const wskemu::loopback_server& sink) {
        rt().run_until([&] { return sink.byte_count() >= bytes; }, 5s);
        return frames_of(sink.bytes());
    }

    static std::size_t frame_bytes(unsigned first, unsigned count) {
        std::size_t total = 0;
        for (unsigned i = first; i < first + count; ++i) {
            total += 4 + make_message(i).size();
        }
        return total;
    }

    static std::vector<message> messages(unsigned first, unsigned count) {
        std::vector<message> all;
        for (unsigned i = first; i < first + count; ++i) {
            all.push_back(make_message(i));
        }
        return all;
    }

    wskemu::loopback_server sink_{wskemu::server_behaviour::sink};
    wskemu::loopback_server sink6_{wskemu::server_behaviour::sink, true};
};

TEST_F(FramedSender, DeliversEveryMessageFramedOverIpv4AndIpv6) {
    for (const bool ipv6 : {false, true}) {
        if (!(ipv6 ? sink6_ : sink_).listening()) {
            continue;  // no ::1 here
        }
        PFRAMED_SENDER sender = open(4, ipv6);
        ASSERT_NE(sender, nullptr);
        EXPECT_THAT(send_range(sender, 0, 100), IsStatus(STATUS_SUCCESS));
        EXPECT_THAT(FramedSenderFlush(sender, nullptr), IsStatus(STATUS_SUCCESS));
        FRAMED_SENDER_STATS stats;
        FramedSenderQueryStats(sender, &stats);
        EXPECT_EQ(stats.MessagesSent, 100u);
        EXPECT_EQ(stats.BytesSent, frame_bytes(0, 100));
        FramedSenderClose(sender);
        EXPECT_EQ(compare_frames(frames_received(frame_bytes(0, 100), ipv6 ? sink6_ : sink_), messages(0, 100)), "");
    }
}

TEST_F(FramedSender, EverySendCompletesAfterPendingUnderTheAlwaysPendingPolicy) {
    rt().set_policy(completion_policy::always_pending);
    PFRAMED_SENDER sender = open(4);
    ASSERT_NE(sender, nullptr);
    EXPECT_THAT(send_range(sender, 0, 50), IsStatus(STATUS_SUCCESS));
    EXPECT_THAT(FramedSenderFlush(sender, nullptr), IsStatus(STATUS_SUCCESS));
    FRAMED_SENDER_STATS stats;
    FramedSenderQueryStats(sender, &stats);
    EXPECT_EQ(stats.PendingCompletions, 50u);
    EXPECT_EQ(stats.InlineCompletions, 0u);
    FramedSenderClose(sender);
    EXPECT_EQ(compare_frames(frames_received(frame_bytes(0, 50), sink_), messages(0, 50)), "");
}

TEST_F(FramedSender, EverySendCompletesInlineUnderTheInlinePolicy) {
    rt().set_policy(completion_policy::inline_when_possible);
    PFRAMED_SENDER sender = open(4);
    ASSERT_NE(sender, nullptr);
    EXPECT_THAT(send_range(sender, 0, 50), IsStatus(STATUS_SUCCESS));
    EXPECT_THAT(FramedSenderFlush(sender, nullptr), IsStatus(STATUS_SUCCESS));
    FRAMED_SENDER_STATS stats;
    FramedSenderQueryStats(sender, &stats);
    EXPECT_EQ(stats.InlineCompletions, 50u);
    FramedSenderClose(sender);
    EXPECT_EQ(compare_frames(frames_received(frame_bytes(0, 50), sink_), messages(0, 50)), "");
}

TEST_F(FramedSender, KeepsItsFramesIntactUnderSeededRandomCompletionsSingleThreaded) {
    rt().set_deterministic(true);
    rt().set_policy(completion_policy::random);
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
        rt().set_seed(seed);
        wskemu::loopback_server sink(wskemu::server_behaviour::sink);
        SOCKADDR_STORAGE remote = wskemu::example::loopback_sockaddr(false, sink.port());
        PFRAMED_SENDER sender = nullptr;
        ASSERT_THAT(FramedSenderOpen(reinterpret_cast<PSOCKADDR>(&remote), 3, &sender), IsStatus(STATUS_SUCCESS));
        EXPECT_THAT(send_range(sender, 0, 40), IsStatus(STATUS_SUCCESS));
        EXPECT_THAT(FramedSenderFlush(sender, nullptr), IsStatus(STATUS_SUCCESS));
        FRAMED_SENDER_STATS stats;
        FramedSenderQueryStats(sender, &stats);
        EXPECT_GT(stats.PendingCompletions, 0u) << "seed " << seed;
        EXPECT_GT(stats.InlineCompletions, 0u) << "seed " << seed;
        FramedSenderClose(sender);
        EXPECT_EQ(compare_frames(frames_received(frame_bytes(0, 40), sink), messages(0, 40)), "") << "seed " << seed;
    }
}

TEST_F(FramedSender, HeldSendsKeepTheirSlotsUntilReleased) {
    rt().set_policy(operation::send, completion_policy::hold);
    PFRAMED_SENDER sender = open(2);
    ASSERT_NE(sender, nullptr);
    EXPECT_THAT(send_range(sender, 0, 2), IsStatus(STATUS_SUCCESS));
    const message third = make_message(2);
    LARGE_INTEGER short_wait = relative_ms(50);
    EXPECT_THAT(FramedSenderSend(sender, third.data(), static_cast<ULONG>(third.size()), &short_wait),
                IsStatus(STATUS_TIMEOUT))
        << "both slots are held";
    EXPECT_EQ(rt().held().size(), 2u);
    EXPECT_EQ(sink_.byte_count(), 0u);
    EXPECT_EQ(rt().release_all(), 2u);
    EXPECT_THAT(FramedSenderFlush(sender, nullptr), IsStatus(STATUS_SUCCESS));
    rt().set_policy(operation::send, completion_policy::natural);
    EXPECT_THAT(FramedSenderSend(sender, third.data(), static_cast<ULONG>(third.size()), nullptr),
                IsStatus(STATUS_SUCCESS));
    FramedSenderClose(sender);
    EXPECT_EQ(compare_frames(frames_received(frame_bytes(0, 3), sink_), messages(0, 3)), "");
}

// The connection breaks: the send that crosses the mark completes with
// STATUS_CONNECTION_RESET, later ones with STATUS_FILE_FORCED_CLOSED; which
// completion the driver sees first depends on the completion policy, as it
// would on a machine with several processors.
bool is_broken_connection(NTSTATUS status) {
    return status == STATUS_CONNECTION_RESET || status == STATUS_FILE_FORCED_CLOSED;
}

TEST_F(FramedSender, PartialProgressThenAResetIsReportedAndEveryByteBeforeItArrives) {
    rt().add_fault(fault::peer_reset_after_sent(1000));
    PFRAMED_SENDER sender = open(4);
    ASSERT_NE(sender, nullptr);
    const NTSTATUS sent = send_range(sender, 0, 20);
    EXPECT_TRUE(sent == STATUS_SUCCESS || is_broken_connection(sent)) << wskemu::describe_status(sent);
    EXPECT_TRUE(is_broken_connection(FramedSenderFlush(sender, nullptr)));
    FRAMED_SENDER_STATS stats;
    FramedSenderQueryStats(sender, &stats);
    EXPECT_EQ(stats.BytesSent, 1000u);
    EXPECT_TRUE(is_broken_connection(stats.FirstError)) << wskemu::describe_status(stats.FirstError);
    const message next = make_message(99);
    EXPECT_THAT(FramedSenderSend(sender, next.data(), static_cast<ULONG>(next.size()), nullptr),
                IsStatus(stats.FirstError));
    FramedSenderClose(sender);
    rt().run_until([&] { return sink_.byte_count() >= 1000; }, 5s);
    const auto bytes = sink_.bytes();
    EXPECT_EQ(bytes.size(), 1000u);
    const auto frames = frames_of(bytes);
    EXPECT_EQ(compare_frames(frames, messages(0, static_cast<unsigned>(frames.size()))), "")
        << "whole frames before the reset, in order";
}

TEST_F(FramedSender, BackpressureFillsTheSlotsAndTheFramesGoInOrderOnceThePeerReadsAgain) {
    rt().add_fault(fault::stall_sends());
    PFRAMED_SENDER sender = open(3);
    ASSERT_NE(sender, nullptr);
    EXPECT_THAT(send_range(sender, 0, 3), IsStatus(STATUS_SUCCESS));
    const message fourth = make_message(3);
    LARGE_INTEGER short_wait = relative_ms(50);
    EXPECT_THAT(FramedSenderSend(sender, fourth.data(), static_cast<ULONG>(fourth.size()), &short_wait),
                IsStatus(STATUS_TIMEOUT));
    LARGE_INTEGER no_wait = relative_ms(20);
    EXPECT_THAT(FramedSenderFlush(sender, &no_wait), IsStatus(STATUS_TIMEOUT));
    rt().end_stall();
    EXPECT_THAT(FramedSenderFlush(sender, nullptr), IsStatus(STATUS_SUCCESS));
    EXPECT_THAT(send_range(sender, 3, 5), IsStatus(STATUS_SUCCESS));
    EXPECT_THAT(FramedSenderFlush(sender, nullptr), IsStatus(STATUS_SUCCESS));
    FramedSenderClose(sender);
    EXPECT_EQ(compare_frames(frames_received(frame_bytes(0, 8), sink_), messages(0, 8)), "");
}

TEST_F(FramedSender, ASendFailingAtCompletionIsReportedByFlush) {
    // The failing send is the last one: a send after it would fail at once
    // with STATUS_FILE_FORCED_CLOSED on the connection the abort has broken,
    // and could be the first failure the driver sees.
    rt().set_deterministic(true);
    rt().add_fault(fault::fail(operation::send).nth(2).with(STATUS_CONNECTION_ABORTED).at_completion());
    PFRAMED_SENDER sender = open(4);
    ASSERT_NE(sender, nullptr);
    (void)send_range(sender, 0, 2);
    EXPECT_THAT(FramedSenderFlush(sender, nullptr), IsStatus(STATUS_CONNECTION_ABORTED));
    FRAMED_SENDER_STATS stats;
    FramedSenderQueryStats(sender, &stats);
    EXPECT_THAT(stats.FirstError, IsStatus(STATUS_CONNECTION_ABORTED));
    FramedSenderClose(sender);
}

TEST_F(FramedSender, SurvivesAnAllocationFailureAtEverySiteWithoutLeaking) {
    const auto result = wskemu::sweep_allocation_failures([&] {
        SOCKADDR_STORAGE remote = sink_address();
        PFRAMED_SENDER sender = nullptr;
        if (!NT_SUCCESS(FramedSenderOpen(reinterpret_cast<PSOCKADDR>(&remote), 2, &sender))) {
            return;
        }
        (void)send_range(sender, 0, 3);
        (void)FramedSenderFlush(sender, nullptr);
        FramedSenderClose(sender);
    });
    EXPECT_TRUE(result.clean()) << result.report();
    EXPECT_GE(result.sites.size(), 7u) << result.report();
}

}  // namespace
