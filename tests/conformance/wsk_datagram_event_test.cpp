// Conformance tests of the receive-from event of WSK datagram sockets and of
// WskRelease (src/wsk/wsk_events.cpp, wsk_datagram_receive.cpp), against real
// loopback UDP peers: enabling and disabling through SO_WSK_EVENT_CALLBACK,
// static events, WSK_DATAGRAM_INDICATION chains, STATUS_SUCCESS /
// STATUS_PENDING / STATUS_DATA_NOT_ACCEPTED, precedence of WskReceiveFrom,
// serialised callbacks, close against a running callback (reference §4).
#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/bug_check.hpp>
#include <wskemu/runtime.hpp>

#include <future>

#include "conformance/support/datagram_fixture.hpp"
#include "wsk/wsk_datagram.hpp"

namespace {

using namespace wskemu::test;
using wskemu::net::address_family;
using wskemu::net::endpoint;

// A gate a callback waits at until the test opens it (host primitives: the
// callback runs at DISPATCH_LEVEL, where a kernel wait with a timeout is not
// allowed).
struct gate {
    std::mutex mutex;
    std::condition_variable cv;
    bool open = false;
    int waiting = 0;
    void wait() {
        std::unique_lock lock(mutex);
        ++waiting;
        cv.notify_all();
        cv.wait_for(lock, 10s, [&] { return open; });
    }
    bool wait_for_waiter() {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, 5s, [&] { return waiting > 0; });
    }
    void release() {
        std::lock_guard lock(mutex);
        open = true;
        cv.notify_all();
    }
};

class event_test : public datagram_family_test {
protected:
    // A socket with the recording callback, bound to loopback, event enabled.
    PWSK_SOCKET event_socket(bool enable = true) {
        PWSK_SOCKET s = bound_socket(family(), &recording_events, &recorder_);
        if (enable) {
            EXPECT_EQ(event_control(s, WSK_EVENT_RECEIVE_FROM), STATUS_SUCCESS);
        }
        return s;
    }
    bool send(PWSK_SOCKET s, const std::vector<unsigned char>& data) {
        return peer_->send_to(data.data(), data.size(), local_address(s));
    }

    event_recorder recorder_;
};

#define WSK_EVENT_SUITE(name)                                                                                       \
    class name : public event_test {};                                                                              \
    INSTANTIATE_TEST_SUITE_P(Families, name,                                                                        \
                             ::testing::Values(wskemu::net::address_family::ipv4, wskemu::net::address_family::ipv6), \
                             wskemu::test::family_name)

WSK_EVENT_SUITE(WskReceiveFromEvent);
WSK_EVENT_SUITE(WskRelease);
WSK_EVENT_SUITE(SoWskEventCallback);

// ---- enabling and disabling -------------------------------------------------------------

TEST_P(SoWskEventCallback, EnablingNeedsNoIrpABoundSocketAndACallback) {
    PWSK_SOCKET unbound = make_socket(family(), &recording_events, &recorder_);
    EXPECT_EQ(event_control(unbound, WSK_EVENT_RECEIVE_FROM), STATUS_INVALID_DEVICE_STATE);
    PWSK_SOCKET s = event_socket(false);
    irp_call call;
    EXPECT_EQ(event_control(s, WSK_EVENT_RECEIVE_FROM, call.irp), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 1) << "the IRP given is completed with the error";
    EXPECT_EQ(call.status, STATUS_INVALID_PARAMETER);
    PWSK_SOCKET no_callback = bound_socket(family());
    EXPECT_EQ(event_control(no_callback, WSK_EVENT_RECEIVE_FROM), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(event_control(s, WSK_EVENT_RECEIVE_FROM), STATUS_SUCCESS);
    EXPECT_EQ(event_control(s, WSK_EVENT_RECEIVE_FROM), STATUS_SUCCESS) << "enabling twice is harmless";
}

TEST_P(SoWskEventCallback, BadRequestsFailWithInvalidParameterOrNotSupported) {
    PWSK_SOCKET s = event_socket(false);
    EXPECT_EQ(event_control(s, 0), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(event_control(s, WSK_EVENT_RECEIVE), STATUS_INVALID_PARAMETER) << "a connection event";
    EXPECT_EQ(event_control(s, WSK_EVENT_ACCEPT), STATUS_INVALID_PARAMETER) << "a listening event";
    EXPECT_EQ(event_control(s, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE_FROM | 0x20000000), STATUS_INVALID_PARAMETER);
    const NPIID extension = {0x12345678, 0x1234, 0x1234, {1, 2, 3, 4, 5, 6, 7, 8}};
    WSK_EVENT_CALLBACK_CONTROL control{const_cast<PNPIID>(&extension), WSK_EVENT_RECEIVE_FROM};
    EXPECT_EQ(dispatch(s)->Basic.WskControlSocket(s, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET,
                                                  sizeof(control), &control, 0, nullptr, nullptr, nullptr),
              STATUS_NOT_SUPPORTED);
    control.NpiId = nullptr;
    EXPECT_EQ(dispatch(s)->Basic.WskControlSocket(s, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET,
                                                  sizeof(control), &control, 0, nullptr, nullptr, nullptr),
              STATUS_INVALID_PARAMETER);
    control.NpiId = const_cast<PNPIID>(&NPI_WSK_INTERFACE_ID);
    EXPECT_EQ(dispatch(s)->Basic.WskControlSocket(s, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET,
                                                  sizeof(control) - 1, &control, 0, nullptr, nullptr, nullptr),
              STATUS_INVALID_PARAMETER);
}

TEST_P(SoWskEventCallback, DisablingStopsIndicationsAndDatagramsWaitForAReceive) {
    PWSK_SOCKET s = event_socket();
    EXPECT_EQ(event_control(s, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE_FROM), STATUS_SUCCESS);
    irp_call call;
    EXPECT_EQ(event_control(s, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE_FROM, call.irp), STATUS_SUCCESS);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.status, STATUS_SUCCESS);
    const auto data = pattern(20, 4);
    ASSERT_TRUE(send(s, data));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(recorder_.count(), 0u) << "indicated while disabled";
    mdl_buffer buffer(64);
    WSK_BUF wsk_buf = buffer.wsk_buf();
    irp_call receive;
    EXPECT_EQ(receive.result(dispatch(s)->WskReceiveFrom(s, &wsk_buf, 0, nullptr, nullptr, nullptr, nullptr,
                                                         receive.irp)),
              STATUS_SUCCESS);
    EXPECT_EQ(receive.information, data.size());
}

TEST_P(SoWskEventCallback, DisablingWhileTheCallbackRunsGivesEventPendingOrPendsTheIrp) {
    gate g;
    recorder_.behaviour = [&](PWSK_DATAGRAM_INDICATION) {
        g.wait();
        return STATUS_SUCCESS;
    };
    PWSK_SOCKET s = event_socket();
    ASSERT_TRUE(send(s, pattern(8)));
    ASSERT_TRUE(g.wait_for_waiter());
    EXPECT_EQ(event_control(s, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE_FROM), STATUS_EVENT_PENDING);
    irp_call call;
    EXPECT_EQ(event_control(s, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE_FROM, call.irp), STATUS_PENDING);
    EXPECT_FALSE(call.wait(100ms)) << "completed while the callback still runs";
    g.release();
    ASSERT_TRUE(call.wait());
    EXPECT_EQ(call.status, STATUS_SUCCESS);
    EXPECT_TRUE(call.pending_returned);
    ASSERT_TRUE(send(s, pattern(8)));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(recorder_.calls, 1) << "an indication after the disable";
}

TEST_P(SoWskEventCallback, DisablingFromInsideTheCallbackPendsItsIrpUntilTheCallbackReturns) {
    PWSK_SOCKET s = event_socket();
    irp_call disable;
    NTSTATUS returned = 0;
    int completed_inside = -1;
    recorder_.behaviour = [&](PWSK_DATAGRAM_INDICATION) {
        returned = event_control(s, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE_FROM, disable.irp);
        completed_inside = disable.calls.load();
        return STATUS_SUCCESS;
    };
    ASSERT_TRUE(send(s, pattern(8)));
    ASSERT_TRUE(disable.wait());
    EXPECT_EQ(returned, STATUS_PENDING);
    EXPECT_EQ(completed_inside, 0) << "completed before the callback returned";
    EXPECT_EQ(disable.status, STATUS_SUCCESS);
}

TEST_P(SoWskEventCallback, StaticEventIsOnFromTheStartAndCannotBeDisabled) {
    ASSERT_EQ(set_static_events(WSK_EVENT_RECEIVE_FROM), STATUS_SUCCESS);
    PWSK_SOCKET s = event_socket(false);
    const auto data = pattern(30, 8);
    ASSERT_TRUE(send(s, data));
    ASSERT_TRUE(recorder_.wait_for_datagrams(1));
    EXPECT_EQ(recorder_.datagrams[0].bytes, data);
    irp_call call;
    EXPECT_EQ(event_control(s, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE_FROM, call.irp), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(event_control(s, WSK_EVENT_RECEIVE_FROM), STATUS_SUCCESS) << "enabling it again is harmless";
}

TEST_P(SoWskEventCallback, AStaticEventWithoutACallbackFailsWskSocket) {
    ASSERT_EQ(set_static_events(WSK_EVENT_RECEIVE_FROM), STATUS_SUCCESS);
    irp_call call;
    EXPECT_EQ(call.result(provider_.Dispatch->WskSocket(provider_.Client, windows_family(family()), SOCK_DGRAM,
                                                        IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, nullptr, nullptr,
                                                        nullptr, nullptr, nullptr, call.irp)),
              STATUS_INVALID_PARAMETER);
}

// ---- indications --------------------------------------------------------------------------

TEST_P(WskReceiveFromEvent, IndicatesEachDatagramWithItsSenderAtDispatchLevel) {
    PWSK_SOCKET s = event_socket();
    std::vector<std::vector<unsigned char>> sent;
    for (unsigned i = 0; i < 3; ++i) {
        sent.push_back(pattern(100 + i * 50, i));
        ASSERT_TRUE(send(s, sent.back()));
        ASSERT_TRUE(recorder_.wait_for_datagrams(i + 1));
    }
    std::lock_guard lock(recorder_.mutex);
    for (unsigned i = 0; i < 3; ++i) {
        EXPECT_EQ(recorder_.datagrams[i].bytes, sent[i]);
        EXPECT_EQ(recorder_.datagrams[i].remote, peer_->endpoint());
        EXPECT_TRUE(recorder_.datagrams[i].control.empty()) << "no control information asked for";
    }
    EXPECT_EQ(recorder_.last_irql, DISPATCH_LEVEL);
    EXPECT_EQ(recorder_.last_flags, static_cast<ULONG>(WSK_FLAG_AT_DISPATCH_LEVEL));
    EXPECT_EQ(recorder_.last_context, &recorder_);
}

TEST_P(WskReceiveFromEvent, AnEmptyDatagramIsIndicatedWithANullMdl) {
    PWSK_SOCKET s = event_socket();
    ASSERT_TRUE(send(s, {}));
    ASSERT_TRUE(recorder_.wait_for_datagrams(1));
    std::lock_guard lock(recorder_.mutex);
    EXPECT_TRUE(recorder_.datagrams[0].mdl_null);
    EXPECT_TRUE(recorder_.datagrams[0].bytes.empty());
}

TEST_P(WskReceiveFromEvent, PacketInfoRidesInTheIndicationsControlInfo) {
    PWSK_SOCKET s = event_socket();
    const bool v4 = family() == address_family::ipv4;
    ASSERT_EQ(set_option(s, v4 ? IPPROTO_IP : IPPROTO_IPV6, v4 ? IP_PKTINFO : IPV6_PKTINFO, 1), STATUS_SUCCESS);
    ASSERT_TRUE(send(s, pattern(5)));
    ASSERT_TRUE(recorder_.wait_for_datagrams(1));
    std::lock_guard lock(recorder_.mutex);
    const auto& control = recorder_.datagrams[0].control;
    const ULONG size = v4 ? sizeof(IN_PKTINFO) : sizeof(IN6_PKTINFO);
    ASSERT_EQ(control.size(), WSA_CMSG_SPACE(size));
    WSACMSGHDR header;
    std::memcpy(&header, control.data(), sizeof(header));
    EXPECT_EQ(header.cmsg_len, WSA_CMSG_LEN(size));
    EXPECT_EQ(header.cmsg_level, v4 ? IPPROTO_IP : IPPROTO_IPV6);
    EXPECT_EQ(header.cmsg_type, v4 ? IP_PKTINFO : IPV6_PKTINFO);
    EXPECT_EQ(std::memcmp(control.data() + 16, endpoint::loopback(family()).address.data(), v4 ? 4 : 16), 0);
}

TEST_P(WskReceiveFromEvent, DatagramsThatQueuedUpDuringACallbackComeAsOneChain) {
    gate g;
    bool first = true;
    recorder_.behaviour = [&](PWSK_DATAGRAM_INDICATION) {
        if (first) {
            first = false;
            g.wait();
        }
        return STATUS_SUCCESS;
    };
    PWSK_SOCKET s = event_socket();
    ASSERT_TRUE(send(s, pattern(10, 0)));
    ASSERT_TRUE(g.wait_for_waiter());
    for (unsigned i = 1; i <= 5; ++i) {
        ASSERT_TRUE(send(s, pattern(10, i)));
    }
    std::this_thread::sleep_for(50ms);
    g.release();
    ASSERT_TRUE(recorder_.wait_for_datagrams(6));
    std::lock_guard lock(recorder_.mutex);
    ASSERT_GE(recorder_.chain_lengths.size(), 2u);
    EXPECT_EQ(recorder_.chain_lengths[0], 1u);
    EXPECT_EQ(recorder_.chain_lengths[1], 5u) << "the five waiting datagrams in one chain";
    for (unsigned i = 0; i < 6; ++i) {
        EXPECT_EQ(recorder_.datagrams[i].bytes, pattern(10, i)) << "in arrival order";
    }
}

TEST_P(WskReceiveFromEvent, DataNotAcceptedDisablesTheEventAndKeepsTheDatagramsUntilItIsReEnabled) {
    std::atomic<int> calls{0};
    recorder_.behaviour = [&](PWSK_DATAGRAM_INDICATION) {
        return ++calls == 1 ? STATUS_DATA_NOT_ACCEPTED : STATUS_SUCCESS;
    };
    PWSK_SOCKET s = event_socket();
    ASSERT_TRUE(send(s, pattern(10, 0)));
    ASSERT_TRUE(recorder_.wait_for_calls(1));
    ASSERT_TRUE(send(s, pattern(10, 1)));
    ASSERT_TRUE(send(s, pattern(10, 2)));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(recorder_.calls, 1) << "indicated while the provider had the event off";
    ASSERT_EQ(event_control(s, WSK_EVENT_RECEIVE_FROM), STATUS_SUCCESS);
    ASSERT_TRUE(recorder_.wait_for_datagrams(4));
    std::lock_guard lock(recorder_.mutex);
    EXPECT_EQ(recorder_.datagrams[1].bytes, pattern(10, 0)) << "the refused datagram comes first";
    EXPECT_EQ(recorder_.datagrams[2].bytes, pattern(10, 1));
    EXPECT_EQ(recorder_.datagrams[3].bytes, pattern(10, 2));
    EXPECT_EQ(recorder_.datagrams[1].remote, peer_->endpoint());
}

TEST_P(WskReceiveFromEvent, RefusedDatagramsGoToTheNextWskReceiveFrom) {
    recorder_.behaviour = [&](PWSK_DATAGRAM_INDICATION) { return STATUS_DATA_NOT_ACCEPTED; };
    PWSK_SOCKET s = event_socket();
    const auto data = pattern(40, 6);
    ASSERT_TRUE(send(s, data));
    ASSERT_TRUE(recorder_.wait_for_calls(1));
    // The callback has returned once the provider has kept the datagram.
    auto* socket = static_cast<wskemu::wsk::datagram_socket*>(s);
    for (int i = 0; i < 500 && socket->kept_datagrams() == 0; ++i) {
        std::this_thread::sleep_for(1ms);
    }
    mdl_buffer buffer(64);
    WSK_BUF wsk_buf = buffer.wsk_buf();
    SOCKADDR_STORAGE remote{};
    irp_call call;
    EXPECT_EQ(dispatch(s)->WskReceiveFrom(s, &wsk_buf, 0, reinterpret_cast<PSOCKADDR>(&remote), nullptr, nullptr,
                                          nullptr, call.irp),
              STATUS_SUCCESS)
        << "the kept datagram completes it inline";
    EXPECT_EQ(call.information, data.size());
    EXPECT_TRUE(std::equal(data.begin(), data.end(), buffer.bytes.begin()));
    endpoint from;
    wskemu::wsk::from_sockaddr(reinterpret_cast<PSOCKADDR>(&remote), from);
    EXPECT_EQ(from, peer_->endpoint());
}

TEST_P(WskReceiveFromEvent, AStaticEventRefusingDropsTheDatagramsAndStaysOn) {
    ASSERT_EQ(set_static_events(WSK_EVENT_RECEIVE_FROM), STATUS_SUCCESS);
    std::atomic<int> calls{0};
    recorder_.behaviour = [&](PWSK_DATAGRAM_INDICATION) {
        return ++calls == 1 ? STATUS_DATA_NOT_ACCEPTED : STATUS_SUCCESS;
    };
    PWSK_SOCKET s = event_socket(false);
    ASSERT_TRUE(send(s, pattern(10, 0)));
    ASSERT_TRUE(recorder_.wait_for_calls(1));
    ASSERT_TRUE(send(s, pattern(10, 1)));
    ASSERT_TRUE(recorder_.wait_for_datagrams(2));
    std::lock_guard lock(recorder_.mutex);
    EXPECT_EQ(recorder_.datagrams[1].bytes, pattern(10, 1)) << "the refused one is not indicated again";
}

TEST_P(WskReceiveFromEvent, APendingWskReceiveFromTakesPrecedence) {
    PWSK_SOCKET s = event_socket();
    mdl_buffer buffer(64);
    WSK_BUF wsk_buf = buffer.wsk_buf();
    irp_call call;
    EXPECT_EQ(dispatch(s)->WskReceiveFrom(s, &wsk_buf, 0, nullptr, nullptr, nullptr, nullptr, call.irp),
              STATUS_PENDING);
    const auto data = pattern(16, 1);
    ASSERT_TRUE(send(s, data));
    ASSERT_TRUE(call.wait());
    EXPECT_EQ(call.status, STATUS_SUCCESS);
    EXPECT_EQ(call.information, data.size());
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(recorder_.count(), 0u) << "the event saw the IRP's datagram";
    ASSERT_TRUE(send(s, pattern(16, 2)));
    ASSERT_TRUE(recorder_.wait_for_datagrams(1)) << "the event resumes once no receive waits";
    EXPECT_EQ(recorder_.datagrams[0].bytes, pattern(16, 2));
}

TEST_P(WskReceiveFromEvent, CallbacksOfOneSocketNeverOverlap) {
    PWSK_SOCKET s = event_socket();
    ASSERT_EQ(set_option(s, SOL_SOCKET, SO_RCVBUF, 1 << 21), STATUS_SUCCESS);
    datagram_peer second(family());
    const endpoint to = local_address(s);
    constexpr int per_sender = 1000;
    std::atomic<std::size_t> sent{0};
    // Two senders at once, paced together: at most 256 datagrams ahead.
    auto flood = [&](datagram_peer& p) {
        for (int i = 0; i < per_sender; ++i) {
            const auto data = pattern(32, static_cast<unsigned>(i));
            p.send_to(data.data(), data.size(), to);
            ++sent;
            const auto deadline = std::chrono::steady_clock::now() + 5s;
            while (sent.load() > recorder_.count() + 256 && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(20us);
            }
        }
    };
    std::thread a([&] { flood(*peer_); });
    std::thread b([&] { flood(second); });
    a.join();
    b.join();
    recorder_.wait_for_datagrams(2 * per_sender, 5s);
    EXPECT_EQ(recorder_.overlaps.load(), 0);
    EXPECT_EQ(recorder_.count(), static_cast<std::size_t>(2 * per_sender)) << "datagrams lost on loopback";
}

TEST_P(WskReceiveFromEvent, FiveThousandPacedDatagramsAreIndicatedEachOnceIntact) {
    PWSK_SOCKET s = event_socket();
    ASSERT_EQ(set_option(s, SOL_SOCKET, SO_RCVBUF, 1 << 20), STATUS_SUCCESS);
    const endpoint to = local_address(s);
    constexpr std::uint32_t count = 5000;
    for (std::uint32_t i = 0; i < count; ++i) {
        auto data = pattern(4 + i % 1400, i);
        std::memcpy(data.data(), &i, 4);
        ASSERT_TRUE(peer_->send_to(data.data(), data.size(), to));
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (i + 1 - recorder_.count() > 128 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(20us);
        }
    }
    ASSERT_TRUE(recorder_.wait_for_datagrams(count)) << "datagrams lost on loopback: " << recorder_.count();
    std::lock_guard lock(recorder_.mutex);
    EXPECT_EQ(recorder_.datagrams.size(), count);
    for (std::uint32_t i = 0; i < count; ++i) {
        auto expected = pattern(4 + i % 1400, i);
        std::memcpy(expected.data(), &i, 4);
        if (recorder_.datagrams[i].bytes != expected) {
            ADD_FAILURE() << "datagram " << i << " differs or came out of order";
            break;
        }
    }
}

TEST_P(WskReceiveFromEvent, CloseWaitsForARunningCallbackAndNoneRunsAfterItCompleted) {
    gate g;
    recorder_.behaviour = [&](PWSK_DATAGRAM_INDICATION) {
        g.wait();
        return STATUS_SUCCESS;
    };
    PWSK_SOCKET s = event_socket();
    const endpoint to = local_address(s);
    ASSERT_TRUE(send(s, pattern(4)));
    ASSERT_TRUE(g.wait_for_waiter());
    open_.clear();
    irp_call close_call;
    EXPECT_EQ(dispatch(s)->Basic.WskCloseSocket(s, close_call.irp), STATUS_PENDING);
    EXPECT_FALSE(close_call.wait(100ms)) << "closed while the callback runs";
    EXPECT_TRUE(wskemu::wsk::is_live_socket(s));
    g.release();
    ASSERT_TRUE(close_call.wait());
    EXPECT_EQ(close_call.status, STATUS_SUCCESS);
    EXPECT_FALSE(wskemu::wsk::is_live_socket(s));
    const int calls = recorder_.calls;
    peer_->send_to("x", 1, to);
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(recorder_.calls, calls) << "a callback after the close completed";
    EXPECT_EQ(recorder_.calls, 1);
}

TEST_P(WskReceiveFromEvent, CloseFromInsideTheCallbackCompletesAfterItReturns) {
    PWSK_SOCKET s = event_socket();
    open_.clear();
    irp_call close_call;
    NTSTATUS returned = 0;
    int completed_inside = -1;
    recorder_.behaviour = [&](PWSK_DATAGRAM_INDICATION) {
        returned = dispatch(s)->Basic.WskCloseSocket(s, close_call.irp);
        completed_inside = close_call.calls.load();
        return STATUS_SUCCESS;
    };
    ASSERT_TRUE(send(s, pattern(4)));
    ASSERT_TRUE(close_call.wait());
    EXPECT_EQ(returned, STATUS_PENDING);
    EXPECT_EQ(completed_inside, 0);
    EXPECT_EQ(close_call.status, STATUS_SUCCESS);
    EXPECT_FALSE(wskemu::wsk::is_live_socket(s));
}

TEST_P(WskReceiveFromEvent, AFailedHostSocketGetsANullIndicationThenCallsFailForcedClosed) {
    PWSK_SOCKET s = event_socket();
    // What a dead transport looks like from here: the host socket is gone.
    static_cast<wskemu::wsk::datagram_socket*>(s)->host_socket().close();
    ASSERT_TRUE(recorder_.wait_for_calls(1));
    EXPECT_EQ(recorder_.null_indications, 1);
    const endpoint to = peer_->endpoint();
    EXPECT_EQ(send_to(s, pattern(3), &to), STATUS_FILE_FORCED_CLOSED);
    mdl_buffer buffer(8);
    WSK_BUF wsk_buf = buffer.wsk_buf();
    irp_call call;
    EXPECT_EQ(call.result(dispatch(s)->WskReceiveFrom(s, &wsk_buf, 0, nullptr, nullptr, nullptr, nullptr,
                                                      call.irp)),
              STATUS_FILE_FORCED_CLOSED);
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(recorder_.null_indications, 1) << "once";
}

// A driver whose WskReceiveFromEvent returns a status it may not; the
// process dies with the verifier's report (the callback runs on an engine
// thread, outside any catch_bug_check).
void run_a_callback_returning_unsuccessful() {
    datagram_peer peer(address_family::ipv4);
    datagram_client client;
    client.start();
    event_recorder recorder;
    recorder.behaviour = [](PWSK_DATAGRAM_INDICATION) { return STATUS_UNSUCCESSFUL; };
    PWSK_SOCKET s = client.bound_socket(address_family::ipv4, &recording_events, &recorder);
    client.event_control(s, WSK_EVENT_RECEIVE_FROM);
    peer.send_to("x", 1, client.local_address(s));
    std::this_thread::sleep_for(10s);
}

TEST(WskReceiveFromEventDeathTest, ABadReturnValueIsAVerifierBugCheck) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(run_a_callback_returning_unsuccessful(), "STOP 0x000000C4.*WskReceiveFromEvent");
}

// ---- WskRelease --------------------------------------------------------------------------------

TEST_P(WskRelease, APendingIndicationStaysValidUntilReleasedOnce) {
    PWSK_DATAGRAM_INDICATION kept = nullptr;
    recorder_.behaviour = [&](PWSK_DATAGRAM_INDICATION list) {
        kept = list;
        return STATUS_PENDING;
    };
    PWSK_SOCKET s = event_socket();
    const auto data = pattern(300, 2);
    ASSERT_TRUE(send(s, data));
    ASSERT_TRUE(recorder_.wait_for_calls(1));
    ASSERT_NE(kept, nullptr);
    auto* socket = static_cast<wskemu::wsk::datagram_socket*>(s);
    EXPECT_EQ(socket->retained_indications(), 1u);
    // Still the driver's to read after the callback returned.
    const auto* bytes = static_cast<const unsigned char*>(
        MmGetSystemAddressForMdlSafe(kept->Buffer.Mdl, NormalPagePriority));
    EXPECT_TRUE(std::equal(data.begin(), data.end(), bytes + kept->Buffer.Offset));
    endpoint from;
    wskemu::wsk::from_sockaddr(kept->RemoteAddress, from);
    EXPECT_EQ(from, peer_->endpoint());
    EXPECT_EQ(dispatch(s)->WskRelease(s, kept), STATUS_SUCCESS);
    EXPECT_EQ(socket->retained_indications(), 0u);
    EXPECT_EQ(dispatch(s)->WskRelease(s, kept), STATUS_INVALID_PARAMETER) << "released already";
    expect_verifier_reports({"indication.released_twice"});
}

TEST_P(WskRelease, NullOrForeignListsFailWithInvalidParameter) {
    PWSK_SOCKET s = event_socket();
    EXPECT_EQ(dispatch(s)->WskRelease(s, nullptr), STATUS_INVALID_PARAMETER);
    WSK_DATAGRAM_INDICATION mine{};
    EXPECT_EQ(dispatch(s)->WskRelease(s, &mine), STATUS_INVALID_PARAMETER);
    expect_verifier_reports({"indication.released_twice"});
}

// Documented: WskRelease takes the DatagramIndication the callback was given.
// Part of a chain is refused and reported; the whole chain then goes.
TEST_P(WskRelease, PartOfARetainedChainIsRefusedAndReportedTheWholeChainIsReleased) {
    gate g;
    PWSK_DATAGRAM_INDICATION kept = nullptr;
    bool first = true;
    recorder_.behaviour = [&](PWSK_DATAGRAM_INDICATION list) {
        if (first) {
            first = false;
            g.wait();
            return STATUS_SUCCESS;
        }
        kept = list;
        return STATUS_PENDING;
    };
    PWSK_SOCKET s = event_socket();
    ASSERT_TRUE(send(s, pattern(4)));
    ASSERT_TRUE(g.wait_for_waiter());
    for (unsigned i = 0; i < 3; ++i) {
        ASSERT_TRUE(send(s, pattern(10, i)));
    }
    std::this_thread::sleep_for(50ms);
    g.release();
    ASSERT_TRUE(recorder_.wait_for_datagrams(4));
    ASSERT_TRUE(recorder_.wait_for_calls(2));
    ASSERT_NE(kept, nullptr);
    ASSERT_NE(kept->Next, nullptr) << "a chain";
    auto* socket = static_cast<wskemu::wsk::datagram_socket*>(s);
    EXPECT_EQ(socket->retained_indications(), 3u);
    EXPECT_EQ(dispatch(s)->WskRelease(s, kept->Next), STATUS_INVALID_PARAMETER);
    expect_verifier_reports({"indication.released_twice"});
    EXPECT_EQ(socket->retained_indications(), 3u) << "nothing released";
    EXPECT_EQ(dispatch(s)->WskRelease(s, kept), STATUS_SUCCESS);
    EXPECT_EQ(socket->retained_indications(), 0u);
}

}  // namespace

// ---- test control on datagram sockets (docs/testing.md) ------------------------------------

namespace {

WSK_EVENT_SUITE(DatagramTestControl);

TEST_P(DatagramTestControl, ANullIndicationFaultTellsTheCallbackTheSocketIsDead) {
    wskemu::runtime::instance().add_fault(wskemu::fault::null_indication(wskemu::operation::receive_from_event));
    PWSK_SOCKET s = event_socket();
    ASSERT_TRUE(send(s, pattern(20)));
    ASSERT_TRUE(recorder_.wait_for_calls(1));
    std::lock_guard lock(recorder_.mutex);
    EXPECT_EQ(recorder_.null_indications, 1);
    EXPECT_TRUE(recorder_.datagrams.empty());
}

TEST_P(DatagramTestControl, WskSendToReturnsPendingUnderTheAlwaysPendingPolicy) {
    wskemu::runtime::instance().set_policy(wskemu::completion_policy::always_pending);
    PWSK_SOCKET s = bound_socket(family());
    const auto data = pattern(30, 3);
    mdl_buffer buffer(data.size());
    std::copy(data.begin(), data.end(), buffer.bytes.begin());
    WSK_BUF wsk_buf = buffer.wsk_buf();
    SOCKADDR_STORAGE to = sockaddr_of(peer_->endpoint());
    irp_call call;
    ASSERT_EQ(dispatch(s)->WskSendTo(s, &wsk_buf, 0, reinterpret_cast<PSOCKADDR>(&to), 0, nullptr, call.irp),
              STATUS_PENDING);
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    EXPECT_EQ(call.information, data.size());
    EXPECT_TRUE(call.pending_returned);
    const auto got = peer_->receive();
    ASSERT_TRUE(got);
    EXPECT_EQ(got->bytes, data);
    EXPECT_EQ(wskemu::runtime::instance().stats(s).bytes_sent, data.size());
}

TEST_P(DatagramTestControl, AnInjectedWskSendToFailureSendsNothing) {
    wskemu::runtime::instance().add_fault(
        wskemu::fault::fail(wskemu::operation::send_to).with(STATUS_HOST_UNREACHABLE).at_completion());
    PWSK_SOCKET s = bound_socket(family());
    const endpoint to = peer_->endpoint();
    EXPECT_EQ(send_to(s, pattern(10), &to), STATUS_HOST_UNREACHABLE);
    EXPECT_FALSE(peer_->receive(100ms)) << "nothing left";
    EXPECT_EQ(send_to(s, pattern(10), &to), STATUS_SUCCESS) << "only the first call fails";
}

}  // namespace
