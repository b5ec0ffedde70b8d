// wskemu conformance: bad input to the registration exports, the provider
// dispatch and connection sockets: NULL, out-of-range, wrong-state and
// unsupported-flag arguments get their documented status, the IRP completes
// exactly once with it (or is refused untouched), and nothing is done: no
// socket, no connection, no byte, no state change (docs/semantics.md,
// "Bad input"). Sockets run over loopback against a real peer.
#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/bug_check.hpp>
#include <wskemu/verifier.hpp>

#include <cstring>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "conformance/support/connection_fixture.hpp"
#include "support/kernel_fixture.hpp"
#include "support/wsk_test_support.hpp"
#include "wsk/wsk_registration.hpp"

namespace {

using namespace wskemu::test;
using wskemu::net::endpoint;

// Runs `body`, which must raise bug check 0xC4 with parameter 1 `rule`
// naming `function`.
template <typename Body>
void expect_verifier_bug_check(Body&& body, ULONG_PTR rule, const char* function) {
    try {
        wskemu::catch_bug_check(body);
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& error) {
        EXPECT_EQ(error.code(), static_cast<std::uint32_t>(DRIVER_VERIFIER_DETECTED_VIOLATION));
        EXPECT_EQ(error.parameters()[0], rule);
        EXPECT_NE(std::string(error.what()).find(function), std::string::npos) << error.what();
    }
}

// ---- registration ------------------------------------------------------------------------

class BadInputRegistration : public kernel_test {
protected:
    NTSTATUS register_block() {
        WSK_CLIENT_NPI npi{nullptr, &client_dispatch};
        return WskRegister(&npi, &block_);
    }
    WSK_REGISTRATION block_{};
};

TEST_F(BadInputRegistration, ReleaseProviderNpiOfNullOrAnUnregisteredBlockIsAVerifierBugCheck) {
    expect_verifier_bug_check([] { WskReleaseProviderNPI(nullptr); }, wskemu::wsk::block_not_registered,
                              "WskReleaseProviderNPI");
    expect_verifier_bug_check([&] { WskReleaseProviderNPI(&block_); }, wskemu::wsk::block_not_registered,
                              "WskReleaseProviderNPI");
    // A registered block with its capture is not disturbed by the bad calls.
    ASSERT_EQ(register_block(), STATUS_SUCCESS);
    WSK_PROVIDER_NPI provider{};
    ASSERT_EQ(WskCaptureProviderNPI(&block_, WSK_NO_WAIT, &provider), STATUS_SUCCESS);
    EXPECT_EQ(wskemu::wsk::find_registration(&block_)->captures(), 1u);
    WskReleaseProviderNPI(&block_);
    WskDeregister(&block_);
}

TEST_F(BadInputRegistration, QueryProviderCharacteristicsWithANullArgumentFailsWithInvalidParameter) {
    WSK_PROVIDER_CHARACTERISTICS characteristics;
    std::memset(&characteristics, 0xA5, sizeof(characteristics));
    const WSK_PROVIDER_CHARACTERISTICS untouched = characteristics;
    EXPECT_EQ(WskQueryProviderCharacteristics(nullptr, &characteristics), STATUS_INVALID_PARAMETER);
    ASSERT_EQ(register_block(), STATUS_SUCCESS);
    EXPECT_EQ(WskQueryProviderCharacteristics(&block_, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(std::memcmp(&characteristics, &untouched, sizeof(characteristics)), 0);
    WskDeregister(&block_);
    // Deregistered: the block is not registered any more.
    expect_verifier_bug_check([&] { WskQueryProviderCharacteristics(&block_, &characteristics); },
                              wskemu::wsk::block_not_registered, "WskQueryProviderCharacteristics");
    EXPECT_EQ(std::memcmp(&characteristics, &untouched, sizeof(characteristics)), 0);
}

TEST_F(BadInputRegistration, DeregisterOfNullIsAVerifierBugCheck) {
    expect_verifier_bug_check([] { WskDeregister(nullptr); }, wskemu::wsk::block_not_registered, "WskDeregister");
}

// ---- client level ------------------------------------------------------------------------

class BadInputClient : public connection_test {
protected:
    std::size_t open_sockets() { return wskemu::wsk::find_registration(&block_)->open_sockets(); }
};
INSTANTIATE_TEST_SUITE_P(Families, BadInputClient,
                         ::testing::Values(address_family::ipv4, address_family::ipv6), family_name);

// Flags that are no category, or two categories at once: the IRP completes
// once with the status returned, and no socket exists.
TEST_P(BadInputClient, WskSocketWithAnUnknownOrCombinedFlagCreatesNothingAndCompletesTheIrpOnce) {
    for (ULONG flags : {ULONG{0x80}, ULONG{WSK_FLAG_CONNECTION_SOCKET | WSK_FLAG_DATAGRAM_SOCKET}}) {
        irp_call call;
        const NTSTATUS returned =
            provider_.Dispatch->WskSocket(provider_.Client, windows_family(GetParam()), SOCK_STREAM, IPPROTO_TCP,
                                          flags, nullptr, &connection_events, nullptr, nullptr, nullptr, call.irp);
        EXPECT_EQ(returned, STATUS_NOT_IMPLEMENTED) << flags;
        EXPECT_EQ(call.calls.load(), 1);
        EXPECT_EQ(call.status, STATUS_NOT_IMPLEMENTED);
        EXPECT_EQ(call.information, 0u);
    }
    EXPECT_EQ(open_sockets(), 0u);
}

TEST_P(BadInputClient, WskSocketConnectWithFlagsAnotherTypeOrNoIrpConnectsNothing) {
    SOCKADDR_STORAGE local = sockaddr_of(endpoint::loopback(GetParam(), 0));
    SOCKADDR_STORAGE remote = sockaddr_of(peer_->endpoint());
    auto socket_connect = [&](USHORT type, ULONG protocol, ULONG flags, PIRP irp) {
        return provider_.Dispatch->WskSocketConnect(provider_.Client, type, protocol,
                                                    reinterpret_cast<PSOCKADDR>(&local),
                                                    reinterpret_cast<PSOCKADDR>(&remote), flags, nullptr,
                                                    &connection_events, nullptr, nullptr, nullptr, irp);
    };
    irp_call call;
    EXPECT_EQ(socket_connect(SOCK_STREAM, IPPROTO_TCP, 1, call.irp), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.status, STATUS_INVALID_PARAMETER);
    call.arm();
    EXPECT_EQ(socket_connect(SOCK_DGRAM, IPPROTO_UDP, 0, call.irp), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 1);
    call.arm();
    EXPECT_EQ(socket_connect(SOCK_STREAM, IPPROTO_UDP, 0, call.irp), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(socket_connect(SOCK_STREAM, IPPROTO_TCP, 0, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(open_sockets(), 0u);
    EXPECT_FALSE(peer_->accept(200ms)) << "a refused WskSocketConnect reached the peer";
}

// Every WSK_PROVIDER_DISPATCH function with a PWSK_CLIENT that is not live
// (never handed out, or of a deregistered registration): bug check 0xC4 /
// 0x3005 before anything is done.
struct client_call_case {
    const char* name;
    std::function<void(const WSK_PROVIDER_DISPATCH*, PWSK_CLIENT, PIRP)> call;
};

std::string client_call_name(const ::testing::TestParamInfo<client_call_case>& info) { return info.param.name; }
void PrintTo(const client_call_case& c, std::ostream* os) { *os << c.name; }

const std::vector<client_call_case> client_calls = {
    {"WskSocket",
     [](const WSK_PROVIDER_DISPATCH* d, PWSK_CLIENT c, PIRP irp) {
         d->WskSocket(c, AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, nullptr, &connection_events,
                      nullptr, nullptr, nullptr, irp);
     }},
    {"WskSocketConnect",
     [](const WSK_PROVIDER_DISPATCH* d, PWSK_CLIENT c, PIRP irp) {
         SOCKADDR_STORAGE local = sockaddr_of(endpoint::loopback(address_family::ipv4, 0));
         SOCKADDR_STORAGE remote = sockaddr_of(endpoint::loopback(address_family::ipv4, 9));
         d->WskSocketConnect(c, SOCK_STREAM, IPPROTO_TCP, reinterpret_cast<PSOCKADDR>(&local),
                             reinterpret_cast<PSOCKADDR>(&remote), 0, nullptr, &connection_events, nullptr, nullptr,
                             nullptr, irp);
     }},
    {"WskControlClient",
     [](const WSK_PROVIDER_DISPATCH* d, PWSK_CLIENT c, PIRP) {
         SIZE_T returned = 0;
         d->WskControlClient(c, WSK_TRANSPORT_LIST_QUERY, 0, nullptr, 0, nullptr, &returned, nullptr);
     }},
    {"WskGetAddressInfo",
     [](const WSK_PROVIDER_DISPATCH* d, PWSK_CLIENT c, PIRP irp) {
         UNICODE_STRING node;
         RtlInitUnicodeString(&node, L"127.0.0.1");
         PADDRINFOEXW result = nullptr;
         d->WskGetAddressInfo(c, &node, nullptr, NS_ALL, nullptr, nullptr, &result, nullptr, nullptr, irp);
     }},
    {"WskFreeAddressInfo",
     [](const WSK_PROVIDER_DISPATCH* d, PWSK_CLIENT c, PIRP) { d->WskFreeAddressInfo(c, nullptr); }},
    {"WskGetNameInfo",
     [](const WSK_PROVIDER_DISPATCH* d, PWSK_CLIENT c, PIRP irp) {
         SOCKADDR_STORAGE address = sockaddr_of(endpoint::loopback(address_family::ipv4, 9));
         WCHAR text[64];
         UNICODE_STRING node{0, sizeof(text), text};
         d->WskGetNameInfo(c, reinterpret_cast<PSOCKADDR>(&address), sizeof(SOCKADDR_IN), &node, nullptr,
                           NI_NUMERICHOST, nullptr, nullptr, irp);
     }},
};

class ProviderFunction : public kernel_test, public ::testing::WithParamInterface<client_call_case> {
protected:
    // The call raises 0xC4 / 0x3005 naming the function; the IRP is untouched.
    void expect_refused(const WSK_PROVIDER_DISPATCH* dispatch, PWSK_CLIENT client) {
        irp_call call;
        expect_verifier_bug_check([&] { GetParam().call(dispatch, client, call.irp); },
                                  wskemu::wsk::unknown_client, GetParam().name);
        EXPECT_EQ(call.calls.load(), 0) << "the IRP was completed";
    }
};
INSTANTIATE_TEST_SUITE_P(BadInput, ProviderFunction, ::testing::ValuesIn(client_calls), client_call_name);

TEST_P(ProviderFunction, WithAnUnknownOrStaleClientIsAVerifierBugCheckThatTouchesNothing) {
    WSK_REGISTRATION block{};
    WSK_CLIENT_NPI npi{nullptr, &client_dispatch};
    ASSERT_EQ(WskRegister(&npi, &block), STATUS_SUCCESS);
    WSK_PROVIDER_NPI provider{};
    ASSERT_EQ(WskCaptureProviderNPI(&block, WSK_NO_WAIT, &provider), STATUS_SUCCESS);
    int not_a_client = 0;
    expect_refused(provider.Dispatch, &not_a_client);
    expect_refused(provider.Dispatch, nullptr);
    EXPECT_EQ(wskemu::wsk::find_registration(&block)->open_sockets(), 0u);
    WskReleaseProviderNPI(&block);
    WskDeregister(&block);
    expect_refused(provider.Dispatch, provider.Client);  // its registration is gone
}

// ---- connection sockets ------------------------------------------------------------------

class BadInputConnection : public connection_test {
protected:
    // The peer reads `data` exactly, with no FIN or reset before it.
    void expect_connection_carries(PWSK_SOCKET s, const std::vector<unsigned char>& data) {
        mdl_buffer buffer(data.size());
        std::memcpy(buffer.bytes.data(), data.data(), data.size());
        irp_call call;
        EXPECT_EQ(call.result(send(s, buffer.wsk_buf(), call)), STATUS_SUCCESS);
        EXPECT_EQ(peer_->read(data.size()), data);
    }
    // A receive that fails at once: the status, the IRP completed once, 0 bytes.
    void expect_failed(NTSTATUS returned, irp_call& call, NTSTATUS expected) {
        EXPECT_EQ(returned, expected);
        EXPECT_EQ(call.calls.load(), 1);
        EXPECT_EQ(call.status, expected);
        EXPECT_EQ(call.information, 0u);
    }
};
INSTANTIATE_TEST_SUITE_P(Families, BadInputConnection,
                         ::testing::Values(address_family::ipv4, address_family::ipv6), family_name);

// Every connection-socket function that takes an IRP refuses a NULL one and
// does nothing: the socket's state and connection are untouched.
TEST_P(BadInputConnection, NullIrpIsRefusedByEveryFunctionAndNothingIsDone) {
    const auto* d = &wskemu::wsk::connection_dispatch();
    PWSK_SOCKET s = make_socket();
    SOCKADDR_STORAGE local = sockaddr_of(endpoint::loopback(GetParam(), 0));
    SOCKADDR_STORAGE remote = sockaddr_of(peer_->endpoint());
    SOCKADDR_STORAGE out{};
    EXPECT_EQ(d->WskBind(s, reinterpret_cast<PSOCKADDR>(&local), 0, nullptr), STATUS_INVALID_PARAMETER);
    irp_call call;
    EXPECT_EQ(call.result(d->WskGetLocalAddress(s, reinterpret_cast<PSOCKADDR>(&out), call.irp)),
              STATUS_INVALID_DEVICE_STATE)
        << "a bind without an IRP bound the socket";
    EXPECT_EQ(bind(s, endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    EXPECT_EQ(d->WskConnect(s, reinterpret_cast<PSOCKADDR>(&remote), 0, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(d->WskConnectEx(s, reinterpret_cast<PSOCKADDR>(&remote), nullptr, 0, nullptr),
              STATUS_INVALID_PARAMETER);
    EXPECT_FALSE(peer_->accept(200ms)) << "a connect without an IRP reached the peer";
    EXPECT_EQ(connect(s, peer_->endpoint()), STATUS_SUCCESS);
    ASSERT_TRUE(peer_->accept());

    mdl_buffer buffer(16);
    WSK_BUF wsk_buf = buffer.wsk_buf();
    ULONG value = 1;
    EXPECT_EQ(d->WskGetLocalAddress(s, reinterpret_cast<PSOCKADDR>(&out), nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(d->WskGetRemoteAddress(s, reinterpret_cast<PSOCKADDR>(&out), nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(d->WskSend(s, &wsk_buf, 0, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(d->WskReceive(s, &wsk_buf, 0, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(d->WskDisconnect(s, nullptr, 0, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(d->WskDisconnect(s, nullptr, WSK_FLAG_ABORTIVE, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(d->WskSendEx(s, &wsk_buf, 0, 0, nullptr, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(d->WskReceiveEx(s, &wsk_buf, 0, nullptr, nullptr, nullptr, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(d->Basic.WskControlSocket(s, WskSetOption, TCP_NODELAY, IPPROTO_TCP, sizeof(value), &value, 0, nullptr,
                                        nullptr, nullptr),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(out.ss_family, 0) << "an address was written without an IRP";
    EXPECT_EQ(d->Basic.WskCloseSocket(s, nullptr), STATUS_INVALID_PARAMETER);
    // Still connected both ways: no FIN, no reset, no byte went out.
    expect_connection_carries(s, pattern(100, 3));
    const std::vector<unsigned char> back = pattern(10, 4);
    ASSERT_TRUE(peer_->send(back.data(), back.size()));
    mdl_buffer in(back.size());
    call.arm();
    EXPECT_EQ(call.result(receive(s, in.wsk_buf(), call, WSK_FLAG_WAITALL)), STATUS_SUCCESS);
    EXPECT_EQ(in.bytes, back);
}

TEST_P(BadInputConnection, WskConnectWithANullOrOtherFamilyAddressOrFlagsConnectsNothing) {
    PWSK_SOCKET s = make_socket();
    ASSERT_EQ(bind(s, endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    const auto other = GetParam() == address_family::ipv4 ? address_family::ipv6 : address_family::ipv4;
    SOCKADDR_STORAGE wrong_family = sockaddr_of(endpoint::loopback(other, peer_->endpoint().port));
    SOCKADDR_STORAGE remote = sockaddr_of(peer_->endpoint());
    SOCKADDR_STORAGE unknown_family = remote;
    unknown_family.ss_family = 10;  // Linux's AF_INET6
    irp_call call;
    expect_failed(dispatch(s)->WskConnect(s, nullptr, 0, call.irp), call, STATUS_INVALID_PARAMETER);
    call.arm();
    expect_failed(dispatch(s)->WskConnect(s, reinterpret_cast<PSOCKADDR>(&wrong_family), 0, call.irp), call,
                  STATUS_INVALID_PARAMETER);
    call.arm();
    expect_failed(dispatch(s)->WskConnect(s, reinterpret_cast<PSOCKADDR>(&unknown_family), 0, call.irp), call,
                  STATUS_INVALID_PARAMETER);
    call.arm();
    expect_failed(dispatch(s)->WskConnect(s, reinterpret_cast<PSOCKADDR>(&remote), 0x1, call.irp), call,
                  STATUS_INVALID_PARAMETER);
    EXPECT_FALSE(peer_->accept(200ms)) << "a refused connect reached the peer";
    // Still bound and not connected: a good connect goes through.
    EXPECT_EQ(connect(s, peer_->endpoint()), STATUS_SUCCESS);
    EXPECT_TRUE(peer_->accept());
}

TEST_P(BadInputConnection, WskConnectExWithABadWskBufConnectsAndSendsNothing) {
    PWSK_SOCKET s = make_socket();
    ASSERT_EQ(bind(s, endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    SOCKADDR_STORAGE remote = sockaddr_of(peer_->endpoint());
    mdl_buffer buffer(8);
    WSK_BUF no_mdl{nullptr, 0, 8};
    WSK_BUF past_chain{buffer.mdl, 0, 9};
    WSK_BUF offset_past{buffer.mdl, 8, 1};
    irp_call call;
    for (WSK_BUF* bad : {&no_mdl, &past_chain, &offset_past}) {
        call.arm();
        expect_failed(dispatch(s)->WskConnectEx(s, reinterpret_cast<PSOCKADDR>(&remote), bad, 0, call.irp), call,
                      STATUS_INVALID_PARAMETER);
    }
    expect_verifier_reports({"mdl.wsk_buf_past_chain", "mdl.wsk_buf_past_chain", "mdl.wsk_buf_offset"});
    EXPECT_FALSE(peer_->accept(200ms)) << "a refused WskConnectEx reached the peer";
    EXPECT_EQ(connect(s, peer_->endpoint()), STATUS_SUCCESS);
    ASSERT_TRUE(peer_->accept());
    expect_connection_carries(s, pattern(20, 5));  // no initial data came before
}

TEST_P(BadInputConnection, WskBindWithFlagsBindsNothing) {
    PWSK_SOCKET s = make_socket();
    SOCKADDR_STORAGE local = sockaddr_of(endpoint::loopback(GetParam(), 0));
    irp_call call;
    expect_failed(dispatch(s)->WskBind(s, reinterpret_cast<PSOCKADDR>(&local), 0x1, call.irp), call,
                  STATUS_INVALID_PARAMETER);
    SOCKADDR_STORAGE out{};
    call.arm();
    expect_failed(dispatch(s)->WskGetLocalAddress(s, reinterpret_cast<PSOCKADDR>(&out), call.irp), call,
                  STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(bind(s, endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
}

TEST_P(BadInputConnection, WskConnectExAndWskReceiveBeforeTheirStateFailWithInvalidDeviceState) {
    PWSK_SOCKET s = make_socket();
    SOCKADDR_STORAGE remote = sockaddr_of(peer_->endpoint());
    mdl_buffer buffer(8, 0x33);
    WSK_BUF data = buffer.wsk_buf();
    irp_call call;
    expect_failed(dispatch(s)->WskConnectEx(s, reinterpret_cast<PSOCKADDR>(&remote), &data, 0, call.irp), call,
                  STATUS_INVALID_DEVICE_STATE);  // not bound: no implicit bind
    EXPECT_FALSE(peer_->accept(200ms)) << "a refused WskConnectEx reached the peer";
    ASSERT_EQ(bind(s, endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    call.arm();
    expect_failed(dispatch(s)->WskReceive(s, &data, 0, call.irp), call, STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(connect(s, peer_->endpoint()), STATUS_SUCCESS);
    ASSERT_TRUE(peer_->accept());
    expect_connection_carries(s, pattern(8, 13));
}

TEST_P(BadInputConnection, AddressQueriesWithANullOutputFailWithInvalidParameter) {
    PWSK_SOCKET s = connected_socket();
    irp_call call;
    expect_failed(dispatch(s)->WskGetLocalAddress(s, nullptr, call.irp), call, STATUS_INVALID_PARAMETER);
    call.arm();
    expect_failed(dispatch(s)->WskGetRemoteAddress(s, nullptr, call.irp), call, STATUS_INVALID_PARAMETER);
    expect_connection_carries(s, pattern(10, 6));
}

TEST_P(BadInputConnection, WskReceiveWithANullOrBadBufferConsumesNothing) {
    PWSK_SOCKET s = connected_socket();
    const std::vector<unsigned char> data = pattern(32, 7);
    ASSERT_TRUE(peer_->send(data.data(), data.size()));
    mdl_buffer buffer(data.size());
    irp_call call;
    call.arm();
    expect_failed(dispatch(s)->WskReceive(s, nullptr, 0, call.irp), call, STATUS_INVALID_PARAMETER);
    WSK_BUF past_chain{buffer.mdl, 0, data.size() + 1};
    call.arm();
    expect_failed(dispatch(s)->WskReceive(s, &past_chain, 0, call.irp), call, STATUS_INVALID_PARAMETER);
    expect_verifier_reports({"mdl.wsk_buf_past_chain"});
    call.arm();
    EXPECT_EQ(call.result(receive(s, buffer.wsk_buf(), call, WSK_FLAG_WAITALL)), STATUS_SUCCESS);
    EXPECT_EQ(buffer.bytes, data) << "a refused receive consumed bytes";
}

TEST_P(BadInputConnection, WskDisconnectWithAnUnknownFlagOrABadBufferLeavesTheConnectionUp) {
    PWSK_SOCKET s = connected_socket();
    irp_call call;
    expect_failed(dispatch(s)->WskDisconnect(s, nullptr, 0x100, call.irp), call, STATUS_NOT_SUPPORTED);
    WSK_BUF no_mdl{nullptr, 0, 4};
    call.arm();
    expect_failed(dispatch(s)->WskDisconnect(s, &no_mdl, 0, call.irp), call, STATUS_INVALID_PARAMETER);
    expect_verifier_reports({"mdl.wsk_buf_past_chain"});
    // No FIN went out, and sending goes on.
    expect_connection_carries(s, pattern(40, 8));
}

TEST_P(BadInputConnection, ASecondGracefulDisconnectFailsWithInvalidDeviceStateAndSendsNothing) {
    PWSK_SOCKET s = connected_socket();
    irp_call call;
    EXPECT_EQ(call.result(dispatch(s)->WskDisconnect(s, nullptr, 0, call.irp)), STATUS_SUCCESS);
    EXPECT_TRUE(peer_->read(1).empty());
    EXPECT_EQ(peer_->last_read_error(), wskemu::net::error::end_of_stream);
    mdl_buffer buffer(6, 0x5A);
    WSK_BUF final_bytes = buffer.wsk_buf();
    call.arm();
    expect_failed(dispatch(s)->WskDisconnect(s, &final_bytes, 0, call.irp), call, STATUS_INVALID_DEVICE_STATE);
    EXPECT_EQ(close(s), STATUS_SUCCESS);
    EXPECT_TRUE(peer_->read(1).empty()) << "bytes followed the FIN";
}

TEST_P(BadInputConnection, WskSendExAndWskReceiveExCompleteTheIrpOnceWithNotImplemented) {
    PWSK_SOCKET s = connected_socket();
    mdl_buffer buffer(8, 0x11);
    WSK_BUF wsk_buf = buffer.wsk_buf();
    irp_call call;
    expect_failed(dispatch(s)->WskSendEx(s, &wsk_buf, 0, 0, nullptr, call.irp), call, STATUS_NOT_IMPLEMENTED);
    call.arm();
    expect_failed(dispatch(s)->WskReceiveEx(s, &wsk_buf, 0, nullptr, nullptr, nullptr, call.irp), call,
                  STATUS_NOT_IMPLEMENTED);
    expect_connection_carries(s, pattern(12, 9));  // WskSendEx sent nothing before these
}

// NULL is refused before any list is looked up (nothing to report); a list
// this socket never handed out is refused and reported.
TEST_P(BadInputConnection, WskReleaseOfNullOrAListNeverHandedOutFailsWithInvalidParameterAndIsReported) {
    PWSK_SOCKET s = connected_socket();
    WSK_DATA_INDICATION stranger{};
    EXPECT_EQ(dispatch(s)->WskRelease(s, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(wskemu::verifier::count(), 0u);
    EXPECT_EQ(dispatch(s)->WskRelease(s, &stranger), STATUS_INVALID_PARAMETER);
    const auto reports = wskemu::verifier::take_reports();
    ASSERT_EQ(reports.size(), 1u);
    for (const auto& report : reports) {
        EXPECT_EQ(report.function, "WskRelease");
    }
    expect_connection_carries(s, pattern(12, 10));
}

}  // namespace
