// Conformance tests of WSK listening sockets: WskSocket(WSK_FLAG_LISTEN_SOCKET),
// WskBind starting to listen, WskAccept, WskGetLocalAddress, closing, options,
// dual stack and test control (docs/semantics.md, "Listening sockets").
// Every parametrised case runs over IPv4 and IPv6 against real loopback clients.
#include "conformance/support/listen_fixture.hpp"

#include <wskemu/bug_check.hpp>
#include <wskemu/fault_plan.hpp>
#include <wskemu/runtime.hpp>

#include <memory>
#include <set>
#include <thread>
#include <vector>

namespace wskemu::test {
namespace {

using WskSocketListen = listen_test;
using WskBindListen = listen_test;
using WskAccept = listen_test;
using WskCloseSocketListen = listen_test;
using WskControlSocketListen = listen_test;
using WskAcceptTestControl = listen_test;

TEST_P(WskSocketListen, InformationIsTheSocketWithTheListenDispatch) {
    PWSK_SOCKET s = make_listener(family());
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->Dispatch, &wsk::listen_dispatch());
}

TEST_P(WskSocketListen, WrongTypeOrProtocolFailsWithInvalidParameterAndCompletesTheIrp) {
    irp_call call;
    NTSTATUS returned = provider_.Dispatch->WskSocket(provider_.Client, windows_family(family()), SOCK_DGRAM,
                                                      IPPROTO_UDP, WSK_FLAG_LISTEN_SOCKET, nullptr, nullptr, nullptr,
                                                      nullptr, nullptr, call.irp);
    EXPECT_EQ(call.result(returned), STATUS_INVALID_PARAMETER);
    call.arm();
    returned = provider_.Dispatch->WskSocket(provider_.Client, 10, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET,
                                             nullptr, nullptr, nullptr, nullptr, nullptr, call.irp);
    EXPECT_EQ(call.result(returned), STATUS_INVALID_PARAMETER);
}

TEST_P(WskBindListen, BindStartsListeningAndLocalAddressHasThePort) {
    PWSK_SOCKET s = make_listener(family());
    const net::endpoint ep = listen_on(s, family());
    EXPECT_NE(ep.port, 0);
    loopback_client client;
    EXPECT_TRUE(client.connect(family(), ep));  // no listen call: bind listens
    EXPECT_TRUE(wait_waiting(s, 1));
}

TEST_P(WskBindListen, WildcardListensOnEveryAddress) {
    PWSK_SOCKET s = make_listener(family());
    ASSERT_EQ(bind(s, net::endpoint::any(family(), 0)), STATUS_SUCCESS);
    net::endpoint ep = local_address(s);
    ep.address = net::endpoint::loopback(family(), 0).address;
    loopback_client client;
    EXPECT_TRUE(client.connect(family(), ep));
    EXPECT_TRUE(wait_waiting(s, 1));
}

TEST_P(WskBindListen, SecondBindOrBadArgumentsFail) {
    PWSK_SOCKET s = make_listener(family());
    const net::address_family other =
        family() == net::address_family::ipv4 ? net::address_family::ipv6 : net::address_family::ipv4;
    EXPECT_EQ(bind(s, net::endpoint::loopback(other, 0)), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(bind(s, net::endpoint::loopback(family(), 0), 1), STATUS_INVALID_PARAMETER);
    irp_call local;
    SOCKADDR_STORAGE address{};
    EXPECT_EQ(local.result(dispatch(s)->WskGetLocalAddress(s, reinterpret_cast<PSOCKADDR>(&address), local.irp)),
              STATUS_INVALID_DEVICE_STATE);
    listen_on(s, family());
    EXPECT_EQ(bind(s, net::endpoint::loopback(family(), 0)), STATUS_INVALID_DEVICE_STATE);
}

TEST_P(WskBindListen, AddressInUseFailsWithAddressAlreadyExists) {
    PWSK_SOCKET first = make_listener(family());
    const net::endpoint ep = listen_on(first, family());
    PWSK_SOCKET second = make_listener(family());
    EXPECT_EQ(bind(second, ep), STATUS_ADDRESS_ALREADY_EXISTS);
}

TEST_P(WskAccept, BeforeBindFailsWithInvalidDeviceStateAndNonZeroFlagsWithInvalidParameter) {
    PWSK_SOCKET s = make_listener(family());
    irp_call call;
    EXPECT_EQ(call.result(accept(s, call)), STATUS_INVALID_DEVICE_STATE);
    listen_on(s, family());
    EXPECT_EQ(call.result(accept(s, call, nullptr, nullptr, nullptr, 1)), STATUS_INVALID_PARAMETER);
}

TEST_P(WskAccept, CompletesInlineWhenAConnectionIsWaitingAndWritesBothAddresses) {
    PWSK_SOCKET s = make_listener(family());
    const net::endpoint ep = listen_on(s, family());
    loopback_client client;
    ASSERT_TRUE(client.connect(family(), ep));
    ASSERT_TRUE(wait_waiting(s, 1));
    irp_call call;
    SOCKADDR_STORAGE local{};
    SOCKADDR_STORAGE remote{};
    EXPECT_EQ(accept(s, call, &local, &remote), STATUS_SUCCESS);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_FALSE(call.pending_returned);
    PWSK_SOCKET a = accepted(call);
    ASSERT_NE(a, nullptr);
    net::endpoint local_ep;
    net::endpoint remote_ep;
    ASSERT_EQ(wsk::from_sockaddr(reinterpret_cast<PSOCKADDR>(&local), local_ep), STATUS_SUCCESS);
    ASSERT_EQ(wsk::from_sockaddr(reinterpret_cast<PSOCKADDR>(&remote), remote_ep), STATUS_SUCCESS);
    EXPECT_EQ(local_ep.port, ep.port);
    EXPECT_EQ(remote_ep.port, client.local().port);
    EXPECT_EQ(remote_ep.family, family());  // the listener's family
    EXPECT_EQ(wait_waiting(s, 0), true);
}

TEST_P(WskAccept, PendsUntilAClientConnectsThenTheSocketIsAConnectedConnectionSocket) {
    PWSK_SOCKET s = make_listener(family());
    const net::endpoint ep = listen_on(s, family());
    irp_call call;
    SOCKADDR_STORAGE remote{};
    ASSERT_EQ(accept(s, call, nullptr, &remote, reinterpret_cast<PVOID>(0x1234)), STATUS_PENDING);
    loopback_client client;
    ASSERT_TRUE(client.connect(family(), ep));
    ASSERT_TRUE(call.wait());
    EXPECT_EQ(call.status, STATUS_SUCCESS);
    EXPECT_TRUE(call.pending_returned);
    EXPECT_EQ(call.irql, DISPATCH_LEVEL);
    PWSK_SOCKET a = accepted(call);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->Dispatch, &wsk::connection_dispatch());
    auto& socket = *static_cast<wsk::connection_socket*>(a);
    EXPECT_EQ(socket.context(), reinterpret_cast<PVOID>(0x1234));
    EXPECT_EQ(socket.inherited_events(), 0u);  // every event disabled
    // Both ways, byte-exact.
    const auto out = pattern(3000, 3);
    ASSERT_TRUE(client.send(out.data(), out.size()));
    EXPECT_EQ(receive_on(a, out.size()), out);
    const auto back = pattern(5000, 4);
    EXPECT_EQ(send_from(a, back.data(), back.size()), STATUS_SUCCESS);
    EXPECT_EQ(client.read(back.size()), back);
    irp_call peer;
    SOCKADDR_STORAGE peer_address{};
    EXPECT_EQ(peer.result(connection(a)->WskGetRemoteAddress(a, reinterpret_cast<PSOCKADDR>(&peer_address), peer.irp)),
              STATUS_SUCCESS);
    EXPECT_EQ(std::memcmp(&peer_address, &remote, sizeof(remote)), 0);
}

TEST_P(WskAccept, IoCancelIrpCompletesItOnceWithCancelled) {
    PWSK_SOCKET s = make_listener(family());
    const net::endpoint ep = listen_on(s, family());
    irp_call call;
    ASSERT_EQ(accept(s, call), STATUS_PENDING);
    IoCancelIrp(call.irp);
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_CANCELLED);
    EXPECT_EQ(call.information, 0u);
    // The listener goes on: the next accept gets the next client.
    loopback_client client;
    ASSERT_TRUE(client.connect(family(), ep));
    EXPECT_EQ(call.result(accept(s, call)), STATUS_SUCCESS);
    accepted(call);
}

TEST_P(WskAccept, PendingAcceptsCompleteInCallOrder) {
    PWSK_SOCKET s = make_listener(family());
    const net::endpoint ep = listen_on(s, family());
    irp_call first;
    irp_call second;
    ASSERT_EQ(accept(s, first), STATUS_PENDING);
    ASSERT_EQ(accept(s, second), STATUS_PENDING);
    loopback_client a;
    ASSERT_TRUE(a.connect(family(), ep));
    ASSERT_TRUE(first.wait());
    EXPECT_EQ(second.calls.load(), 0);
    loopback_client b;
    ASSERT_TRUE(b.connect(family(), ep));
    ASSERT_TRUE(second.wait());
    accepted(first);
    accepted(second);
    EXPECT_LT(first.sequence, second.sequence);
}

TEST_P(WskAccept, HundredsOfConcurrentClientsAreEachAcceptedOnce) {
    constexpr int clients = 300;
    PWSK_SOCKET s = make_listener(family());
    const net::endpoint ep = listen_on(s, family());
    std::vector<std::unique_ptr<irp_call>> calls;
    for (int i = 0; i < clients / 2; ++i) {
        calls.push_back(std::make_unique<irp_call>());
        ASSERT_EQ(accept(s, *calls.back()), STATUS_PENDING);
    }
    std::vector<std::unique_ptr<loopback_client>> peers;
    for (int i = 0; i < clients; ++i) {
        peers.push_back(std::make_unique<loopback_client>());
        peers.back()->start_connect(family(), ep);
    }
    for (auto& peer : peers) {
        ASSERT_TRUE(peer->wait_connected());
    }
    for (int i = clients / 2; i < clients; ++i) {
        calls.push_back(std::make_unique<irp_call>());
        NTSTATUS returned = accept(s, *calls.back());
        ASSERT_EQ(calls.back()->result(returned), STATUS_SUCCESS);
    }
    std::set<USHORT> ports;
    for (auto& call : calls) {
        ASSERT_TRUE(call->wait());
        ASSERT_EQ(call->status, STATUS_SUCCESS);
        PWSK_SOCKET a = accepted(*call);
        net::endpoint remote;
        ASSERT_EQ(static_cast<wsk::connection_socket*>(a)->host_socket().remote_endpoint(remote), net::error::none);
        ports.insert(remote.port);
    }
    EXPECT_EQ(ports.size(), static_cast<std::size_t>(clients));  // each client once
    EXPECT_EQ(listener(s).waiting_connections(), 0u);
}

TEST_P(WskCloseSocketListen, CancelsPendingAcceptsAndResetsWaitingConnections) {
    PWSK_SOCKET s = make_listener(family());
    const net::endpoint ep = listen_on(s, family());
    loopback_client waiting;
    ASSERT_TRUE(waiting.connect(family(), ep));
    ASSERT_TRUE(wait_waiting(s, 1));
    // The waiting connection goes to the first accept; the next two pend.
    irp_call taken;
    EXPECT_EQ(taken.result(accept(s, taken)), STATUS_SUCCESS);
    accepted(taken);
    loopback_client backlog;
    irp_call first;
    irp_call second;
    ASSERT_EQ(accept(s, first), STATUS_PENDING);
    ASSERT_EQ(accept(s, second), STATUS_PENDING);
    EXPECT_EQ(close(s), STATUS_SUCCESS);
    EXPECT_EQ(first.calls.load(), 1);  // before the close completed
    EXPECT_EQ(second.calls.load(), 1);
    EXPECT_EQ(first.status, STATUS_CANCELLED);
    EXPECT_EQ(second.status, STATUS_CANCELLED);
    EXPECT_FALSE(backlog.connect(family(), ep));  // nobody listens any more
}

TEST_P(WskCloseSocketListen, ConnectionsWaitingInTheBacklogAreReset) {
    PWSK_SOCKET s = make_listener(family());
    const net::endpoint ep = listen_on(s, family());
    loopback_client client;
    ASSERT_TRUE(client.connect(family(), ep));
    ASSERT_TRUE(wait_waiting(s, 1));
    EXPECT_EQ(close(s), STATUS_SUCCESS);
    EXPECT_TRUE(client.read(1).empty());
    EXPECT_TRUE(reset_seen(client.error())) << static_cast<int>(client.error());
}

TEST_P(WskCloseSocketListen, UseAfterCloseIsAVerifierBugCheckAndASecondCloseIsReported) {
    PWSK_SOCKET s = make_listener(family());
    const WSK_PROVIDER_LISTEN_DISPATCH* table = dispatch(s);
    listen_on(s, family());
    irp_call pending;
    ASSERT_EQ(accept(s, pending), STATUS_PENDING);
    irp_call first;
    irp_call second;
    runtime::instance().set_policy(operation::close, completion_policy::hold);
    ASSERT_EQ(dispatch(s)->Basic.WskCloseSocket(s, first.irp), STATUS_PENDING);
    EXPECT_EQ(second.result(dispatch(s)->Basic.WskCloseSocket(s, second.irp)), STATUS_INVALID_DEVICE_STATE);
    expect_verifier_reports({"socket.close_twice"});
    ASSERT_EQ(runtime::instance().wait_for_held(1).size(), 1u);
    runtime::instance().held().front().release();
    EXPECT_EQ(first.result(STATUS_PENDING), STATUS_SUCCESS);
    EXPECT_EQ(pending.status, STATUS_CANCELLED);
    std::erase(open_, s);
    irp_call late;
    EXPECT_THROW(catch_bug_check([&] { table->WskAccept(s, 0, nullptr, nullptr, nullptr, nullptr, late.irp); }),
                 bug_check_error);
    verifier::take_reports();
}

TEST_P(WskControlSocketListen, OptionsReachTheHostAndBeforeBindOnesFailAfterBind) {
    PWSK_SOCKET s = make_listener(family());
    ULONG value = 7;
    EXPECT_EQ(set_option(s, SOL_SOCKET, SO_REUSEADDR, 1), STATUS_SUCCESS);
    EXPECT_EQ(get_option(s, SOL_SOCKET, SO_REUSEADDR, value), STATUS_SUCCESS);
    EXPECT_EQ(value, 1u);
    EXPECT_EQ(set_option(s, SOL_SOCKET, SO_KEEPALIVE, 1), STATUS_SUCCESS);
    EXPECT_EQ(get_option(s, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, value), STATUS_SUCCESS);
    EXPECT_EQ(value, 0u);
    listen_on(s, family());
    EXPECT_EQ(set_option(s, SOL_SOCKET, SO_REUSEADDR, 0), STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(set_option(s, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 1), STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(set_option(s, IPPROTO_TCP, TCP_NODELAY, 1), STATUS_NOT_SUPPORTED);
    irp_call call;
    EXPECT_EQ(call.result(dispatch(s)->Basic.WskControlSocket(s, WskSetOption, SO_KEEPALIVE, SOL_SOCKET, 2, &value, 0,
                                                              nullptr, nullptr, call.irp)),
              STATUS_INVALID_PARAMETER);
    // SO_KEEPALIVE on the listener: accepted sockets inherit it.
    loopback_client client;
    ASSERT_TRUE(client.connect(family(), local_address(s)));
    EXPECT_EQ(call.result(accept(s, call)), STATUS_SUCCESS);
    PWSK_SOCKET a = accepted(call);
    int keep_alive = 0;
    EXPECT_EQ(static_cast<wsk::connection_socket*>(a)->host_socket().get_option(net::socket_option::keep_alive,
                                                                               keep_alive),
              net::error::none);
    EXPECT_EQ(keep_alive, 1);
}

TEST_P(WskAcceptTestControl, AFaultFailsTheNthAcceptAndTheConnectionWaitsForTheNext) {
    PWSK_SOCKET s = make_listener(family());
    const net::endpoint ep = listen_on(s, family());
    runtime::instance().set_faults({fault::fail(operation::accept).nth(1).with(STATUS_INSUFFICIENT_RESOURCES)});
    loopback_client client;
    ASSERT_TRUE(client.connect(family(), ep));
    ASSERT_TRUE(wait_waiting(s, 1));
    irp_call call;
    EXPECT_EQ(call.result(accept(s, call)), STATUS_INSUFFICIENT_RESOURCES);
    EXPECT_EQ(listener(s).waiting_connections(), 1u);
    EXPECT_EQ(call.result(accept(s, call)), STATUS_SUCCESS);
    accepted(call);
}

TEST_P(WskAcceptTestControl, UnderTheAlwaysPendingPolicyAWaitingConnectionStillPends) {
    PWSK_SOCKET s = make_listener(family());
    const net::endpoint ep = listen_on(s, family());
    loopback_client client;
    ASSERT_TRUE(client.connect(family(), ep));
    ASSERT_TRUE(wait_waiting(s, 1));
    runtime::instance().set_policy(operation::accept, completion_policy::always_pending);
    irp_call call;
    EXPECT_EQ(accept(s, call), STATUS_PENDING);
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    EXPECT_TRUE(call.pending_returned);
    accepted(call);
}

TEST_P(WskAcceptTestControl, AHeldAcceptRunsWhenReleased) {
    PWSK_SOCKET s = make_listener(family());
    const net::endpoint ep = listen_on(s, family());
    runtime::instance().set_policy(operation::accept, completion_policy::hold);
    irp_call call;
    ASSERT_EQ(accept(s, call), STATUS_PENDING);
    ASSERT_EQ(runtime::instance().wait_for_held(1).size(), 1u);
    loopback_client client;
    ASSERT_TRUE(client.connect(family(), ep));
    ASSERT_TRUE(wait_waiting(s, 1));  // the held call has not run
    runtime::instance().held().front().release();
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    accepted(call);
}

TEST_P(WskAcceptTestControl, RefuseConnectionsKeepsAWskClientFromReachingTheListener) {
    PWSK_SOCKET s = make_listener(family());
    const net::endpoint ep = listen_on(s, family());
    runtime::instance().set_faults({fault::refuse_connections()});
    // A WSK connection socket of the same client connects to the listener.
    const auto wsk_connect = [&](NTSTATUS expected) {
        irp_call call;
        NTSTATUS returned = provider_.Dispatch->WskSocket(provider_.Client, windows_family(family()), SOCK_STREAM,
                                                          IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, nullptr,
                                                          &connection_events, nullptr, nullptr, nullptr, call.irp);
        EXPECT_EQ(call.result(returned), STATUS_SUCCESS);
        auto c = reinterpret_cast<PWSK_SOCKET>(call.information);
        SOCKADDR_STORAGE local = sockaddr_of(net::endpoint::loopback(family(), 0));
        call.arm();
        EXPECT_EQ(call.result(connection(c)->WskBind(c, reinterpret_cast<PSOCKADDR>(&local), 0, call.irp)),
                  STATUS_SUCCESS);
        SOCKADDR_STORAGE remote = sockaddr_of(ep);
        call.arm();
        EXPECT_EQ(call.result(connection(c)->WskConnect(c, reinterpret_cast<PSOCKADDR>(&remote), 0, call.irp)),
                  expected);
        return c;
    };
    PWSK_SOCKET refused = wsk_connect(STATUS_CONNECTION_REFUSED);
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(listener(s).waiting_connections(), 0u);  // no SYN reached it
    EXPECT_EQ(close_connection(refused), STATUS_SUCCESS);
    runtime::instance().set_faults({});
    PWSK_SOCKET connected = wsk_connect(STATUS_SUCCESS);
    irp_call call;
    EXPECT_EQ(call.result(accept(s, call)), STATUS_SUCCESS);
    accepted(call);
    EXPECT_EQ(close_connection(connected), STATUS_SUCCESS);
}

INSTANTIATE_TEST_SUITE_P(Families, WskSocketListen,
                         ::testing::Values(net::address_family::ipv4, net::address_family::ipv6), listen_family_name);
INSTANTIATE_TEST_SUITE_P(Families, WskBindListen,
                         ::testing::Values(net::address_family::ipv4, net::address_family::ipv6), listen_family_name);
INSTANTIATE_TEST_SUITE_P(Families, WskAccept, ::testing::Values(net::address_family::ipv4, net::address_family::ipv6),
                         listen_family_name);
INSTANTIATE_TEST_SUITE_P(Families, WskCloseSocketListen,
                         ::testing::Values(net::address_family::ipv4, net::address_family::ipv6), listen_family_name);
INSTANTIATE_TEST_SUITE_P(Families, WskControlSocketListen,
                         ::testing::Values(net::address_family::ipv4, net::address_family::ipv6), listen_family_name);
INSTANTIATE_TEST_SUITE_P(Families, WskAcceptTestControl,
                         ::testing::Values(net::address_family::ipv4, net::address_family::ipv6), listen_family_name);

// ---- dual stack ----------------------------------------------------------------------

class WskListenDualStack : public client_test<listen_client> {
protected:
    void SetUp() override {
        client_test<listen_client>::SetUp();
        if (!listen_test::loopback_available(net::address_family::ipv6)) {
            GTEST_SKIP() << "no IPv6 loopback";
        }
    }
};

TEST_F(WskListenDualStack, AnIpv6ListenerWithV6OnlyZeroAcceptsIpv4ClientsAsMappedAddresses) {
    PWSK_SOCKET s = make_listener(net::address_family::ipv6);
    ULONG v6_only = 7;
    EXPECT_EQ(get_option(s, IPPROTO_IPV6, IPV6_V6ONLY, v6_only), STATUS_SUCCESS);
    EXPECT_EQ(v6_only, 1u);  // Windows' default
    EXPECT_EQ(set_option(s, IPPROTO_IPV6, IPV6_V6ONLY, 0), STATUS_SUCCESS);
    ASSERT_EQ(bind(s, net::endpoint::any(net::address_family::ipv6, 0)), STATUS_SUCCESS);
    EXPECT_EQ(set_option(s, IPPROTO_IPV6, IPV6_V6ONLY, 1), STATUS_INVALID_DEVICE_STATE);
    net::endpoint ep = net::endpoint::loopback(net::address_family::ipv4, local_address(s).port);
    loopback_client client;
    ASSERT_TRUE(client.connect(net::address_family::ipv4, ep));
    irp_call call;
    SOCKADDR_STORAGE remote{};
    EXPECT_EQ(call.result(accept(s, call, nullptr, &remote)), STATUS_SUCCESS);
    accepted(call);
    ASSERT_EQ(remote.ss_family, AF_INET6);
    const auto* mapped = reinterpret_cast<const SOCKADDR_IN6*>(&remote);
    const unsigned char expected[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
    EXPECT_EQ(std::memcmp(&mapped->sin6_addr, expected, 16), 0);
    EXPECT_EQ(RtlUshortByteSwap(mapped->sin6_port), client.local().port);
}

TEST_F(WskListenDualStack, AnIpv6OnlyListenerIsNotReachedOverIpv4) {
    PWSK_SOCKET s = make_listener(net::address_family::ipv6);
    ASSERT_EQ(bind(s, net::endpoint::any(net::address_family::ipv6, 0)), STATUS_SUCCESS);
    net::endpoint ep = net::endpoint::loopback(net::address_family::ipv4, local_address(s).port);
    loopback_client client;
    EXPECT_FALSE(client.connect(net::address_family::ipv4, ep));
}

TEST_F(WskListenDualStack, V6OnlyIsAnIpv6ListenersOption) {
    PWSK_SOCKET s = make_listener(net::address_family::ipv4);
    EXPECT_EQ(set_option(s, IPPROTO_IPV6, IPV6_V6ONLY, 0), STATUS_NOT_SUPPORTED);
}

}  // namespace
}  // namespace wskemu::test
