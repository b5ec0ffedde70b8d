// Unit tests of the HTTP client driver (http_client_driver.c) against a real
// HTTP server on loopback, reached by the name "localhost": bodies framed by
// Content-Length, chunked, and by the close, checked byte for byte under
// each completion policy and with receives cut short; a server that resets
// or closes mid-body, or says nothing; connects failed by a fault plan;
// malformed responses; and an allocation failure at every site.
#include <wskemu/allocation_sweep.hpp>
#include <wskemu/fault_plan.hpp>
#include <wskemu/gtest.hpp>
#include <wskemu/runtime.hpp>

#include "http_client_driver.h"
#include "http_server.hpp"

#include <cstring>
#include <string>
#include <vector>

namespace {

using wskemu::completion_policy;
using wskemu::operation;
using wskemu::example::http_ending;
using wskemu::example::http_page;
using wskemu::example::http_reply;
using wskemu::example::http_server;
using wskemu::testing::IsStatus;
namespace fault = wskemu::fault;

// Every byte value, in an order that shows a byte moved, lost or doubled.
std::string page_body(std::size_t size) {
    std::string body(size, '\0');
    std::uint32_t x = 2463534242u;
    for (char& c : body) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        c = static_cast<char>(x);
    }
    return body;
}

struct fetched {
    NTSTATUS status = STATUS_UNSUCCESSFUL;
    ULONG code = 0;
    std::string body;
    bool zeroed = false;  // the response was left zeroed (as it must be on failure)
};

// One HttpClientGet of http://host:port/path; the body copied and freed.
fetched fetch(std::uint16_t port, const char* path = "/", ADDRESS_FAMILY family = AF_INET,
              ULONG timeout_ms = 10000, const wchar_t* host = L"localhost") {
    const std::wstring port_text = std::to_wstring(port);
    UNICODE_STRING host_name;
    UNICODE_STRING service;
    RtlInitUnicodeString(&host_name, host);
    RtlInitUnicodeString(&service, port_text.c_str());
    HTTP_RESPONSE response;
    std::memset(&response, 0xA5, sizeof(response));
    fetched result;
    result.status = HttpClientGet(&host_name, &service, path, family, timeout_ms, &response);
    result.code = response.StatusCode;
    result.zeroed = response.StatusCode == 0 && response.Body == nullptr && response.BodyLength == 0;
    if (NT_SUCCESS(result.status)) {
        result.body.assign(reinterpret_cast<const char*>(response.Body), response.BodyLength);
        HttpClientFreeResponse(&response);
    }
    return result;
}

// A server on 127.0.0.1 giving every request the same reply.
http_reply always(http_reply reply, http_ending ending = http_ending::close) {
    reply.ending = ending;
    return reply;
}

class HttpClient : public wskemu::testing::driver_test {
protected:
    void SetUp() override {
        driver_test::SetUp();
        if (!wskemu::example::localhost_resolves_to_loopback(false)) {
            GTEST_SKIP() << "localhost does not resolve to 127.0.0.1 alone on this host";
        }
    }
    static wskemu::runtime& rt() { return wskemu::runtime::instance(); }
};

// IPv4 and IPv6. Where localhost has no IPv6 address (a hosts file without
// "::1 localhost"), the IPv6 runs name the host by the literal ::1, which
// WskGetAddressInfo resolves as well.
class HttpClientFamilies : public HttpClient, public ::testing::WithParamInterface<bool> {
protected:
    void SetUp() override {
        driver_test::SetUp();
        if (!wskemu::example::localhost_resolves_to_loopback(false)) {
            GTEST_SKIP() << "localhost does not resolve to 127.0.0.1 alone on this host";
        }
        by_name_ = !GetParam() || wskemu::example::localhost_resolves_to_loopback(true);
    }
    ADDRESS_FAMILY family() const { return GetParam() ? AF_INET6 : AF_INET; }
    const wchar_t* host() const { return by_name_ ? L"localhost" : L"::1"; }
    std::string host_header(std::uint16_t port) const {
        return (by_name_ ? std::string("localhost") : std::string("[::1]")) + ":" + std::to_string(port);
    }

private:
    bool by_name_ = true;
};

TEST_P(HttpClientFamilies, AContentLengthPageArrivesByteForByte) {
    const std::string body = page_body(300000);
    http_server server([&](const std::string&) { return http_page(200, "OK", body); }, GetParam());
    ASSERT_TRUE(server.listening());
    const fetched got = fetch(server.port(), "/files/page.bin?v=2", family(), 10000, host());
    ASSERT_THAT(got.status, IsStatus(STATUS_SUCCESS));
    EXPECT_EQ(got.code, 200u);
    EXPECT_EQ(got.body.size(), body.size());
    EXPECT_TRUE(got.body == body) << "the body differs";
    const std::vector<std::string> requests = server.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].rfind("GET /files/page.bin?v=2 HTTP/1.1\r\n", 0), 0u) << requests[0];
    EXPECT_NE(requests[0].find("\r\nHost: " + host_header(server.port()) + "\r\n"), std::string::npos)
        << requests[0];
    EXPECT_NE(requests[0].find("\r\nConnection: close\r\n"), std::string::npos) << requests[0];
}

TEST_P(HttpClientFamilies, AChunkedPageIsDecodedWhereverTheReceivesCutIt) {
    const std::string body = page_body(50000);
    http_server server(
        [&](const std::string&) { return wskemu::example::http_chunked_page(body, {1, 4095, 300, 17, 8192, 2}); },
        GetParam());
    ASSERT_TRUE(server.listening());
    rt().add_fault(fault::short_receives(7));  // size lines, CRLFs and trailers split every which way
    const fetched got = fetch(server.port(), "/chunked", family(), 10000, host());
    ASSERT_THAT(got.status, IsStatus(STATUS_SUCCESS));
    EXPECT_EQ(got.code, 200u);
    EXPECT_EQ(got.body.size(), body.size());
    EXPECT_TRUE(got.body == body) << "the decoded body differs";
}

INSTANTIATE_TEST_SUITE_P(Loopback, HttpClientFamilies, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "ipv6" : "ipv4"; });

TEST_F(HttpClient, EveryCompletionPolicyGivesTheSameBody) {
    const std::string body = page_body(70000);
    http_server server([&](const std::string& request) {
        return request.find(" /chunked ") != std::string::npos ? wskemu::example::http_chunked_page(body, {5000})
                                                                : http_page(200, "OK", body);
    });
    ASSERT_TRUE(server.listening());
    for (completion_policy policy : {completion_policy::natural, completion_policy::always_pending,
                                     completion_policy::inline_when_possible, completion_policy::random}) {
        rt().set_policy(policy);
        for (const char* path : {"/", "/chunked"}) {
            const fetched got = fetch(server.port(), path);
            EXPECT_THAT(got.status, IsStatus(STATUS_SUCCESS)) << wskemu::policy_name(policy) << " " << path;
            EXPECT_TRUE(got.body == body) << wskemu::policy_name(policy) << " " << path;
        }
    }
}

TEST_F(HttpClient, ABodyWithoutALengthEndsAtTheServersClose) {
    const std::string body = page_body(20000);
    http_server server([&](const std::string&) { return http_page(200, "OK", body, false); });
    ASSERT_TRUE(server.listening());
    const fetched got = fetch(server.port());
    ASSERT_THAT(got.status, IsStatus(STATUS_SUCCESS));
    EXPECT_TRUE(got.body == body);
}

TEST_F(HttpClient, AnErrorStatusIsACompleteResponseAndInterimOnesAreSkipped) {
    http_server server([](const std::string&) {
        http_reply reply = http_page(404, "Not Found", "no such page");
        reply.bytes = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + reply.bytes;
        return reply;
    });
    ASSERT_TRUE(server.listening());
    const fetched got = fetch(server.port(), "/missing");
    ASSERT_THAT(got.status, IsStatus(STATUS_SUCCESS));
    EXPECT_EQ(got.code, 404u);
    EXPECT_EQ(got.body, "no such page");
}

TEST_F(HttpClient, WithoutAFamilyTheAddressesOfTheNameAreTriedUntilOneAccepts) {
    // Only 127.0.0.1 listens; where localhost also has ::1, that connect is
    // refused (nothing listens on this port there) and the next address is tried.
    const std::string body = page_body(1000);
    http_server server([&](const std::string&) { return http_page(200, "OK", body); });
    ASSERT_TRUE(server.listening());
    const fetched got = fetch(server.port(), "/", AF_UNSPEC);
    ASSERT_THAT(got.status, IsStatus(STATUS_SUCCESS));
    EXPECT_TRUE(got.body == body);
}

TEST_F(HttpClient, AServerThatResetsMidBodyFailsTheGetWithConnectionReset) {
    const std::string body = page_body(100000);
    http_server server([&](const std::string&) {
        http_reply reply = http_page(200, "OK", body);
        reply.bytes.resize(reply.bytes.size() - body.size() + 30000);  // 30,000 bytes of 100,000, then RST
        return always(reply, http_ending::reset);
    });
    ASSERT_TRUE(server.listening());
    const fetched got = fetch(server.port());
    if (got.status == STATUS_CONNECTION_DISCONNECTED && wskemu::example::resets_may_arrive_as_fin()) {
        GTEST_SKIP() << "under Wine the server's linger-0 close reached the client as a FIN";
    }
    EXPECT_THAT(got.status, IsStatus(STATUS_CONNECTION_RESET));
    EXPECT_TRUE(got.zeroed);
    EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(HttpClient, AServerThatClosesMidBodyFailsTheGetWithConnectionDisconnected) {
    const std::string body = page_body(100000);
    http_server server([&](const std::string&) {
        http_reply reply = http_page(200, "OK", body);
        reply.bytes.resize(reply.bytes.size() - 1);  // one byte short, then FIN
        return reply;
    });
    ASSERT_TRUE(server.listening());
    const fetched got = fetch(server.port());
    EXPECT_THAT(got.status, IsStatus(STATUS_CONNECTION_DISCONNECTED));
    EXPECT_TRUE(got.zeroed);
}

TEST_F(HttpClient, ASilentServerEndsInIoTimeoutAfterTheReceiveIsCancelled) {
    http_server server([](const std::string&) { return always(http_reply{}, http_ending::stay); });
    ASSERT_TRUE(server.listening());
    const fetched got = fetch(server.port(), "/", AF_INET, 200);
    EXPECT_THAT(got.status, IsStatus(STATUS_IO_TIMEOUT));
    EXPECT_TRUE(got.zeroed);
}

TEST_F(HttpClient, AFaultPlanThatRefusesConnectionsFailsTheGetBeforeAnyRequest) {
    http_server server([](const std::string&) { return http_page(200, "OK", "never sent"); });
    ASSERT_TRUE(server.listening());
    // Every WskSocketConnect pends, then fails; the host never connects.
    rt().set_faults(wskemu::fault_plan{
        fault::fail(operation::socket_connect).every().with(STATUS_CONNECTION_REFUSED).at_completion()});
    const fetched got = fetch(server.port(), "/", AF_UNSPEC);
    EXPECT_THAT(got.status, IsStatus(STATUS_CONNECTION_REFUSED)) << "the last address's failure";
    EXPECT_TRUE(got.zeroed);
    EXPECT_TRUE(server.requests().empty());
    EXPECT_EQ(server.connections(), 0u);
}

TEST_F(HttpClient, AConnectFailingAtCompletionIsReportedAsIs) {
    http_server server([](const std::string&) { return http_page(200, "OK", "never sent"); });
    ASSERT_TRUE(server.listening());
    const auto plan = wskemu::parse_fault_plan("fail socket_connect STATUS_NETWORK_UNREACHABLE at_completion");
    ASSERT_TRUE(plan.ok()) << plan.error;
    rt().set_faults(plan.plan);
    const fetched got = fetch(server.port());
    EXPECT_THAT(got.status, IsStatus(STATUS_NETWORK_UNREACHABLE));
    EXPECT_TRUE(got.zeroed);
    EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpClient, MalformedResponsesFailWithAStatusThatSaysWhy) {
    struct malformed {
        const char* reply;
        NTSTATUS status;
    };
    const malformed cases[] = {
        {"SSH-2.0-OpenSSH_9.2\r\n\r\n", STATUS_INVALID_NETWORK_RESPONSE},
        {"HTTP/1.1 2000 OK\r\n\r\n", STATUS_INVALID_NETWORK_RESPONSE},
        {"HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n", STATUS_INVALID_NETWORK_RESPONSE},
        {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", STATUS_INVALID_NETWORK_RESPONSE},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n", STATUS_INVALID_NETWORK_RESPONSE},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", STATUS_INVALID_NETWORK_RESPONSE},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", STATUS_NOT_SUPPORTED},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n", STATUS_BUFFER_OVERFLOW},
    };
    for (const malformed& m : cases) {
        http_server server([&](const std::string&) { return always(http_reply{m.reply}); });
        ASSERT_TRUE(server.listening());
        const fetched got = fetch(server.port());
        EXPECT_THAT(got.status, IsStatus(m.status)) << m.reply;
        EXPECT_TRUE(got.zeroed) << m.reply;
    }
}

TEST_F(HttpClient, BadArgumentsAndUnknownNamesFailBeforeAnyConnection) {
    http_server server([](const std::string&) { return http_page(200, "OK", "never sent"); });
    ASSERT_TRUE(server.listening());
    EXPECT_THAT(fetch(server.port(), "no-slash").status, IsStatus(STATUS_INVALID_PARAMETER));
    EXPECT_THAT(fetch(server.port(), "/a b").status, IsStatus(STATUS_INVALID_PARAMETER));
    EXPECT_THAT(fetch(server.port(), "/", AF_INET, 10000, L"").status, IsStatus(STATUS_INVALID_PARAMETER));
    EXPECT_THAT(fetch(server.port(), "/", AF_INET, 10000, L"wskemu-no-such-host.invalid").status,
                IsStatus(STATUS_NOT_FOUND));
    EXPECT_EQ(server.connections(), 0u);
}

TEST_F(HttpClient, AnAllocationFailureAtAnySiteFailsTheGetWithoutALeak) {
    const std::string body = page_body(10000);
    http_server server([&](const std::string&) { return wskemu::example::http_chunked_page(body, {3000}); });
    ASSERT_TRUE(server.listening());
    const auto result = wskemu::sweep_allocation_failures([&] {
        const fetched got = fetch(server.port());
        if (NT_SUCCESS(got.status)) {
            EXPECT_TRUE(got.body == body);
        } else {
            EXPECT_TRUE(got.zeroed);
        }
    });
    EXPECT_TRUE(result.clean()) << result.report();
    EXPECT_GE(result.sites.size(), 5u) << result.report();
}

}  // namespace
