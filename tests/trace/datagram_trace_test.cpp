// Traces of WSK datagram sockets against a real loopback UDP peer: each
// datagram the socket sent (inline and pending WskSendTo) and received
// (WskReceiveFrom inline and pending, WskReceiveFromEvent) is one UDP frame,
// read back byte for byte with the tests' own pcap reader and with tshark when
// installed; each WskReceiveFromEvent call is an instant on the socket's track.
#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/trace.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "conformance/support/datagram_fixture.hpp"
#include "support/pcap_reader.hpp"
#include "trace/timeline_reader.hpp"
#include "trace/trace_test_support.hpp"
#include "wsk/wsk_datagram.hpp"

namespace {

using namespace wskemu::test;
namespace net = wskemu::net;
namespace pcap = wskemu::test::pcap;
namespace trace = wskemu::trace;

// One datagram as the capture must show it.
struct expected_datagram {
    net::endpoint source;
    net::endpoint destination;
    std::vector<unsigned char> payload;
};

class DatagramTrace : public datagram_family_test {
protected:
    void SetUp() override {
        datagram_family_test::SetUp();
        path_ = temporary_path("datagram", ".pcap");
    }
    void TearDown() override {
        trace::stop_capture();
        trace::stop_timeline();
        datagram_family_test::TearDown();
        if (!HasFailure()) {
            std::remove(path_.c_str());
        }
    }

    std::string path_;
    event_recorder recorder_;
};

INSTANTIATE_TEST_SUITE_P(Families, DatagramTrace, ::testing::Values(net::address_family::ipv4,
                                                                    net::address_family::ipv6),
                         family_name);

bool same_address(const std::array<std::uint8_t, 16>& frame_address, const net::endpoint& ep) {
    const std::size_t size = ep.family == net::address_family::ipv4 ? 4 : 16;
    return std::equal(frame_address.begin(), frame_address.begin() + static_cast<std::ptrdiff_t>(size),
                      ep.address.begin());
}

TEST_P(DatagramTrace, EachDatagramSentOrReceivedIsOneUdpFrameByteForByte) {
    ASSERT_TRUE(trace::start_capture(path_));
    PWSK_SOCKET s = bound_socket(family(), &recording_events, &recorder_);
    const net::endpoint local = local_address(s);
    const net::endpoint peer = peer_->endpoint();
    std::vector<expected_datagram> expected;

    // Out: two inline WskSendTo (one empty), one that pends.
    {
        const auto payload = pattern(1200, 1);
        ASSERT_EQ(send_to(s, payload, &peer), STATUS_SUCCESS);
        const auto arrived = peer_->receive();
        ASSERT_TRUE(arrived);
        EXPECT_EQ(arrived->bytes, payload);
        expected.push_back({local, peer, payload});
    }
    {
        WSK_BUF empty{nullptr, 0, 0};
        SOCKADDR_STORAGE to = sockaddr_of(peer);
        irp_call call;
        EXPECT_EQ(call.result(dispatch(s)->WskSendTo(s, &empty, 0, reinterpret_cast<PSOCKADDR>(&to), 0, nullptr,
                                                     call.irp)),
                  STATUS_SUCCESS);
        const auto arrived = peer_->receive();
        ASSERT_TRUE(arrived);
        EXPECT_TRUE(arrived->bytes.empty());
        expected.push_back({local, peer, {}});
    }
    {
        const auto payload = pattern(3000, 2);
        pending_send pending(s, peer, payload);
        ASSERT_EQ(pending.returned, STATUS_PENDING);
        EXPECT_EQ(pending.send.result(pending.returned), STATUS_SUCCESS);
        EXPECT_EQ(pending.send.information, payload.size());
        const auto arrived = peer_->receive();
        ASSERT_TRUE(arrived);
        EXPECT_EQ(arrived->bytes, payload);
        expected.push_back({local, peer, payload});
    }

    // In: one WskReceiveFrom that waits for its datagram, one whose datagram waited.
    {
        const auto payload = pattern(700, 3);
        mdl_buffer buffer(2048);
        WSK_BUF wsk_buf = buffer.wsk_buf();
        irp_call call;
        const NTSTATUS returned =
            dispatch(s)->WskReceiveFrom(s, &wsk_buf, 0, nullptr, nullptr, nullptr, nullptr, call.irp);
        EXPECT_EQ(returned, STATUS_PENDING);
        ASSERT_TRUE(peer_->send_to(payload.data(), payload.size(), local));
        EXPECT_EQ(call.result(returned), STATUS_SUCCESS);
        EXPECT_EQ(call.information, payload.size());
        expected.push_back({peer, local, payload});
    }
    {
        const auto payload = pattern(65, 4);
        ASSERT_TRUE(peer_->send_to(payload.data(), payload.size(), local));
        std::vector<unsigned char> received;
        EXPECT_EQ(receive_from(s, 2048, received), STATUS_SUCCESS);
        EXPECT_EQ(received, payload);
        expected.push_back({peer, local, payload});
    }

    // In through WskReceiveFromEvent.
    ASSERT_EQ(event_control(s, WSK_EVENT_RECEIVE_FROM), STATUS_SUCCESS);
    for (std::size_t i = 0; i < 3; ++i) {
        const auto payload = pattern(100 + 400 * i, static_cast<unsigned>(5 + i));
        ASSERT_TRUE(peer_->send_to(payload.data(), payload.size(), local));
        ASSERT_TRUE(recorder_.wait_for_datagrams(i + 1));
        expected.push_back({peer, local, payload});
    }
    ASSERT_EQ(close(s), STATUS_SUCCESS);
    trace::stop_capture();

    const pcap::file file = pcap::read_file(path_);
    ASSERT_EQ(file.error, "");
    ASSERT_EQ(file.frames.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        SCOPED_TRACE(i);
        const pcap::frame& f = file.frames[i];
        EXPECT_EQ(f.protocol, 17);
        EXPECT_EQ(f.ip_version, family() == net::address_family::ipv4 ? 4 : 6);
        EXPECT_TRUE(f.ip_checksum_ok);
        EXPECT_TRUE(f.transport_checksum_ok);
        EXPECT_TRUE(same_address(f.source, expected[i].source));
        EXPECT_TRUE(same_address(f.destination, expected[i].destination));
        EXPECT_EQ(f.source_port, expected[i].source.port);
        EXPECT_EQ(f.destination_port, expected[i].destination.port);
        EXPECT_EQ(f.payload, expected[i].payload);
    }

    const std::string tshark = tshark_program();
    if (tshark.empty()) {
        return;
    }
    const tshark_fields fields = tshark_udp_fields(tshark, path_);
    ASSERT_TRUE(fields.ran) << fields.output;
    ASSERT_EQ(fields.rows.size(), expected.size()) << fields.output;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(fields.rows[i].source_port, expected[i].source.port);
        EXPECT_EQ(fields.rows[i].destination_port, expected[i].destination.port);
        EXPECT_EQ(fields.rows[i].payload, expected[i].payload) << fields.output.substr(0, 2000);
    }
}

TEST_P(DatagramTrace, EachReceiveFromEventCallIsAnInstantWithWhatItReturnedAndTheBytesIndicated) {
    trace::start_timeline();
    PWSK_SOCKET s = bound_socket(family(), &recording_events, &recorder_);
    const net::endpoint local = local_address(s);
    int call = 0;
    recorder_.behaviour = [&call](PWSK_DATAGRAM_INDICATION) {
        return ++call == 1 ? STATUS_DATA_NOT_ACCEPTED : STATUS_SUCCESS;
    };
    ASSERT_EQ(event_control(s, WSK_EVENT_RECEIVE_FROM), STATUS_SUCCESS);
    const auto payload = pattern(321, 9);
    ASSERT_TRUE(peer_->send_to(payload.data(), payload.size(), local));
    ASSERT_TRUE(recorder_.wait_for_calls(1));
    // Refused: the provider turns the event off and keeps the datagram (after
    // the callback returned), until the event is enabled again.
    auto* socket = static_cast<wskemu::wsk::datagram_socket*>(s);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (socket->kept_datagrams() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_EQ(socket->kept_datagrams(), 1u);
    ASSERT_EQ(event_control(s, WSK_EVENT_RECEIVE_FROM), STATUS_SUCCESS);
    ASSERT_TRUE(recorder_.wait_for_calls(2));
    // The instant is recorded once the callback has returned to the provider.
    parsed_trace t = parse_trace(trace::timeline_json());
    for (int i = 0; i < 10000 && t.named("WskReceiveFromEvent").size() < 2; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        t = parse_trace(trace::timeline_json());
    }
    trace::stop_timeline();

    const double pid = t.pid_named("socket 1: datagram");
    ASSERT_GE(pid, 2) << trace::timeline_json().substr(0, 2000);
    const auto callbacks = t.named("WskReceiveFromEvent");
    ASSERT_EQ(callbacks.size(), 2u);
    EXPECT_EQ(callbacks[0].args["returned"].string(), "STATUS_DATA_NOT_ACCEPTED");
    EXPECT_EQ(callbacks[1].args["returned"].string(), "STATUS_SUCCESS");
    for (const trace_event& e : callbacks) {
        EXPECT_EQ(e.ph, "i");
        EXPECT_EQ(e.pid, pid);
        EXPECT_EQ(e.args["bytes"].number(), static_cast<double>(payload.size()));
        EXPECT_EQ(e.args["event"].string(), "receive_from_event");
    }
    EXPECT_LE(callbacks[0].ts, callbacks[1].ts);
}

}  // namespace
