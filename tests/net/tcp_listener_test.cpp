// Tests of tcp_listener (src/net/tcp_socket.hpp): accepting, both families.
#include "net/tcp_socket.hpp"

#include "peer.hpp"

#include <gtest/gtest.h>

namespace wskemu::net::test {
namespace {

class tcp_listener_test : public ::testing::TestWithParam<address_family> {
protected:
    void SetUp() override {
        if (GetParam() == address_family::ipv6 && !ipv6_available()) {
            GTEST_SKIP() << "no IPv6 loopback on this host";
        }
    }
    address_family family() const { return GetParam(); }

    // Opens, binds to loopback port 0 and listens; returns the bound endpoint.
    endpoint listen(tcp_listener& l) {
        EXPECT_EQ(l.open(family()), error::none);
        EXPECT_EQ(l.bind(endpoint::loopback(family())), error::none);
        EXPECT_EQ(l.listen(), error::none);
        endpoint ep;
        EXPECT_EQ(l.local_endpoint(ep), error::none);
        EXPECT_NE(ep.port, 0);
        return ep;
    }
};

// Records one accept.
struct accepted {
    std::mutex m;
    std::condition_variable cv;
    int calls = 0;
    error err = error::other;
    tcp_socket socket{nullptr};

    accept_handler handler(std::shared_ptr<accepted> self) {
        return [self](error e, tcp_socket s) {
            std::lock_guard lock(self->m);
            ++self->calls;
            self->err = e;
            self->socket = std::move(s);
            self->cv.notify_all();
        };
    }
    bool wait() {
        std::unique_lock lock(m);
        return cv.wait_for(lock, wait_timeout, [this] { return calls > 0; });
    }
};

TEST_P(tcp_listener_test, AcceptedSocketTalksToOurOwnClient) {
    tcp_listener l;
    endpoint ep = listen(l);
    auto a = std::make_shared<accepted>();
    l.async_accept(a->handler(a));

    tcp_socket client;
    ASSERT_EQ(client.open(family()), error::none);
    auto connected = make_completion();
    client.async_connect(ep, connected->status());
    ASSERT_TRUE(connected->wait());
    ASSERT_EQ(connected->err, error::none);
    ASSERT_TRUE(a->wait());
    ASSERT_EQ(a->err, error::none);
    ASSERT_TRUE(a->socket.is_open());

    endpoint client_local;
    endpoint server_remote;
    ASSERT_EQ(client.local_endpoint(client_local), error::none);
    ASSERT_EQ(a->socket.remote_endpoint(server_remote), error::none);
    EXPECT_EQ(client_local, server_remote);

    // Both directions, byte-exact.
    auto data = pattern(300000, 3);
    const_buffer out{data.data(), data.size()};
    std::vector<std::uint8_t> got(data.size());
    mutable_buffer in{got.data(), got.size()};
    auto sent = make_completion();
    auto received = make_completion();
    a->socket.async_receive({&in, 1}, receive_mode::all, received->transfer());
    client.async_send_all({&out, 1}, sent->transfer());
    ASSERT_TRUE(sent->wait());
    ASSERT_TRUE(received->wait());
    EXPECT_EQ(received->err, error::none);
    EXPECT_EQ(received->bytes, data.size());
    EXPECT_TRUE(got == data);

    auto back = pattern(77, 8);
    const_buffer out2{back.data(), back.size()};
    std::vector<std::uint8_t> got2(77);
    mutable_buffer in2{got2.data(), got2.size()};
    auto sent2 = make_completion();
    auto received2 = make_completion();
    a->socket.async_send_all({&out2, 1}, sent2->transfer());
    client.async_receive({&in2, 1}, receive_mode::all, received2->transfer());
    ASSERT_TRUE(received2->wait());
    EXPECT_EQ(got2, back);
}

TEST_P(tcp_listener_test, SeveralPendingAcceptsEachGetOneConnection) {
    tcp_listener l;
    endpoint ep = listen(l);
    auto a1 = std::make_shared<accepted>();
    auto a2 = std::make_shared<accepted>();
    l.async_accept(a1->handler(a1));
    l.async_accept(a2->handler(a2));
    asio::io_context ctx;
    tcp::socket c1(ctx);
    tcp::socket c2(ctx);
    c1.connect(to_asio(ep));
    c2.connect(to_asio(ep));
    ASSERT_TRUE(a1->wait());
    ASSERT_TRUE(a2->wait());
    EXPECT_EQ(a1->err, error::none);
    EXPECT_EQ(a2->err, error::none);
    endpoint r1;
    endpoint r2;
    ASSERT_EQ(a1->socket.remote_endpoint(r1), error::none);
    ASSERT_EQ(a2->socket.remote_endpoint(r2), error::none);
    EXPECT_NE(r1.port, r2.port);
    EXPECT_EQ(a1->calls, 1);
    EXPECT_EQ(a2->calls, 1);
}

TEST_P(tcp_listener_test, CancelAndCloseCompletePendingAccepts) {
    tcp_listener l;
    listen(l);
    auto a1 = std::make_shared<accepted>();
    l.async_accept(a1->handler(a1));
    l.cancel();
    ASSERT_TRUE(a1->wait());
    EXPECT_EQ(a1->err, error::cancelled);
    EXPECT_FALSE(a1->socket.is_open());

    auto a2 = std::make_shared<accepted>();
    l.async_accept(a2->handler(a2));
    l.close();
    ASSERT_TRUE(a2->wait());
    EXPECT_EQ(a2->err, error::cancelled);

    auto a3 = std::make_shared<accepted>();
    l.async_accept(a3->handler(a3));
    ASSERT_TRUE(a3->wait());
    EXPECT_EQ(a3->err, error::not_connected);
}

TEST_P(tcp_listener_test, SecondListenerOnSamePortIsRefused) {
    tcp_listener first;
    endpoint ep = listen(first);
    tcp_listener second;
    ASSERT_EQ(second.open(family()), error::none);
    EXPECT_EQ(second.bind(ep), error::address_in_use);
}

INSTANTIATE_TEST_SUITE_P(families, tcp_listener_test, ::testing::Values(address_family::ipv4, address_family::ipv6),
                         [](const auto& info) { return info.param == address_family::ipv4 ? "ipv4" : "ipv6"; });

}  // namespace
}  // namespace wskemu::net::test
