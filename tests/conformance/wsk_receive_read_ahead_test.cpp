// Conformance tests of the read-ahead of small WskReceive calls
// (src/wsk/wsk_socket_indications.cpp, receive_ahead_locked; docs/semantics.md,
// "WskReceive reads ahead"): a receive for fewer than 8 KiB reads what the
// host has, up to 64 KiB, and keeps the rest for the next receives. The
// driver must see the same stream as without it: every byte once, in order,
// the peer's close after the last byte, and nothing left allocated.
#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/runtime.hpp>

#include <chrono>
#include <thread>
#include <vector>

#include "conformance/support/connection_fixture.hpp"
#include "support/wsk_test_support.hpp"
#include "wsk/wsk_socket.hpp"

namespace {

using namespace std::chrono_literals;
using namespace wskemu::test;

class WskReceiveReadAhead : public connection_test {
protected:
    static std::size_t kept(PWSK_SOCKET s) { return static_cast<wskemu::wsk::connection_socket*>(s)->kept_bytes(); }

    // Waits until the host holds `bytes` for `s` (the peer's send is on its way).
    static void wait_for_backlog(PWSK_SOCKET s, std::size_t bytes) {
        for (int i = 0; i < 400; ++i) {
            std::size_t available = 0;
            static_cast<wskemu::wsk::connection_socket*>(s)->host_socket().bytes_available(available);
            if (available + kept(s) >= bytes) {
                return;
            }
            std::this_thread::sleep_for(5ms);
        }
        ADD_FAILURE() << "the peer's " << bytes << " bytes did not arrive";
    }

    // One WskReceive of `size` bytes with the synchronous pattern; appends what came to `out`.
    NTSTATUS receive_into(PWSK_SOCKET s, std::size_t size, std::vector<unsigned char>& out,
                          ULONG flags = 0) {
        mdl_buffer buffer(size);
        irp_call call;
        const NTSTATUS returned = receive(s, buffer.wsk_buf(), call, flags);
        if (returned == STATUS_PENDING && !call.wait(10s)) {
            // Bytes that never come: cancelled, so that the buffer outlives the IRP.
            IoCancelIrp(call.irp);
            call.wait();
            ADD_FAILURE() << "a receive of " << size << " bytes waited 10 s after " << out.size() << " bytes";
            last_information_ = 0;
            return STATUS_IO_TIMEOUT;
        }
        const NTSTATUS status = call.result(returned);
        out.insert(out.end(), buffer.bytes.begin(),
                   buffer.bytes.begin() + static_cast<std::ptrdiff_t>(call.information));
        last_information_ = call.information;
        return status;
    }

    // Joins a thread that sends to the driver; after a failed receive the
    // socket is closed first (abortively), so that a send blocked on the
    // driver's window fails and the thread ends.
    void finish(PWSK_SOCKET s, std::thread& sender, bool ok) {
        if (!ok) {
            close(s);
        }
        sender.join();
    }

    // A connected socket for which the host already holds all of `data`.
    PWSK_SOCKET socket_holding(const std::vector<unsigned char>& data) {
        PWSK_SOCKET s = connected_socket();
        EXPECT_TRUE(peer_->send(data.data(), data.size()));
        wait_for_backlog(s, data.size());
        return s;
    }

    std::size_t last_information_ = 0;
};
INSTANTIATE_TEST_SUITE_P(Families, WskReceiveReadAhead,
                         ::testing::Values(address_family::ipv4, address_family::ipv6), family_name);

TEST_P(WskReceiveReadAhead, SmallReceivesGetEveryByteOnceInOrder) {
    PWSK_SOCKET s = connected_socket();
    const auto data = pattern(150000, 3);
    std::thread sender([&] { peer_->send(data.data(), data.size()); });
    const std::size_t sizes[] = {1, 7, 100, 1000, 2047, 4096, 8191, 13};
    std::vector<unsigned char> got;
    bool ok = true;
    for (std::size_t i = 0; ok && got.size() < data.size(); ++i) {
        ok = receive_into(s, sizes[i % std::size(sizes)], got) == STATUS_SUCCESS && last_information_ > 0;
    }
    finish(s, sender, ok);
    ASSERT_TRUE(ok) << "a receive failed or saw the end of the stream after " << got.size() << " bytes";
    ASSERT_EQ(got.size(), data.size());
    EXPECT_EQ(got, data);
    EXPECT_EQ(kept(s), 0u);
}

TEST_P(WskReceiveReadAhead, ASmallReceiveKeepsWhatTheHostHadBeyondItsBuffer) {
    const auto data = pattern(5000, 4);
    PWSK_SOCKET s = socket_holding(data);
    std::vector<unsigned char> got;
    ASSERT_EQ(receive_into(s, 10, got), STATUS_SUCCESS);
    EXPECT_EQ(last_information_, 10u);
    EXPECT_EQ(kept(s), data.size() - 10) << "one host read took the rest";
    // The receive backlog still counts every byte not taken by the driver.
    SIZE_T backlog = 0;
    irp_call call;
    call.arm();
    ASSERT_EQ(call.result(dispatch(s)->Basic.WskControlSocket(s, WskIoctl, SIO_WSK_QUERY_RECEIVE_BACKLOG, 0, 0,
                                                              nullptr, sizeof(backlog), &backlog, nullptr, call.irp)),
              STATUS_SUCCESS);
    EXPECT_EQ(backlog, data.size() - 10);
    // The next receive, small or large, is served from the kept bytes, inline.
    ASSERT_EQ(receive_into(s, 4990, got), STATUS_SUCCESS);
    EXPECT_EQ(got, data);
    EXPECT_EQ(kept(s), 0u);
}

TEST_P(WskReceiveReadAhead, AWaitAllReceiveTakesTheKeptBytesThenTheHostsInOrder) {
    PWSK_SOCKET s = connected_socket();
    const auto data = pattern(300000, 5);
    std::thread sender([&] { peer_->send(data.data(), data.size()); });
    std::vector<unsigned char> got;
    bool ok = receive_into(s, 100, got) == STATUS_SUCCESS;
    ok = ok && receive_into(s, data.size() - got.size(), got, WSK_FLAG_WAITALL) == STATUS_SUCCESS;
    finish(s, sender, ok);
    ASSERT_TRUE(ok);
    EXPECT_EQ(got, data);
    EXPECT_EQ(kept(s), 0u);
}

TEST_P(WskReceiveReadAhead, ThePeersCloseIsSeenOnlyAfterTheLastKeptByte) {
    PWSK_SOCKET s = connected_socket();
    const auto data = pattern(20000, 6);
    ASSERT_TRUE(peer_->send(data.data(), data.size()));
    peer_->shutdown_send();
    wait_for_backlog(s, data.size());
    std::vector<unsigned char> got;
    for (;;) {
        ASSERT_EQ(receive_into(s, 333, got), STATUS_SUCCESS);
        if (last_information_ == 0) {
            break;
        }
        ASSERT_LE(got.size(), data.size());
    }
    EXPECT_EQ(got, data);
    // The end of the stream stays.
    ASSERT_EQ(receive_into(s, 10, got), STATUS_SUCCESS);
    EXPECT_EQ(last_information_, 0u);
}

TEST_P(WskReceiveReadAhead, DrainDiscardsTheKeptBytesToo) {
    const auto data = pattern(3000, 7);
    PWSK_SOCKET s = socket_holding(data);
    std::vector<unsigned char> got;
    ASSERT_EQ(receive_into(s, 20, got), STATUS_SUCCESS);
    ASSERT_GT(kept(s), 0u);
    irp_call drain;
    const NTSTATUS returned = receive(s, WSK_BUF{nullptr, 0, 0}, drain, WSK_FLAG_DRAIN);
    EXPECT_EQ(kept(s), 0u);
    peer_->shutdown_send();
    EXPECT_EQ(drain.result(returned), STATUS_SUCCESS);
    ASSERT_EQ(receive_into(s, 10, got), STATUS_SUCCESS);
    EXPECT_EQ(last_information_, 0u) << "nothing sent before the drain is left";
}

TEST_P(WskReceiveReadAhead, ClosingTheSocketFreesTheKeptBytes) {
    const auto data = pattern(4000, 8);
    PWSK_SOCKET s = socket_holding(data);
    std::vector<unsigned char> got;
    ASSERT_EQ(receive_into(s, 1, got), STATUS_SUCCESS);
    ASSERT_GT(kept(s), 0u);
    EXPECT_EQ(close(s), STATUS_SUCCESS);
    // kernel_test's TearDown fails the test on any block left allocated.
}

TEST_P(WskReceiveReadAhead, TestControlTurnsItOffSoThatByteMarksCountPerCall) {
    wskemu::runtime::instance().set_policy(wskemu::completion_policy::inline_when_possible);
    const auto data = pattern(3000, 9);
    PWSK_SOCKET s = socket_holding(data);
    std::vector<unsigned char> got;
    ASSERT_EQ(receive_into(s, 10, got), STATUS_SUCCESS);
    EXPECT_EQ(kept(s), 0u);
    ASSERT_EQ(receive_into(s, data.size() - 10, got, WSK_FLAG_WAITALL), STATUS_SUCCESS);
    EXPECT_EQ(got, data);
}

TEST_P(WskReceiveReadAhead, ReceivesUpTo8KiBReadAhead) {
    const auto data = pattern(20000, 11);
    PWSK_SOCKET s = socket_holding(data);
    std::vector<unsigned char> got;
    ASSERT_EQ(receive_into(s, 4096, got), STATUS_SUCCESS);
    EXPECT_EQ(kept(s), data.size() - 4096) << "a 4 KiB receive reads ahead";
    ASSERT_EQ(receive_into(s, 8191, got), STATUS_SUCCESS);
    EXPECT_EQ(last_information_, 8191u) << "served from the kept bytes";
    ASSERT_EQ(receive_into(s, data.size() - got.size(), got, WSK_FLAG_WAITALL), STATUS_SUCCESS);
    EXPECT_EQ(got, data);
    EXPECT_EQ(kept(s), 0u);
}

TEST_P(WskReceiveReadAhead, LargerReceivesDoNotReadAhead) {
    const auto data = pattern(20000, 10);
    PWSK_SOCKET s = socket_holding(data);
    std::vector<unsigned char> got;
    ASSERT_EQ(receive_into(s, 8192, got), STATUS_SUCCESS);
    EXPECT_EQ(last_information_, 8192u);
    EXPECT_EQ(kept(s), 0u);
}

}  // namespace
