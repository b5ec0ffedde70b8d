// The packet capture (include/wskemu/trace.hpp, docs/traces.md): what a
// connection socket sent and received, as TCP frames in a pcap file, read
// back with an independent parser (tests/support/pcap_reader.hpp) and, when
// installed, with tshark.
#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/runtime.hpp>
#include <wskemu/trace.hpp>

#include <chrono>
#include <cstdio>
#include <thread>
#include <string>
#include <vector>

#include "conformance/support/connection_fixture.hpp"
#include "support/pcap_reader.hpp"
#include "trace/hooks.hpp"
#include "trace/trace_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using namespace wskemu::test;
namespace net = wskemu::net;
namespace pcap = wskemu::test::pcap;
namespace trace = wskemu::trace;

constexpr std::uint8_t syn = 0x02, rst = 0x04, ack = 0x10;

class Capture : public connection_test {
protected:
    void SetUp() override {
        connection_test::SetUp();
        path_ = temporary_path("capture", ".pcap");
    }

    void TearDown() override {
        trace::stop_capture();
        connection_test::TearDown();
        if (!HasFailure()) {
            std::remove(path_.c_str());
        }
    }

    net::endpoint local_endpoint(PWSK_SOCKET s) {
        net::endpoint ep;
        static_cast<wskemu::wsk::connection_socket*>(s)->host_socket().local_endpoint(ep);
        return ep;
    }

    // The capture's one TCP connection, checked for consistency.
    pcap::tcp_connection only_connection(const pcap::file& file) {
        EXPECT_EQ(file.error, "");
        auto connections = pcap::reassemble(file);
        EXPECT_EQ(connections.size(), 1u);
        if (connections.empty()) {
            return {};
        }
        for (const std::string& problem : connections[0].problems) {
            ADD_FAILURE() << problem;
        }
        return connections[0];
    }

    // Sends `bytes` with WskSend from an MDL; the status.
    NTSTATUS send_bytes(PWSK_SOCKET s, const std::vector<unsigned char>& bytes) {
        mdl_buffer buffer(bytes.size());
        buffer.bytes = bytes;
        irp_call call;
        return call.result(send(s, buffer.wsk_buf(), call));
    }

    // Receives exactly `size` bytes with WSK_FLAG_WAITALL.
    std::vector<unsigned char> receive_bytes(PWSK_SOCKET s, std::size_t size) {
        mdl_buffer buffer(size);
        irp_call call;
        EXPECT_EQ(call.result(receive(s, buffer.wsk_buf(), call, WSK_FLAG_WAITALL)), STATUS_SUCCESS);
        buffer.bytes.resize(call.information);
        return buffer.bytes;
    }

    NTSTATUS disconnect(PWSK_SOCKET s) {
        irp_call call;
        return call.result(dispatch(s)->WskDisconnect(s, nullptr, 0, call.irp));
    }

    // One conversation: sends (inline and pending, one above a segment's
    // size), the peer's answer, a graceful close both ways.
    void converse(PWSK_SOCKET s, std::vector<unsigned char>& sent, std::vector<unsigned char>& answered) {
        const auto first = pattern(10, 1);
        const auto large = pattern(150000, 2);
        const auto last = pattern(777, 3);
        ASSERT_EQ(send_bytes(s, first), STATUS_SUCCESS);
        ASSERT_EQ(send_bytes(s, large), STATUS_SUCCESS);
        wskemu::runtime::instance().set_policy(wskemu::operation::send, wskemu::completion_policy::always_pending);
        ASSERT_EQ(send_bytes(s, last), STATUS_SUCCESS);
        wskemu::runtime::instance().set_policy(wskemu::operation::send, wskemu::completion_policy::natural);
        sent = first;
        sent.insert(sent.end(), large.begin(), large.end());
        sent.insert(sent.end(), last.begin(), last.end());
        ASSERT_EQ(peer_->read(sent.size()), sent);

        answered = pattern(70001, 4);
        ASSERT_TRUE(peer_->send(answered.data(), answered.size()));
        ASSERT_EQ(receive_bytes(s, answered.size()), answered);

        ASSERT_EQ(disconnect(s), STATUS_SUCCESS);
        EXPECT_TRUE(peer_->read(1).empty());
        EXPECT_EQ(peer_->last_read_error(), net::error::end_of_stream);
        peer_->shutdown_send();
        mdl_buffer tail(16);
        irp_call call;
        ASSERT_EQ(call.result(receive(s, tail.wsk_buf(), call)), STATUS_SUCCESS);
        EXPECT_EQ(call.information, 0u) << "the peer's FIN";
        ASSERT_EQ(close(s), STATUS_SUCCESS);
    }

    std::string path_;
};

INSTANTIATE_TEST_SUITE_P(Families, Capture, ::testing::Values(address_family::ipv4, address_family::ipv6),
                         family_name);

TEST_P(Capture, EachDirectionReassemblesByteForByteWithConsistentSequenceNumbers) {
    ASSERT_TRUE(trace::start_capture(path_));
    EXPECT_TRUE(trace::capturing());
    PWSK_SOCKET s = connected_socket();
    const net::endpoint local = local_endpoint(s);
    std::vector<unsigned char> sent, answered;
    converse(s, sent, answered);
    const auto counts = trace::capture_size();
    trace::stop_capture();
    EXPECT_FALSE(trace::capturing());

    const pcap::file file = pcap::read_file(path_);
    ASSERT_EQ(file.error, "");
    EXPECT_EQ(file.version_major, 2);
    EXPECT_EQ(file.version_minor, 4);
    EXPECT_EQ(file.linktype, 101u) << "LINKTYPE_RAW";
    EXPECT_GE(file.snaplen, 65535u);
    EXPECT_EQ(file.frames.size(), counts.frames);
    EXPECT_EQ(counts.payload_bytes, sent.size() + answered.size());

    const int version = GetParam() == address_family::ipv4 ? 4 : 6;
    for (std::size_t i = 0; i < file.frames.size(); ++i) {
        const pcap::frame& f = file.frames[i];
        EXPECT_EQ(f.ip_version, version);
        EXPECT_EQ(f.protocol, 6);
        EXPECT_TRUE(f.ip_checksum_ok && f.transport_checksum_ok) << "frame " << i;
        if (i > 0) {
            const pcap::frame& before = file.frames[i - 1];
            EXPECT_GE(std::uint64_t{f.seconds} * 1000000 + f.microseconds,
                      std::uint64_t{before.seconds} * 1000000 + before.microseconds);
        }
    }

    // The handshake: SYN (with MSS and window scale), SYN-ACK, ACK.
    ASSERT_GE(file.frames.size(), 3u);
    const pcap::frame& a = file.frames[0];
    const pcap::frame& b = file.frames[1];
    const pcap::frame& c = file.frames[2];
    EXPECT_EQ(a.flags, syn);
    EXPECT_EQ(a.source_port, local.port);
    EXPECT_EQ(a.destination_port, peer_->endpoint().port);
    const std::size_t address_size = version == 4 ? 4 : 16;
    EXPECT_TRUE(std::equal(a.source.begin(), a.source.begin() + address_size, local.address.begin()));
    EXPECT_TRUE(std::equal(a.destination.begin(), a.destination.begin() + address_size,
                           peer_->endpoint().address.begin()));
    ASSERT_EQ(a.options.size(), 8u);
    EXPECT_EQ(a.options[0], 2) << "MSS";
    EXPECT_EQ(a.options[5], 3) << "window scale";
    EXPECT_EQ(b.flags, syn | ack);
    EXPECT_EQ(b.ack, a.seq + 1);
    EXPECT_EQ(c.flags, ack);
    EXPECT_EQ(c.seq, a.seq + 1);
    EXPECT_EQ(c.ack, b.seq + 1);

    const pcap::tcp_connection connection = only_connection(file);
    EXPECT_EQ(connection.from_client.bytes, sent);
    EXPECT_EQ(connection.from_server.bytes, answered);
    EXPECT_TRUE(connection.from_client.syn && connection.from_server.syn);
    EXPECT_TRUE(connection.from_client.fin && connection.from_server.fin);
    EXPECT_FALSE(connection.from_client.rst || connection.from_server.rst);
    EXPECT_LE(connection.from_client.largest_segment, 65483u);
    EXPECT_GE(connection.from_client.data_segments, 4u) << "150,000 bytes need three segments";
    // The last frame acknowledges the peer's FIN.
    const pcap::frame& end = file.frames.back();
    EXPECT_EQ(end.flags, ack);
    EXPECT_EQ(end.ack, connection.from_server.next);
}

TEST_P(Capture, DeterministicModeCapturesAndTimesTheSameConversation) {
    wskemu::runtime::instance().set_deterministic(true);
    ASSERT_TRUE(trace::start_capture(path_));
    trace::start_timeline();
    PWSK_SOCKET s = connected_socket();
    std::vector<unsigned char> sent, answered;
    converse(s, sent, answered);
    trace::stop_capture();
    const trace::timeline_counts timeline = trace::timeline_size();
    trace::stop_timeline();
    wskemu::runtime::instance().set_deterministic(false);

    const pcap::tcp_connection connection = only_connection(pcap::read_file(path_));
    EXPECT_EQ(connection.from_client.bytes, sent);
    EXPECT_EQ(connection.from_server.bytes, answered);
    EXPECT_TRUE(connection.from_client.fin && connection.from_server.fin);
    EXPECT_GE(timeline.events, 9u) << "socket, bind, connect, three sends, two receives, disconnect, close";
    EXPECT_EQ(timeline.open_irps, 0u);
}

TEST_P(Capture, AnAbortiveCloseEndsTheConnectionWithOurReset) {
    ASSERT_TRUE(trace::start_capture(path_));
    PWSK_SOCKET s = connected_socket();
    const std::uint16_t local_port = local_endpoint(s).port;
    const auto bytes = pattern(1000, 5);
    ASSERT_EQ(send_bytes(s, bytes), STATUS_SUCCESS);
    ASSERT_EQ(peer_->read(bytes.size()), bytes);
    ASSERT_EQ(close(s), STATUS_SUCCESS);  // not disconnected: abortive
    trace::stop_capture();

    const pcap::file file = pcap::read_file(path_);
    const pcap::tcp_connection connection = only_connection(file);
    EXPECT_EQ(connection.from_client.bytes, bytes);
    EXPECT_TRUE(connection.from_client.rst);
    EXPECT_FALSE(connection.from_server.rst);
    ASSERT_FALSE(file.frames.empty());
    EXPECT_EQ(file.frames.back().flags, rst | ack);
    EXPECT_EQ(file.frames.back().source_port, local_port);
}

TEST_P(Capture, APeerResetShowsAsItsResetAfterItsData) {
    ASSERT_TRUE(trace::start_capture(path_));
    PWSK_SOCKET s = connected_socket();
    const auto bytes = pattern(300, 6);
    ASSERT_TRUE(peer_->send(bytes.data(), bytes.size()));
    ASSERT_EQ(receive_bytes(s, bytes.size()), bytes);
    peer_->reset();
    mdl_buffer into(16);
    irp_call call;
    const NTSTATUS received = call.result(receive(s, into.wsk_buf(), call));
    if (received == STATUS_SUCCESS && call.information == 0 && net::running_under_wine()) {
        GTEST_SKIP() << "under Wine the peer's linger-0 close reached us as a FIN";
    }
    EXPECT_EQ(received, STATUS_CONNECTION_RESET);
    ASSERT_EQ(close(s), STATUS_SUCCESS);
    trace::stop_capture();

    const pcap::file file = pcap::read_file(path_);
    const pcap::tcp_connection connection = only_connection(file);
    EXPECT_EQ(connection.from_server.bytes, bytes);
    EXPECT_TRUE(connection.from_server.rst) << "the peer's RST";
    EXPECT_FALSE(connection.from_client.rst) << "nothing follows a RST, our close included";
}

TEST_P(Capture, WskConnectExDataAreTheFirstBytesAfterTheHandshake) {
    ASSERT_TRUE(trace::start_capture(path_));
    PWSK_SOCKET s = make_socket();
    ASSERT_EQ(bind(s, net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    const auto initial = pattern(1200, 7);
    mdl_buffer buffer(initial.size());
    buffer.bytes = initial;
    WSK_BUF wsk_buf = buffer.wsk_buf();
    SOCKADDR_STORAGE remote = sockaddr_of(peer_->endpoint());
    irp_call call;
    const NTSTATUS returned =
        dispatch(s)->WskConnectEx(s, reinterpret_cast<PSOCKADDR>(&remote), &wsk_buf, 0, call.irp);
    ASSERT_TRUE(peer_->accept());
    ASSERT_EQ(call.result(returned), STATUS_SUCCESS);
    ASSERT_EQ(peer_->read(initial.size()), initial);
    const auto more = pattern(50, 8);
    ASSERT_EQ(send_bytes(s, more), STATUS_SUCCESS);
    ASSERT_EQ(peer_->read(more.size()), more);
    ASSERT_EQ(close(s), STATUS_SUCCESS);
    trace::stop_capture();

    const pcap::file file = pcap::read_file(path_);
    const pcap::tcp_connection connection = only_connection(file);
    ASSERT_GE(file.frames.size(), 4u);
    EXPECT_EQ(file.frames[3].payload, initial) << "the frame after the handshake carries WskConnectEx's data";
    auto expected = initial;
    expected.insert(expected.end(), more.begin(), more.end());
    EXPECT_EQ(connection.from_client.bytes, expected);
}

TEST_P(Capture, AConnectionOpenedBeforeTheCaptureJoinsItWithoutAHandshake) {
    PWSK_SOCKET s = connected_socket();
    const auto before = pattern(64, 9);
    ASSERT_EQ(send_bytes(s, before), STATUS_SUCCESS);
    ASSERT_EQ(peer_->read(before.size()), before);
    ASSERT_TRUE(trace::start_capture(path_));
    const auto after = pattern(4000, 10);
    ASSERT_EQ(send_bytes(s, after), STATUS_SUCCESS);
    ASSERT_EQ(peer_->read(after.size()), after);
    const auto reply = pattern(99, 11);
    ASSERT_TRUE(peer_->send(reply.data(), reply.size()));
    ASSERT_EQ(receive_bytes(s, reply.size()), reply);
    trace::stop_capture();

    const pcap::file file = pcap::read_file(path_);
    const pcap::tcp_connection connection = only_connection(file);
    EXPECT_FALSE(connection.from_client.syn);
    EXPECT_EQ(connection.from_client.bytes, after) << "only what moved while capturing";
    EXPECT_EQ(connection.from_server.bytes, reply);
    EXPECT_FALSE(connection.from_client.fin || connection.from_client.rst) << "stop_capture invents no end";
}

TEST_P(Capture, BytesAReceiveDrainsAreCapturedAsThePeersData) {
    ASSERT_TRUE(trace::start_capture(path_));
    PWSK_SOCKET s = connected_socket();
    const auto bytes = pattern(5000, 14);
    ASSERT_TRUE(peer_->send(bytes.data(), bytes.size()));
    irp_call drain;
    WSK_BUF nothing{nullptr, 0, 0};
    ASSERT_EQ(receive(s, nothing, drain, WSK_FLAG_DRAIN), STATUS_PENDING);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (trace::capture_size().payload_bytes < bytes.size() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
    }
    IoCancelIrp(drain.irp);
    EXPECT_EQ(drain.result(STATUS_PENDING), STATUS_CANCELLED);
    ASSERT_EQ(close(s), STATUS_SUCCESS);
    trace::stop_capture();

    const pcap::tcp_connection connection = only_connection(pcap::read_file(path_));
    EXPECT_EQ(connection.from_server.bytes, bytes) << "read and dropped, but they crossed the wire";
}

TEST_P(Capture, NothingIsWrittenWhileNoCaptureRuns) {
    ASSERT_TRUE(trace::start_capture(path_));
    trace::stop_capture();
    PWSK_SOCKET s = connected_socket();
    const auto bytes = pattern(500, 12);
    ASSERT_EQ(send_bytes(s, bytes), STATUS_SUCCESS);
    ASSERT_EQ(peer_->read(bytes.size()), bytes);
    const pcap::file file = pcap::read_file(path_);
    EXPECT_EQ(file.error, "");
    EXPECT_TRUE(file.frames.empty());
}

TEST_P(Capture, DatagramRecordsAreUdpFramesWithValidChecksums) {
    ASSERT_TRUE(trace::start_capture(path_));
    const net::address_family family = GetParam();
    const net::endpoint wildcard = net::endpoint::any(family, 40000);
    const net::endpoint remote = net::endpoint::loopback(family, 53);
    const std::string question = "a question of odd length";
    const net::const_buffer pieces[] = {{question.data(), 10}, {question.data() + 10, question.size() - 10}};
    const int socket_key = 0;
    trace::udp_sent(&socket_key, wildcard, remote, pieces, question.size());
    std::vector<unsigned char> answer = pattern(1000, 13);
    const net::mutable_buffer into[] = {{answer.data(), answer.size()}};
    trace::udp_received(&socket_key, wildcard, remote, into, 600);
    trace::stop_capture();

    const pcap::file file = pcap::read_file(path_);
    ASSERT_EQ(file.error, "");
    ASSERT_EQ(file.frames.size(), 2u);
    const pcap::frame& out = file.frames[0];
    const pcap::frame& in = file.frames[1];
    EXPECT_EQ(out.protocol, 17);
    EXPECT_TRUE(out.ip_checksum_ok && out.transport_checksum_ok);
    EXPECT_TRUE(in.ip_checksum_ok && in.transport_checksum_ok);
    EXPECT_EQ(std::string(out.payload.begin(), out.payload.end()), question);
    EXPECT_EQ(out.source_port, 40000);
    EXPECT_EQ(out.destination_port, 53);
    const std::size_t address_size = family == address_family::ipv4 ? 4 : 16;
    EXPECT_TRUE(std::equal(out.source.begin(), out.source.begin() + address_size, remote.address.begin()))
        << "a wildcard local address shows as the loopback address it sends from";
    EXPECT_EQ(in.source_port, 53);
    EXPECT_EQ(in.destination_port, 40000);
    EXPECT_EQ(in.payload, std::vector<unsigned char>(answer.begin(), answer.begin() + 600));
}

TEST_P(Capture, TsharkFollowsTheStreamTheWayTheDriverSentAndReceivedIt) {
    const std::string tshark = tshark_program();
    if (tshark.empty()) {
        GTEST_SKIP() << "tshark is not installed";
    }
    ASSERT_TRUE(trace::start_capture(path_));
    PWSK_SOCKET s = connected_socket();
    std::vector<unsigned char> sent, answered;
    converse(s, sent, answered);
    trace::stop_capture();

    const follow_result followed = tshark_follow(tshark, path_);
    ASSERT_TRUE(followed.ran) << followed.output;
    EXPECT_EQ(followed.from_first_node, sent) << followed.output.substr(0, 2000);
    EXPECT_EQ(followed.from_second_node, answered);
}

}  // namespace
