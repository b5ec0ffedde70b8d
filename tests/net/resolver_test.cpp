// Tests of src/net/resolver.hpp, offline: numeric hosts, localhost and the
// hosts file, and names reserved never to resolve (RFC 6761 ".invalid").
#include "net/resolver.hpp"

#include "peer.hpp"

#include <gtest/gtest.h>

#include <atomic>

namespace wskemu::net::test {
namespace {

template <typename Result>
struct answer {
    std::mutex mutex;
    std::condition_variable cv;
    int calls = 0;
    Result result;
    std::thread::id thread;

    auto handler(std::shared_ptr<answer> self) {
        return [self](Result r) {
            std::lock_guard lock(self->mutex);
            ++self->calls;
            self->result = std::move(r);
            self->thread = std::this_thread::get_id();
            self->cv.notify_all();
        };
    }
    // Lookups of ".invalid" may ask a name server: allow for its timeouts.
    bool wait(std::chrono::seconds d = 60s) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, d, [this] { return calls > 0; });
    }
};

resolve_result resolve(resolve_query query) {
    auto a = std::make_shared<answer<resolve_result>>();
    resolver().async_resolve(std::move(query), a->handler(a));
    EXPECT_TRUE(a->wait());
    EXPECT_EQ(a->calls, 1);
    return a->result;
}

name_result reverse(const endpoint& address, unsigned flags, bool host = true, bool service = true) {
    auto a = std::make_shared<answer<name_result>>();
    resolver().async_reverse(address, flags, host, service, a->handler(a));
    EXPECT_TRUE(a->wait());
    return a->result;
}

TEST(resolver, ANumericHostAndPortNeedNoLookupAndComeOnceEach) {
    resolve_query q;
    q.host = "127.0.0.1";
    q.service = "12345";
    q.flags = resolve_flag::numeric_host | resolve_flag::numeric_service;
    const resolve_result r = resolve(q);
    ASSERT_EQ(r.err, error::none);
    ASSERT_EQ(r.addresses.size(), 1u) << "one entry per address when no socket type was asked for";
    EXPECT_EQ(r.addresses[0].address, endpoint::loopback(address_family::ipv4, 12345));
    EXPECT_EQ(r.addresses[0].kind, socket_kind::any);
    EXPECT_EQ(r.addresses[0].protocol, transport_protocol::any);
}

TEST(resolver, ANumericIpv6HostKeepsItsFamily) {
    resolve_query q;
    q.host = "::1";
    q.service = "53";
    q.kind = socket_kind::datagram;
    q.protocol = transport_protocol::udp;
    const resolve_result r = resolve(q);
    ASSERT_EQ(r.err, error::none);
    ASSERT_EQ(r.addresses.size(), 1u);
    EXPECT_EQ(r.addresses[0].address, endpoint::loopback(address_family::ipv6, 53));
    EXPECT_EQ(r.addresses[0].kind, socket_kind::datagram);
    EXPECT_EQ(r.addresses[0].protocol, transport_protocol::udp);
}

TEST(resolver, LocalhostResolvesToLoopbackAddressesOnly) {
    resolve_query q;
    q.host = "localhost";
    q.kind = socket_kind::stream;
    const resolve_result r = resolve(q);
    ASSERT_EQ(r.err, error::none);
    ASSERT_FALSE(r.addresses.empty());
    for (const resolved_address& a : r.addresses) {
        EXPECT_EQ(a.address, endpoint::loopback(a.address.family)) << to_string(a.address);
        EXPECT_EQ(a.kind, socket_kind::stream);
    }
}

TEST(resolver, AFamilyAskedForIsTheOnlyOneAnswered) {
    resolve_query q;
    q.host = "127.0.0.1";
    q.family = address_family::ipv6;
    q.flags = resolve_flag::numeric_host;
    EXPECT_NE(resolve(q).err, error::none) << "an IPv4 literal has no IPv6 address";
    q.flags |= resolve_flag::v4_mapped;
    const resolve_result mapped = resolve(q);
    if (mapped.err == error::none) {  // glibc maps numeric literals; the rule is for names
        ASSERT_EQ(mapped.addresses.size(), 1u);
        EXPECT_EQ(mapped.addresses[0].address.family, address_family::ipv6);
    }
}

TEST(resolver, ANameWithTheNumericHostFlagIsNotFoundWithoutALookup) {
    resolve_query q;
    q.host = "localhost";
    q.flags = resolve_flag::numeric_host;
    EXPECT_EQ(resolve(q).err, error::name_not_found);
}

TEST(resolver, AnInvalidTopLevelNameIsNotFound) {
    resolve_query q;
    q.host = "wskemu-no-such-host.invalid";
    const resolve_result r = resolve(q);
    EXPECT_EQ(r.err, error::name_not_found);
    EXPECT_TRUE(r.addresses.empty());
}

TEST(resolver, PassiveWithoutAHostGivesTheWildcardAddress) {
    resolve_query q;
    q.service = "4242";
    q.family = address_family::ipv4;
    q.flags = resolve_flag::passive;
    const resolve_result r = resolve(q);
    ASSERT_EQ(r.err, error::none);
    ASSERT_EQ(r.addresses.size(), 1u);
    EXPECT_EQ(r.addresses[0].address, endpoint::any(address_family::ipv4, 4242));
}

TEST(resolver, AServiceNameBecomesItsPort) {
    resolve_query q;
    q.host = "127.0.0.1";
    q.service = "http";
    q.kind = socket_kind::stream;
    const resolve_result r = resolve(q);
    if (r.err == error::name_not_found && running_under_wine()) {
        GTEST_SKIP() << "this Wine prefix has no services database";
    }
    ASSERT_EQ(r.err, error::none);
    EXPECT_EQ(r.addresses.at(0).address.port, 80);
}

TEST(resolver, ReverseNumericGivesTheAddressAndPortAsText) {
    const name_result r = reverse(endpoint::loopback(address_family::ipv4, 8080),
                                  name_flag::numeric_host | name_flag::numeric_service);
    ASSERT_EQ(r.err, error::none);
    EXPECT_EQ(r.host, "127.0.0.1");
    EXPECT_EQ(r.service, "8080");
    const name_result six =
        reverse(endpoint::loopback(address_family::ipv6, 53), name_flag::numeric_host | name_flag::numeric_service);
    ASSERT_EQ(six.err, error::none);
    EXPECT_EQ(six.host, "::1");
    EXPECT_EQ(six.service, "53");
}

TEST(resolver, ReverseOfTheLoopbackAddressIsItsHostsFileName) {
    const name_result r = reverse(endpoint::loopback(address_family::ipv4, 0), name_flag::name_required, true, false);
    ASSERT_EQ(r.err, error::none);
    EXPECT_FALSE(r.host.empty());
    EXPECT_TRUE(r.service.empty()) << "not asked for";
    // Whatever the name, it must resolve back to the loopback address.
    resolve_query q;
    q.host = r.host;
    q.family = address_family::ipv4;
    const resolve_result forward = resolve(q);
    ASSERT_EQ(forward.err, error::none) << r.host;
    EXPECT_EQ(forward.addresses.at(0).address.address, endpoint::loopback(address_family::ipv4).address);
}

TEST(resolver, HandlersRunOnTheEngineNotOnResolverThreads) {
    io_engine engine;  // manual
    auto a = std::make_shared<answer<resolve_result>>();
    resolve_query q;
    q.host = "127.0.0.1";
    q.flags = resolve_flag::numeric_host;
    resolver(engine).async_resolve(q, a->handler(a));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(a->calls, 0) << "ran without the engine";
    EXPECT_TRUE(engine.run_until([&] { return a->calls == 1; }, wait_timeout));
    EXPECT_EQ(a->thread, std::this_thread::get_id());
    EXPECT_EQ(a->result.err, error::none);
}

TEST(resolver, CancelCompletesTheLookupExactlyOnce) {
    io_engine engine;  // manual: the handler cannot run before cancel is tried
    auto a = std::make_shared<answer<resolve_result>>();
    resolve_query q;
    q.host = "localhost";
    const lookup_id id = resolver(engine).async_resolve(q, a->handler(a));
    const bool cancelled = resolver(engine).cancel(id);
    EXPECT_TRUE(engine.run_until([&] { return a->calls == 1; }, wait_timeout));
    std::this_thread::sleep_for(50ms);
    engine.poll();
    EXPECT_EQ(a->calls, 1);
    EXPECT_EQ(a->result.err, cancelled ? error::cancelled : error::none);
    EXPECT_FALSE(resolver(engine).cancel(id)) << "completed already";
}

TEST(resolver, ManyLookupsAtOnceAllComplete) {
    constexpr int count = 64;
    std::atomic<int> done{0};
    std::atomic<int> good{0};
    for (int i = 0; i < count; ++i) {
        resolve_query q;
        q.host = "127.0.0." + std::to_string(1 + i % 200);
        q.service = std::to_string(1000 + i);
        q.flags = resolve_flag::numeric_host | resolve_flag::numeric_service;
        resolver().async_resolve(q, [&, i](resolve_result r) {
            if (r.err == error::none && r.addresses.size() == 1 &&
                r.addresses[0].address.port == static_cast<std::uint16_t>(1000 + i)) {
                ++good;
            }
            ++done;
        });
    }
    const auto deadline = std::chrono::steady_clock::now() + wait_timeout;
    while (done < count && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(done.load(), count);
    EXPECT_EQ(good.load(), count);
    EXPECT_EQ(resolver::pending(), 0u);
}

}  // namespace
}  // namespace wskemu::net::test
