// wskemu conformance: bad input to datagram sockets (NULL IRPs and outputs:
// nothing sent, bound or consumed), and a PWSK_SOCKET of the wrong category,
// closed, or NULL given to each function of the connection and datagram
// dispatch tables: a verifier bug check before anything is touched
// (docs/semantics.md, "Bad input").
#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/bug_check.hpp>

#include <cstring>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "conformance/support/datagram_fixture.hpp"
#include "support/wsk_test_support.hpp"
#include "wsk/wsk_datagram.hpp"
#include "wsk/wsk_socket.hpp"

namespace {

using namespace wskemu::test;
using wskemu::net::endpoint;

// ---- datagram sockets --------------------------------------------------------------------

WSK_DATAGRAM_SUITE(BadInputDatagram);

// Every datagram-socket function that takes an IRP refuses a NULL one and
// does nothing: no bind, no datagram sent, none consumed.
TEST_P(BadInputDatagram, NullIrpIsRefusedByEveryFunctionAndNothingIsDone) {
    PWSK_SOCKET s = make_socket(family());
    const auto* d = dispatch(s);
    SOCKADDR_STORAGE local = sockaddr_of(endpoint::loopback(family(), 0));
    EXPECT_EQ(d->WskBind(s, reinterpret_cast<PSOCKADDR>(&local), 0, nullptr), STATUS_INVALID_PARAMETER);
    SOCKADDR_STORAGE out{};
    irp_call call;
    EXPECT_EQ(call.result(d->WskGetLocalAddress(s, reinterpret_cast<PSOCKADDR>(&out), call.irp)),
              STATUS_INVALID_DEVICE_STATE)
        << "a bind without an IRP bound the socket";
    ASSERT_EQ(bind(s, endpoint::loopback(family(), 0)), STATUS_SUCCESS);

    const std::vector<unsigned char> data = pattern(24, 11);
    mdl_buffer buffer(data.size());
    std::memcpy(buffer.bytes.data(), data.data(), data.size());
    WSK_BUF wsk_buf = buffer.wsk_buf();
    WSK_BUF_LIST list{nullptr, wsk_buf};
    SOCKADDR_STORAGE to = sockaddr_of(peer_->endpoint());
    ULONG value = 1;
    EXPECT_EQ(d->WskSendTo(s, &wsk_buf, 0, reinterpret_cast<PSOCKADDR>(&to), 0, nullptr, nullptr),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(d->WskSendMessages(s, &list, 0, reinterpret_cast<PSOCKADDR>(&to), 0, nullptr, nullptr),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(d->WskGetLocalAddress(s, reinterpret_cast<PSOCKADDR>(&out), nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(d->Basic.WskControlSocket(s, WskSetOption, SO_BROADCAST, SOL_SOCKET, sizeof(value), &value, 0,
                                        nullptr, nullptr, nullptr),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(out.ss_family, 0) << "an address was written without an IRP";
    EXPECT_FALSE(peer_->receive(200ms).has_value()) << "a send without an IRP went out";

    // A datagram waiting in the host is not consumed by a receive without an IRP.
    const endpoint here = local_address(s);
    ASSERT_TRUE(peer_->send_to(data.data(), data.size(), here));
    mdl_buffer in(data.size());
    WSK_BUF in_buf = in.wsk_buf();
    EXPECT_EQ(d->WskReceiveFrom(s, &in_buf, 0, nullptr, nullptr, nullptr, nullptr, nullptr),
              STATUS_INVALID_PARAMETER);
    call.arm();
    EXPECT_EQ(call.result(d->WskReceiveFrom(s, &in_buf, 0, nullptr, nullptr, nullptr, nullptr, call.irp)),
              STATUS_SUCCESS);
    EXPECT_EQ(call.information, data.size());
    EXPECT_EQ(in.bytes, data);
    EXPECT_EQ(d->Basic.WskCloseSocket(s, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(send_to(s, data, &peer_->endpoint()), STATUS_SUCCESS);  // still open
    EXPECT_TRUE(peer_->receive().has_value());
}

// A list that never ends (an element linked to itself) is taken for a cycle
// after 65,536 elements: refused, no datagram sent, no hang.
TEST_P(BadInputDatagram, WskSendMessagesWithACyclicListFailsWithInvalidParameterAndSendsNothing) {
    PWSK_SOCKET s = bound_socket(family());
    mdl_buffer buffer(4, 0x77);
    WSK_BUF_LIST cyclic{nullptr, buffer.wsk_buf()};
    cyclic.Next = &cyclic;
    SOCKADDR_STORAGE to = sockaddr_of(peer_->endpoint());
    irp_call call;
    EXPECT_EQ(dispatch(s)->WskSendMessages(s, &cyclic, 0, reinterpret_cast<PSOCKADDR>(&to), 0, nullptr, call.irp),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.status, STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.information, 0u);
    EXPECT_FALSE(peer_->receive(200ms).has_value()) << "a datagram of the refused list went out";
}

TEST_P(BadInputDatagram, WskGetLocalAddressWithANullOutputFailsWithInvalidParameter) {
    PWSK_SOCKET s = bound_socket(family());
    irp_call call;
    EXPECT_EQ(dispatch(s)->WskGetLocalAddress(s, nullptr, call.irp), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 1);
    EXPECT_EQ(call.status, STATUS_INVALID_PARAMETER);
    EXPECT_EQ(local_address(s).family, family());
}

TEST_P(BadInputDatagram, WskReceiveFromWithANullOrBadBufferConsumesNothing) {
    PWSK_SOCKET s = bound_socket(family());
    const std::vector<unsigned char> data = pattern(9, 12);
    ASSERT_TRUE(peer_->send_to(data.data(), data.size(), local_address(s)));
    mdl_buffer in(data.size());
    WSK_BUF past_chain{in.mdl, 0, data.size() + 1};
    irp_call call;
    for (PWSK_BUF bad : {static_cast<PWSK_BUF>(nullptr), &past_chain}) {
        call.arm();
        EXPECT_EQ(dispatch(s)->WskReceiveFrom(s, bad, 0, nullptr, nullptr, nullptr, nullptr, call.irp),
                  STATUS_INVALID_PARAMETER);
        EXPECT_EQ(call.calls.load(), 1);
        EXPECT_EQ(call.status, STATUS_INVALID_PARAMETER);
    }
    expect_verifier_reports({"mdl.wsk_buf_past_chain"});
    WSK_BUF in_buf = in.wsk_buf();
    call.arm();
    EXPECT_EQ(call.result(dispatch(s)->WskReceiveFrom(s, &in_buf, 0, nullptr, nullptr, nullptr, nullptr, call.irp)),
              STATUS_SUCCESS);
    EXPECT_EQ(in.bytes, data);
}

// ---- a socket of the wrong category, closed, or NULL ------------------------------------

// One dispatch-table function called with `socket` and an IRP.
struct table_call {
    const char* table;  // "Connection" or "Datagram"
    const char* name;
    std::function<NTSTATUS(PWSK_SOCKET, PIRP)> call;
};

std::string call_name(const ::testing::TestParamInfo<table_call>& info) {
    return std::string(info.param.table) + info.param.name;
}
void PrintTo(const table_call& c, std::ostream* os) { *os << c.table << " " << c.name; }

// Arguments that would be valid, so that only the socket is wrong (an empty
// WSK_BUF: no MDL to leak).
struct valid_arguments {
    WSK_BUF wsk_buf{nullptr, 0, 0};
    WSK_BUF_LIST list{nullptr, wsk_buf};
    SOCKADDR_STORAGE address = sockaddr_of(endpoint::loopback(wskemu::net::address_family::ipv4, 9));
    ULONG value = 1;
    PSOCKADDR sockaddr() { return reinterpret_cast<PSOCKADDR>(&address); }
};

valid_arguments& arguments() {
    static valid_arguments a;
    return a;
}

const WSK_PROVIDER_CONNECTION_DISPATCH& ct() { return wskemu::wsk::connection_dispatch(); }
const WSK_PROVIDER_DATAGRAM_DISPATCH& dt() { return wskemu::wsk::datagram_dispatch(); }

const std::vector<table_call> table_calls = {
    // WSK_PROVIDER_CONNECTION_DISPATCH
    {"Connection", "WskControlSocket",
     [](PWSK_SOCKET s, PIRP irp) {
         return ct().Basic.WskControlSocket(s, WskSetOption, TCP_NODELAY, IPPROTO_TCP, sizeof(ULONG),
                                            &arguments().value, 0, nullptr, nullptr, irp);
     }},
    {"Connection", "WskCloseSocket", [](PWSK_SOCKET s, PIRP irp) { return ct().Basic.WskCloseSocket(s, irp); }},
    {"Connection", "WskBind", [](PWSK_SOCKET s, PIRP irp) { return ct().WskBind(s, arguments().sockaddr(), 0, irp); }},
    {"Connection", "WskConnect",
     [](PWSK_SOCKET s, PIRP irp) { return ct().WskConnect(s, arguments().sockaddr(), 0, irp); }},
    {"Connection", "WskConnectEx",
     [](PWSK_SOCKET s, PIRP irp) { return ct().WskConnectEx(s, arguments().sockaddr(), nullptr, 0, irp); }},
    {"Connection", "WskGetLocalAddress",
     [](PWSK_SOCKET s, PIRP irp) { return ct().WskGetLocalAddress(s, arguments().sockaddr(), irp); }},
    {"Connection", "WskGetRemoteAddress",
     [](PWSK_SOCKET s, PIRP irp) { return ct().WskGetRemoteAddress(s, arguments().sockaddr(), irp); }},
    {"Connection", "WskSend", [](PWSK_SOCKET s, PIRP irp) { return ct().WskSend(s, &arguments().wsk_buf, 0, irp); }},
    {"Connection", "WskSendEx",
     [](PWSK_SOCKET s, PIRP irp) { return ct().WskSendEx(s, &arguments().wsk_buf, 0, 0, nullptr, irp); }},
    {"Connection", "WskReceive",
     [](PWSK_SOCKET s, PIRP irp) { return ct().WskReceive(s, &arguments().wsk_buf, 0, irp); }},
    {"Connection", "WskReceiveEx",
     [](PWSK_SOCKET s, PIRP irp) {
         return ct().WskReceiveEx(s, &arguments().wsk_buf, 0, nullptr, nullptr, nullptr, irp);
     }},
    {"Connection", "WskDisconnect", [](PWSK_SOCKET s, PIRP irp) { return ct().WskDisconnect(s, nullptr, 0, irp); }},
    {"Connection", "WskRelease",
     [](PWSK_SOCKET s, PIRP) {
         static WSK_DATA_INDICATION list{};
         return ct().WskRelease(s, &list);
     }},
    // WSK_PROVIDER_DATAGRAM_DISPATCH
    {"Datagram", "WskControlSocket",
     [](PWSK_SOCKET s, PIRP irp) {
         return dt().Basic.WskControlSocket(s, WskSetOption, SO_BROADCAST, SOL_SOCKET, sizeof(ULONG),
                                            &arguments().value, 0, nullptr, nullptr, irp);
     }},
    {"Datagram", "WskCloseSocket", [](PWSK_SOCKET s, PIRP irp) { return dt().Basic.WskCloseSocket(s, irp); }},
    {"Datagram", "WskBind", [](PWSK_SOCKET s, PIRP irp) { return dt().WskBind(s, arguments().sockaddr(), 0, irp); }},
    {"Datagram", "WskSendTo",
     [](PWSK_SOCKET s, PIRP irp) {
         return dt().WskSendTo(s, &arguments().wsk_buf, 0, arguments().sockaddr(), 0, nullptr, irp);
     }},
    {"Datagram", "WskSendMessages",
     [](PWSK_SOCKET s, PIRP irp) {
         return dt().WskSendMessages(s, &arguments().list, 0, arguments().sockaddr(), 0, nullptr, irp);
     }},
    {"Datagram", "WskReceiveFrom",
     [](PWSK_SOCKET s, PIRP irp) {
         return dt().WskReceiveFrom(s, &arguments().wsk_buf, 0, nullptr, nullptr, nullptr, nullptr, irp);
     }},
    {"Datagram", "WskRelease",
     [](PWSK_SOCKET s, PIRP) {
         static WSK_DATAGRAM_INDICATION list{};
         return dt().WskRelease(s, &list);
     }},
    {"Datagram", "WskGetLocalAddress",
     [](PWSK_SOCKET s, PIRP irp) { return dt().WskGetLocalAddress(s, arguments().sockaddr(), irp); }},
};

// A registered client with one connection and one datagram socket (IPv4),
// and the check that a call is a verifier bug check that touched nothing.
class socket_mixup_test : public datagram_test, public ::testing::WithParamInterface<table_call> {
protected:
    void SetUp() override {
        datagram_test::SetUp();
        irp_call call;
        const NTSTATUS returned =
            provider_.Dispatch->WskSocket(provider_.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP,
                                          WSK_FLAG_CONNECTION_SOCKET, nullptr, &connection_events, nullptr, nullptr,
                                          nullptr, call.irp);
        ASSERT_EQ(call.result(returned), STATUS_SUCCESS);
        connection_ = reinterpret_cast<PWSK_SOCKET>(call.information);
        datagram_ = bound_socket(wskemu::net::address_family::ipv4);
    }
    void TearDown() override {
        if (connection_ != nullptr) {
            irp_call call;
            EXPECT_EQ(call.result(ct().Basic.WskCloseSocket(connection_, call.irp)), STATUS_SUCCESS);
        }
        datagram_test::TearDown();
    }

    // The call raises 0xC4 with `rule` before anything is done: the IRP is
    // neither completed nor held, and both sockets stay live and usable.
    void expect_refused(PWSK_SOCKET socket, ULONG_PTR rule) {
        irp_call call;
        try {
            wskemu::catch_bug_check([&] { GetParam().call(socket, call.irp); });
            ADD_FAILURE() << "no bug check";
        } catch (const wskemu::bug_check_error& error) {
            EXPECT_EQ(error.code(), static_cast<std::uint32_t>(DRIVER_VERIFIER_DETECTED_VIOLATION));
            EXPECT_EQ(error.parameters()[0], rule);
            EXPECT_EQ(error.parameters()[1], reinterpret_cast<ULONG_PTR>(socket));
            EXPECT_NE(std::string(error.what()).find(GetParam().name), std::string::npos) << error.what();
        }
        EXPECT_EQ(call.calls.load(), 0) << "the IRP was completed";
        EXPECT_TRUE(wskemu::wsk::is_live_socket(connection_));
        EXPECT_TRUE(wskemu::wsk::is_live_socket(datagram_));
        EXPECT_EQ(local_address(datagram_).family, wskemu::net::address_family::ipv4);
        call.arm();  // the IRP is free for the next call
        SOCKADDR_STORAGE local{};
        EXPECT_EQ(call.result(ct().WskGetLocalAddress(connection_, reinterpret_cast<PSOCKADDR>(&local), call.irp)),
                  STATUS_INVALID_DEVICE_STATE);  // still the fresh, unbound socket
    }

    // A socket of this client that is closed already.
    PWSK_SOCKET closed_socket() {
        PWSK_SOCKET s = make_socket(wskemu::net::address_family::ipv4);
        EXPECT_EQ(close(s), STATUS_SUCCESS);
        return s;
    }

    PWSK_SOCKET connection_ = nullptr;
    PWSK_SOCKET datagram_ = nullptr;
};

class SocketFunction : public socket_mixup_test {
protected:
    bool connection_table() const { return std::string(GetParam().table) == "Connection"; }
};
INSTANTIATE_TEST_SUITE_P(BadInput, SocketFunction, ::testing::ValuesIn(table_calls), call_name);

TEST_P(SocketFunction, OnASocketOfTheOtherCategoryIsAVerifierBugCheckThatTouchesNothing) {
    expect_refused(connection_table() ? datagram_ : connection_, wskemu::wsk::socket_wrong_category);
}

TEST_P(SocketFunction, OnAClosedOrNullSocketIsAVerifierBugCheckThatTouchesNothing) {
    expect_refused(closed_socket(), wskemu::wsk::socket_not_live);
    expect_refused(nullptr, wskemu::wsk::socket_not_live);
}

}  // namespace
