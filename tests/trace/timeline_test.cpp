// The timeline (include/wskemu/trace.hpp, docs/traces.md): IRPs as spans on
// their socket's track, callbacks as instants, verifier reports and bug
// checks as markers, read back as JSON by an independent reader
// (tests/support/json_reader.hpp).
#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/bug_check.hpp>
#include <wskemu/runtime.hpp>
#include <wskemu/trace.hpp>
#include <wskemu/verifier.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "conformance/support/connection_fixture.hpp"
#include "drivers/verifier_driver.h"
#include "trace/hooks.hpp"
#include "trace/timeline_reader.hpp"
#include "trace/trace_test_support.hpp"

namespace {

using namespace std::chrono_literals;
using namespace wskemu::test;
namespace net = wskemu::net;
namespace json = wskemu::test::json;
namespace trace = wskemu::trace;
using wskemu::operation;

class Timeline : public connection_test {
protected:
    void SetUp() override {
        connection_test::SetUp();
        trace::start_timeline();
    }
    void TearDown() override {
        trace::stop_timeline();
        connection_test::TearDown();
    }

    NTSTATUS send_bytes(PWSK_SOCKET s, std::size_t size, ULONG flags = 0) {
        mdl_buffer buffer(size, 0x5A);
        irp_call call;
        return call.result(send(s, buffer.wsk_buf(), call, flags));
    }
};

INSTANTIATE_TEST_SUITE_P(Families, Timeline, ::testing::Values(address_family::ipv4, address_family::ipv6),
                         family_name);

TEST_P(Timeline, EachIrpIsASpanFromSubmissionToCompletionOnItsSocketsTrack) {
    PWSK_SOCKET s = connected_socket();
    net::endpoint local;
    static_cast<wskemu::wsk::connection_socket*>(s)->host_socket().local_endpoint(local);
    mdl_buffer into(40);
    irp_call received;
    ASSERT_EQ(receive(s, into.wsk_buf(), received), STATUS_PENDING);
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(send_bytes(s, 100), STATUS_SUCCESS);
    }
    std::this_thread::sleep_for(30ms);
    ASSERT_EQ(peer_->read(300).size(), 300u);
    const auto reply = pattern(40, 7);  // not from `into`: the pending receive writes there
    ASSERT_TRUE(peer_->send(reply.data(), reply.size()));
    ASSERT_EQ(received.result(STATUS_PENDING), STATUS_SUCCESS);
    EXPECT_EQ(into.bytes, reply);
    ASSERT_EQ(close(s), STATUS_SUCCESS);
    trace::stop_timeline();

    const parsed_trace t = parse_trace(trace::timeline_json());
    const std::string track = "socket 1: connection " + net::to_string(local) + " -> " +
                              net::to_string(peer_->endpoint());
    const double pid = t.pid_named(track);
    ASSERT_GE(pid, 2) << "a track named \"" << track << " (...)\"";

    // WskSocket is a client-level call: track 1, with the new socket as Information.
    const auto client = t.spans(1);
    ASSERT_EQ(names_of(client), std::vector<std::string>{"WskSocket"});
    EXPECT_EQ(client[0].args["status"].string(), "STATUS_SUCCESS");
    EXPECT_EQ(client[0].args["information"].number(), static_cast<double>(reinterpret_cast<std::uintptr_t>(s)));
    EXPECT_EQ(client[0].args["new_socket"].string(), fmt::format("{}", static_cast<void*>(s)));
    EXPECT_NE(t.process_names.at(pid).find("(" + fmt::format("{}", static_cast<void*>(s)) + "), closed"),
              std::string::npos);

    const auto spans = t.spans(pid);
    EXPECT_EQ(names_of(spans), (std::vector<std::string>{"WskBind", "WskConnect", "WskReceive", "WskSend", "WskSend",
                                                          "WskSend", "WskCloseSocket"}));
    ASSERT_EQ(spans.size(), 7u);
    for (const trace_event& span : spans) {
        EXPECT_EQ(span.args["status"].string(), "STATUS_SUCCESS") << span.name;
        EXPECT_EQ(span.args["status_code"].string(), "0x00000000");
        EXPECT_GE(span.dur, 0.0);
    }
    EXPECT_EQ(spans[1].args["completion"].string(), "after STATUS_PENDING") << "WskConnect pends";
    const trace_event& receive_span = spans[2];
    EXPECT_EQ(receive_span.args["completion"].string(), "after STATUS_PENDING");
    EXPECT_EQ(receive_span.args["information"].number(), 40);
    EXPECT_EQ(receive_span.args["irp"].string(), fmt::format("{}", static_cast<void*>(received.irp)));
    EXPECT_GE(receive_span.dur, 25000.0) << "microseconds: the receive waited for the peer";
    for (int i = 3; i < 6; ++i) {
        EXPECT_EQ(spans[i].args["completion"].string(), "inline");
        EXPECT_EQ(spans[i].args["information"].number(), 100);
        EXPECT_NE(spans[i].tid, receive_span.tid) << "overlapping IRPs go on another thread of the track";
        EXPECT_LT(spans[i].ts, receive_span.ts + receive_span.dur);
    }
    EXPECT_GE(spans[6].ts, receive_span.ts + receive_span.dur) << "the close comes last";
    EXPECT_EQ(t.thread_names.at({pid, receive_span.tid}), "IRPs 1");
    EXPECT_EQ(t.thread_names.at({pid, spans[3].tid}), "IRPs 2");

    // No two spans of one thread overlap (complete events must nest).
    std::map<std::pair<double, double>, double> thread_end;
    for (const trace_event& e : t.events) {
        if (e.ph != "X") {
            continue;
        }
        auto& end = thread_end[{e.pid, e.tid}];
        EXPECT_GE(e.ts + 1e-3, end) << e.name << " overlaps the span before it on its thread";
        end = std::max(end, e.ts + e.dur);
    }
    // Events come in time order.
    double last = 0;
    for (const trace_event& e : t.events) {
        if (e.ph != "M") {
            EXPECT_GE(e.ts, last);
            last = e.ts;
        }
    }
}

TEST_P(Timeline, FailuresCancellationsAndPendingIrpsShowTheirStatusByName) {
    PWSK_SOCKET s = connected_socket();
    EXPECT_EQ(send_bytes(s, 10, 0x100), STATUS_NOT_SUPPORTED);
    wskemu::runtime::instance().set_policy(operation::receive, wskemu::completion_policy::hold);
    mdl_buffer into(8);
    irp_call held;
    ASSERT_EQ(receive(s, into.wsk_buf(), held), STATUS_PENDING);
    std::this_thread::sleep_for(20ms);

    parsed_trace t = parse_trace(trace::timeline_json());
    auto pending = t.named("WskReceive");
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].args["completion"].string(), "still pending");
    EXPECT_GE(pending[0].dur, 15000.0);
    EXPECT_EQ(t.document["otherData"]["still_pending"].number(), 1);

    const auto calls = wskemu::runtime::instance().wait_for_held(1);
    ASSERT_EQ(calls.size(), 1u);
    ASSERT_TRUE(calls[0].cancel());
    EXPECT_EQ(held.result(STATUS_PENDING), STATUS_CANCELLED);
    trace::stop_timeline();

    t = parse_trace(trace::timeline_json());
    const auto failed = t.named("WskSend");
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].args["status"].string(), "STATUS_NOT_SUPPORTED");
    EXPECT_EQ(failed[0].args["status_code"].string(), "0xc00000bb");
    EXPECT_EQ(failed[0].args["completion"].string(), "inline");
    const auto cancelled = t.named("WskReceive");
    ASSERT_EQ(cancelled.size(), 1u);
    EXPECT_EQ(cancelled[0].args["status"].string(), "STATUS_CANCELLED");
    EXPECT_EQ(cancelled[0].args["completion"].string(), "after STATUS_PENDING");
    EXPECT_GE(cancelled[0].dur, 15000.0) << "the span runs from the hold to the cancellation";
    EXPECT_EQ(t.document["otherData"]["still_pending"].number(), 0);
}

TEST_P(Timeline, CallbacksAreInstantsOnTheirSocketAndReportsAreGlobalMarkers) {
    PWSK_SOCKET s = connected_socket();
    trace::event_callback(s, operation::receive_event, static_cast<std::int32_t>(STATUS_DATA_NOT_ACCEPTED), 42);
    const std::string message = "a \"quoted\" path C:\\x, a line\nand a tab\t\x01";
    trace::verifier_report("irp.reused_while_pending", "WskSend", s, message);
    EXPECT_THROW(wskemu::catch_bug_check([] { KeBugCheckEx(0xC4, 0x3101, 0, 0, 0); }), wskemu::bug_check_error);
    trace::stop_timeline();

    const parsed_trace t = parse_trace(trace::timeline_json());
    const double pid = t.pid_named("socket 1: connection");
    ASSERT_GE(pid, 2);
    const auto callbacks = t.named("WskReceiveEvent");
    ASSERT_EQ(callbacks.size(), 1u);
    EXPECT_EQ(callbacks[0].ph, "i");
    EXPECT_EQ(callbacks[0].pid, pid);
    EXPECT_EQ(callbacks[0].tid, 0);
    EXPECT_EQ(t.thread_names.at({pid, 0}), "event callbacks");
    EXPECT_EQ(callbacks[0].args["returned"].string(), "STATUS_DATA_NOT_ACCEPTED");
    EXPECT_EQ(callbacks[0].args["bytes"].number(), 42);

    const auto reports = t.named("verifier: irp.reused_while_pending");
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].ph, "i");
    EXPECT_EQ(reports[0].args["function"].string(), "WskSend");
    EXPECT_EQ(reports[0].args["message"].string(), message) << "escaped and read back unchanged";
    EXPECT_EQ(reports[0].args["socket_track"].number(), 1);
    const auto bug_checks = t.named("bug check 0x000000c4");
    ASSERT_EQ(bug_checks.size(), 1u);
    EXPECT_NE(bug_checks[0].args["report"].string().find("DRIVER_VERIFIER_DETECTED_VIOLATION"), std::string::npos);
    EXPECT_GE(bug_checks[0].ts, reports[0].ts);
    // Global markers: "s":"g".
    for (const json::value& v : t.document["traceEvents"].items()) {
        if (v["name"].string().rfind("verifier", 0) == 0 || v["name"].string().rfind("bug check", 0) == 0) {
            EXPECT_EQ(v["s"].string(), "g");
        }
    }
}

TEST_P(Timeline, AVerifierReportOfABrokenDriverIsAMarkerNamingRuleFunctionAndObject) {
    PWSK_SOCKET s = connected_socket();
    VF_WSK wsk{provider_, s, &block_};
    PVOID mdl = nullptr;
    EXPECT_EQ(VfSendWithBadOffset(&wsk, FALSE, &mdl), STATUS_INVALID_PARAMETER);
    const auto reports = wskemu::verifier::take_reports();
    ASSERT_EQ(reports.size(), 1u);
    trace::stop_timeline();

    const parsed_trace t = parse_trace(trace::timeline_json());
    const auto markers = t.named("verifier: mdl.wsk_buf_offset");
    ASSERT_EQ(markers.size(), 1u) << trace::timeline_json().substr(0, 3000);
    EXPECT_EQ(markers[0].ph, "i");
    EXPECT_EQ(markers[0].args["rule"].string(), reports[0].rule);
    EXPECT_EQ(markers[0].args["function"].string(), "WskSend");
    EXPECT_EQ(markers[0].args["object"].string(), fmt::format("{}", mdl));
    EXPECT_EQ(markers[0].args["message"].string(), reports[0].message);
}

TEST_P(Timeline, KeepsTheMostRecentEventsUpToItsLimit) {
    PWSK_SOCKET s = connected_socket();
    const std::size_t limit = trace::timeline_limit();
    trace::set_timeline_limit(5);
    trace::start_timeline();
    trace::set_timeline_limit(limit);
    EXPECT_EQ(trace::timeline_limit(), limit) << "the new limit waits for the next start";
    for (int i = 0; i < 12; ++i) {
        ASSERT_EQ(send_bytes(s, 10 + i), STATUS_SUCCESS);
    }
    const auto size = trace::timeline_size();
    EXPECT_EQ(size.events, 5u);
    EXPECT_EQ(size.dropped, 7u);
    const parsed_trace t = parse_trace(trace::timeline_json());
    EXPECT_EQ(t.document["otherData"]["dropped_events"].number(), 7);
    const auto sends = t.named("WskSend");
    ASSERT_EQ(sends.size(), 5u);
    EXPECT_EQ(sends.front().args["information"].number(), 17) << "the oldest went first";
    EXPECT_EQ(sends.back().args["information"].number(), 21);
    ASSERT_EQ(peer_->read(186).size(), 186u);
}

TEST_P(Timeline, RecordsNothingWhileStoppedAndWritesWhatItHas) {
    PWSK_SOCKET s = connected_socket();
    trace::stop_timeline();
    EXPECT_FALSE(trace::timeline_recording());
    const auto before = trace::timeline_size();
    ASSERT_EQ(send_bytes(s, 10), STATUS_SUCCESS);
    trace::event_callback(s, operation::receive_event, 0, 1);
    EXPECT_EQ(trace::timeline_size().events, before.events);
    ASSERT_EQ(peer_->read(10).size(), 10u);

    const std::string path = temporary_path("timeline", ".json");
    ASSERT_TRUE(trace::write_timeline(path));
    std::ifstream in(path, std::ios::binary);
    const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    std::remove(path.c_str());
    const parsed_trace t = parse_trace(written);
    EXPECT_EQ(names_of(t.spans(t.pid_named("socket 1:"))), (std::vector<std::string>{"WskBind", "WskConnect"}));

    std::string error;
    EXPECT_FALSE(trace::write_timeline(temporary_path("no_such_directory", "") + "/x/timeline.json", &error));
    EXPECT_NE(error.find("cannot create"), std::string::npos);
}

TEST(TimelineJson, AnEmptyTimelineIsAValidDocument) {
    trace::start_timeline();
    trace::stop_timeline();
    const parsed_trace t = parse_trace(trace::timeline_json());
    EXPECT_EQ(t.process_names.at(1), "WSK client calls and markers");
    EXPECT_EQ(t.document["otherData"]["dropped_events"].number(), 0);
}

}  // namespace
