// The verifier's WSK rules (docs/verifier.md) against a real loopback peer:
// each driver fragment of tests/drivers/verifier_driver.c breaks one rule and
// the report names the rule, the function and the object; fixed, it runs
// clean.
#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/bug_check.hpp>
#include <wskemu/leak_report.hpp>
#include <wskemu/verifier.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "conformance/support/loopback_peer.hpp"
#include "drivers/verifier_driver.h"
#include "kernel/ex_pool.hpp"
#include "kernel/irql.hpp"
#include "kernel/verifier_irp.hpp"
#include "support/kernel_fixture.hpp"
#include "support/wsk_test_support.hpp"
#include "wsk/wsk_registration.hpp"
#include "wsk/wsk_socket.hpp"
#include "wsk/wsk_verifier.hpp"

namespace {

using namespace std::chrono_literals;
using namespace wskemu::test;
using wskemu::net::address_family;

// The one report a broken fragment must give.
void expect_one_report(const char* rule, const std::string& function, const void* object) {
    const auto reports = wskemu::verifier::take_reports();
    std::string all;
    for (const auto& report : reports) {
        all += wskemu::verifier::format(report) + "\n";
    }
    ASSERT_EQ(reports.size(), 1u) << all;
    EXPECT_EQ(reports[0].rule, rule) << all;
    EXPECT_EQ(reports[0].function, function) << all;
    EXPECT_EQ(reports[0].object, object) << all;
    EXPECT_FALSE(reports[0].violation_stack.empty());
}

void expect_clean() {
    for (const auto& report : wskemu::verifier::take_reports()) {
        ADD_FAILURE() << "unexpected: " << wskemu::verifier::format(report);
    }
}

// Runs a fragment that may raise a bug check; true if it did.
template <typename Body>
bool raised(Body&& body) {
    try {
        wskemu::catch_bug_check(body);
    } catch (const wskemu::bug_check_error&) {
        return true;
    }
    return false;
}

// A receive event that keeps every list it is given (STATUS_PENDING).
std::atomic<PWSK_DATA_INDICATION> retained_list{nullptr};
NTSTATUS WSKAPI retain_every_list(PVOID, ULONG, PWSK_DATA_INDICATION list, SIZE_T, SIZE_T*) {
    if (list == nullptr) {
        return STATUS_SUCCESS;
    }
    retained_list = list;
    return STATUS_PENDING;
}
const WSK_CLIENT_CONNECTION_DISPATCH retaining_events = {retain_every_list, nullptr, nullptr};

// A registered client with one socket connected to a loopback peer.
class WskVerifier : public kernel_test {
protected:
    void SetUp() override {
        kernel_test::SetUp();
        WSK_CLIENT_NPI npi{nullptr, &client_dispatch};
        ASSERT_EQ(WskRegister(&npi, &block_), STATUS_SUCCESS);
        ASSERT_EQ(WskCaptureProviderNPI(&block_, WSK_NO_WAIT, &wsk_.Provider), STATUS_SUCCESS);
        wsk_.Registration = &block_;
        peer_ = std::make_unique<loopback_peer>(address_family::ipv4);
        ASSERT_TRUE(peer_->ok());
        wsk_.Socket = connect();
        ASSERT_NE(wsk_.Socket, nullptr);
        ASSERT_TRUE(peer_->accept());
    }

    void TearDown() override {
        if (wsk_.Socket != nullptr) {
            close(wsk_.Socket);
        }
        peer_.reset();
        WskReleaseProviderNPI(&block_);
        WskDeregister(&block_);
        kernel_test::TearDown();
    }

    PWSK_SOCKET open_socket() {
        irp_call call;
        const NTSTATUS returned = wsk_.Provider.Dispatch->WskSocket(
            wsk_.Provider.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, nullptr,
            &retaining_events, nullptr, nullptr, nullptr, call.irp);
        EXPECT_EQ(call.result(returned), STATUS_SUCCESS);
        return reinterpret_cast<PWSK_SOCKET>(call.information);
    }

    PWSK_SOCKET connect() {
        PWSK_SOCKET s = open_socket();
        SOCKADDR_STORAGE local = sockaddr_of(wskemu::net::endpoint::loopback(address_family::ipv4, 0));
        SOCKADDR_STORAGE remote = sockaddr_of(peer_->endpoint());
        irp_call call;
        EXPECT_EQ(call.result(table(s)->WskBind(s, reinterpret_cast<PSOCKADDR>(&local), 0, call.irp)),
                  STATUS_SUCCESS);
        call.arm();
        EXPECT_EQ(call.result(table(s)->WskConnect(s, reinterpret_cast<PSOCKADDR>(&remote), 0, call.irp)),
                  STATUS_SUCCESS);
        return s;
    }

    // A list the receive event of the test's socket retained: the peer sends
    // a byte with the event on, and the event is turned off again.
    PWSK_DATA_INDICATION retain_one() {
        retained_list = nullptr;
        PWSK_SOCKET s = wsk_.Socket;
        WSK_EVENT_CALLBACK_CONTROL control{const_cast<PNPIID>(&NPI_WSK_INTERFACE_ID), WSK_EVENT_RECEIVE};
        EXPECT_EQ(table(s)->Basic.WskControlSocket(s, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET,
                                                   sizeof(control), &control, 0, nullptr, nullptr, nullptr),
                  STATUS_SUCCESS);
        EXPECT_TRUE(peer_->send("x", 1));
        for (int i = 0; i < 1000 && retained_list.load() == nullptr; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        control.EventMask = WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE;
        irp_call call;
        EXPECT_EQ(call.result(table(s)->Basic.WskControlSocket(s, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET,
                                                               sizeof(control), &control, 0, nullptr, nullptr,
                                                               call.irp)),
                  STATUS_SUCCESS);
        EXPECT_NE(retained_list.load(), nullptr);
        return retained_list.load();
    }

    static const WSK_PROVIDER_CONNECTION_DISPATCH* table(PWSK_SOCKET s) {
        return static_cast<const WSK_PROVIDER_CONNECTION_DISPATCH*>(s->Dispatch);
    }

    static void close(PWSK_SOCKET s) {
        irp_call call;
        EXPECT_EQ(call.result(wskemu::wsk::connection_dispatch().Basic.WskCloseSocket(s, call.irp)), STATUS_SUCCESS);
    }

    WSK_REGISTRATION block_{};
    VF_WSK wsk_{};
    std::unique_ptr<loopback_peer> peer_;
};

// ---- IRPs and buffers of one call, and a pending receive ----------------------------

// The peer of the running test, for the fragments that wait on it.
loopback_peer* active_peer = nullptr;

// Fragments of a pending receive, with the peer sending the 4 bytes it waits for.
template <NTSTATUS (*Fragment)(PVF_WSK, BOOLEAN, VF_PEER_SENDS, PVOID, PVOID*)>
NTSTATUS with_peer(PVF_WSK wsk, BOOLEAN fixed, PVOID* object) {
    auto sends = [](PVOID context) {
        const unsigned char bytes[4] = {1, 2, 3, 4};
        EXPECT_TRUE(static_cast<loopback_peer*>(context)->send(bytes, sizeof(bytes)));
    };
    return Fragment(wsk, fixed, sends, active_peer, object);
}

void free_irp(PVOID irp) { IoFreeIrp(static_cast<PIRP>(irp)); }
void free_mdl(PVOID mdl) { IoFreeMdl(static_cast<PMDL>(mdl)); }

struct call_case {
    const char* rule;
    const char* function;
    NTSTATUS (*run)(PVF_WSK, BOOLEAN, PVOID*);
    NTSTATUS broken;         // what the broken fragment returns
    NTSTATUS fixed;          // what the fixed one returns
    void (*leftover)(PVOID); // frees what the verifier kept from a free done too early
};

class WskVerifierCall : public WskVerifier, public ::testing::WithParamInterface<call_case> {
protected:
    void SetUp() override {
        WskVerifier::SetUp();
        active_peer = peer_.get();
    }
};

TEST_P(WskVerifierCall, BrokenDriverIsReportedAndFixedRunsClean) {
    const call_case& c = GetParam();
    PVOID object = nullptr;
    EXPECT_EQ(c.run(&wsk_, FALSE, &object), c.broken);
    expect_one_report(c.rule, c.function, object);
    if (c.leftover != nullptr) {
        c.leftover(object);
    }
    EXPECT_EQ(c.run(&wsk_, TRUE, &object), c.fixed);
    expect_clean();
}

const call_case call_cases[] = {
    {"irp.no_stack_location", "WskSend", VfSendWithIrpOfStackSize, STATUS_INVALID_PARAMETER, STATUS_SUCCESS,
     nullptr},
    {"irp.no_completion_routine", "WskSend", VfSendWithoutCompletionRoutine, STATUS_SUCCESS, STATUS_SUCCESS, nullptr},
    {"irp.invoke_flags", "WskSend", VfSendWithRoutineOnSuccessOnly, STATUS_SUCCESS, STATUS_SUCCESS, nullptr},
    // The IRP stays with the driver, which frees it: no double free follows.
    {"irp.completion_status", "WskSend", VfRoutineContinuesCompletion, STATUS_SUCCESS, STATUS_SUCCESS, nullptr},
    {"mdl.wsk_buf_offset", "WskSend", VfSendWithBadOffset, STATUS_INVALID_PARAMETER, STATUS_SUCCESS, nullptr},
    {"mdl.wsk_buf_past_chain", "WskSend", VfSendPastTheChain, STATUS_INVALID_PARAMETER, STATUS_SUCCESS, nullptr},
    {"irp.pending_reused", "WskSend", with_peer<VfReuseIrpOfPendingReceive>, STATUS_INVALID_PARAMETER,
     STATUS_SUCCESS, nullptr},
    {"irp.reuse_while_pending", "IoReuseIrp", with_peer<VfIoReuseIrpWhilePending>, STATUS_SUCCESS, STATUS_SUCCESS,
     nullptr},
    // The free is skipped, so the completion is safe; the driver lost the IRP.
    {"irp.free_while_pending", "IoFreeIrp", with_peer<VfIoFreeIrpWhilePending>, STATUS_SUCCESS, STATUS_SUCCESS,
     free_irp},
    {"mdl.freed_while_pending", "IoFreeMdl", with_peer<VfFreeMdlWhilePending>, STATUS_SUCCESS, STATUS_SUCCESS,
     free_mdl},
    {"mdl.unlocked_while_pending", "MmUnlockPages", with_peer<VfUnlockMdlWhilePending>, STATUS_SUCCESS,
     STATUS_SUCCESS, nullptr},
};

INSTANTIATE_TEST_SUITE_P(Rules, WskVerifierCall, ::testing::ValuesIn(call_cases),
                         [](const ::testing::TestParamInfo<call_case>& info) {
                             std::string name = info.param.rule;
                             for (char& ch : name) {
                                 if (ch == '.') {
                                     ch = '_';
                                 }
                             }
                             return name;
                         });

TEST_F(WskVerifier, WskGetAddressInfoAbovePassiveLevel) {
    PVOID irp = nullptr;
    EXPECT_TRUE(raised([&] { VfResolveAtApcLevel(&wsk_, FALSE, &irp); }));
    wskemu::kernel::set_current_irql(PASSIVE_LEVEL);
    expect_one_report("irql.function_maximum", "WskGetAddressInfo", nullptr);
    IoFreeIrp(static_cast<PIRP>(irp));
    EXPECT_EQ(VfResolveAtApcLevel(&wsk_, TRUE, &irp), STATUS_SUCCESS);
    expect_clean();
}

struct stalled_peer {
    loopback_peer* peer;
    ULONG length;
};

TEST_F(WskVerifier, SendBufferModifiedWhilePending) {
    wskemu::verifier::enable("buffer.modified_while_pending");  // opt-in
    static_cast<wskemu::wsk::connection_socket*>(wsk_.Socket)
        ->host_socket()
        .set_option(wskemu::net::socket_option::send_buffer_size, 16384);
    constexpr ULONG length = 8u << 20;  // far more than the socket buffers hold
    stalled_peer stalled{peer_.get(), length};
    auto reads = [](PVOID context) {
        auto* s = static_cast<stalled_peer*>(context);
        EXPECT_EQ(s->peer->read(s->length).size(), s->length);
    };
    PVOID irp = nullptr;
    EXPECT_EQ(VfModifyPendingSend(&wsk_, FALSE, length, reads, &stalled, &irp), STATUS_SUCCESS);
    expect_one_report("buffer.modified_while_pending", "WskSend", irp);
    EXPECT_EQ(VfModifyPendingSend(&wsk_, TRUE, length, reads, &stalled, &irp), STATUS_SUCCESS);
    wskemu::verifier::disable("buffer.modified_while_pending");
    expect_clean();
}

// An inline call's IRP is held by its own thread alone (no shared lock); a
// call that pends moves it where every thread sees it (docs/verifier.md,
// "Cost").
TEST_F(WskVerifier, PendingCallsIrpIsHeldForEveryThreadAndAnInlineCallsIrpIsReleasedOnCompletion) {
    using wskemu::kernel::verifier::held_irps;
    PWSK_SOCKET s = wsk_.Socket;
    mdl_buffer out(64, 0x5A);
    WSK_BUF send_buffer = out.wsk_buf();
    irp_call send;
    ASSERT_EQ(table(s)->WskSend(s, &send_buffer, 0, send.irp), STATUS_SUCCESS);  // room in the socket: inline
    EXPECT_EQ(send.calls.load(), 1);
    EXPECT_EQ(held_irps(), 0u);
    EXPECT_EQ(peer_->read(64).size(), 64u);

    mdl_buffer in(4);
    WSK_BUF receive_buffer = in.wsk_buf();
    irp_call receive;
    ASSERT_EQ(table(s)->WskReceive(s, &receive_buffer, 0, receive.irp), STATUS_PENDING);
    std::thread other([&] {
        EXPECT_EQ(held_irps(), 1u);
        IoReuseIrp(receive.irp, STATUS_UNSUCCESSFUL);  // too early: reported and skipped
    });
    other.join();
    expect_one_report("irp.reuse_while_pending", "IoReuseIrp", receive.irp);
    EXPECT_TRUE(peer_->send("abcd", 4));
    EXPECT_TRUE(receive.wait());  // completed on an engine thread, the routine's IRP left to the driver
    EXPECT_EQ(receive.status, STATUS_SUCCESS);
    EXPECT_EQ(receive.information, 4u);
    EXPECT_EQ(held_irps(), 0u);
    expect_clean();
}

// ---- close ---------------------------------------------------------------------------

TEST_F(WskVerifier, SecondCloseWhileTheFirstIsPending) {
    PVOID socket = nullptr;
    EXPECT_EQ(VfCloseTwice(&wsk_, FALSE, &socket), STATUS_INVALID_DEVICE_STATE);
    expect_one_report("socket.close_twice", "WskCloseSocket", socket);
    wsk_.Socket = connect();  // the peer's listener queues it; no traffic needed
    EXPECT_EQ(VfCloseTwice(&wsk_, TRUE, &socket), STATUS_SUCCESS);
    expect_clean();
}

TEST_F(WskVerifier, CallWhileTheCloseIsPending) {
    PVOID socket = nullptr;
    EXPECT_EQ(VfSendWhileClosing(&wsk_, FALSE, &socket), STATUS_INVALID_DEVICE_STATE);
    expect_one_report("socket.call_while_closing", "WskSend", socket);
    wsk_.Socket = connect();
    EXPECT_EQ(VfSendWhileClosing(&wsk_, TRUE, &socket), STATUS_SUCCESS);
    expect_clean();
}

TEST_F(WskVerifier, CallAfterTheCloseCompleted) {
    PVOID socket = nullptr;
    EXPECT_TRUE(raised([&] { VfSendAfterClose(&wsk_, FALSE, &socket); }));
    expect_one_report("socket.not_live", "WskSend", socket);
    wsk_.Socket = connect();
    EXPECT_EQ(VfSendAfterClose(&wsk_, TRUE, &socket), STATUS_SUCCESS);
    expect_clean();
}

// A socket of another category (none is implemented besides connection
// sockets, so the test makes one) called through the connection table.
class listening_stand_in final : public wskemu::wsk::socket_base {
public:
    explicit listening_stand_in(wskemu::wsk::registration_state& registration)
        : socket_base(wskemu::wsk::socket_category::listen, registration, nullptr) {
        Dispatch = &wskemu::wsk::connection_dispatch();
        publish();
    }
    ~listening_stand_in() override { withdraw(); }
};

TEST_F(WskVerifier, SocketFunctionOfAnotherCategory) {
    listening_stand_in listening(*wskemu::wsk::find_registration(&block_));
    PVOID socket = nullptr;
    EXPECT_TRUE(raised([&] { VfSendThroughConnectionTable(&listening, FALSE, &socket); }));
    expect_one_report("socket.wrong_category", "WskSend", socket);
    EXPECT_EQ(VfSendThroughConnectionTable(&listening, TRUE, &socket), STATUS_SUCCESS);
    expect_clean();
}

// ---- indication lists (handed out by the provider's receive event) ----------------------

TEST_F(WskVerifier, IndicationListReleasedTwice) {
    PWSK_DATA_INDICATION list = retain_one();
    EXPECT_EQ(VfReleaseIndicationTwice(&wsk_, list, FALSE), STATUS_INVALID_PARAMETER);
    expect_one_report("indication.released_twice", "WskRelease", list);
    list = retain_one();
    EXPECT_EQ(VfReleaseIndicationTwice(&wsk_, list, TRUE), STATUS_SUCCESS);
    expect_clean();
    EXPECT_EQ(wskemu::wsk::retained_indications(), 0u);
}

TEST_F(WskVerifier, IndicationListReleasedOnAnotherSocket) {
    PWSK_SOCKET other = open_socket();
    PWSK_DATA_INDICATION list = retain_one();
    EXPECT_EQ(VfReleaseIndicationOnOtherSocket(&wsk_, other, list, FALSE), STATUS_INVALID_PARAMETER);
    expect_one_report("indication.wrong_socket", "WskRelease", list);
    EXPECT_EQ(VfReleaseIndicationOnOtherSocket(&wsk_, other, list, TRUE), STATUS_SUCCESS);
    expect_clean();
    close(other);
}

TEST_F(WskVerifier, IndicationListNotReleasedByClose) {
    WSK_DATA_INDICATION list{};
    wskemu::wsk::indication_retained(wsk_.Socket, &list);
    EXPECT_EQ(VfCloseWithIndicationRetained(&wsk_, &list, FALSE), STATUS_SUCCESS);
    expect_one_report("indication.not_released", "WskCloseSocket", &list);
    EXPECT_EQ(wskemu::wsk::retained_indications(), 0u);
    wsk_.Socket = connect();
    wskemu::wsk::indication_retained(wsk_.Socket, &list);
    EXPECT_EQ(VfCloseWithIndicationRetained(&wsk_, &list, TRUE), STATUS_SUCCESS);
    expect_clean();
}

// Provider-internal: no driver can make the provider call back after close.
TEST_F(WskVerifier, EventCallbackAfterCloseIsAnInternalError) {
    PWSK_SOCKET stale = wsk_.Socket;
    EXPECT_TRUE(wskemu::wsk::event_callback_allowed(stale, "WskReceiveEvent"));
    close(stale);
    wsk_.Socket = nullptr;
    EXPECT_FALSE(wskemu::wsk::event_callback_allowed(stale, "WskReceiveEvent"));
    expect_one_report("socket.callback_after_close", "WskReceiveEvent", stale);
}

// ---- registration ------------------------------------------------------------------------

TEST_F(WskVerifier, DeregisterWithASocketOpenTimesOutWithTheSocketsCreationSite) {
    const auto previous = wskemu::verifier::set_deregister_timeout(200ms);
    PVOID block = nullptr;
    PWSK_SOCKET left_open = nullptr;
    VfDeregisterWithSocketOpen(FALSE, &block, &left_open);
    ASSERT_NE(left_open, nullptr);
    const auto reports = wskemu::verifier::take_reports();
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].rule, "wsk.deregister_blocked");
    EXPECT_EQ(reports[0].function, "WskDeregister");
    EXPECT_EQ(reports[0].object, block);
    EXPECT_NE(reports[0].message.find("created at:"), std::string::npos) << reports[0].message;
    if (wskemu::verifier::stack_names_functions()) {
        EXPECT_NE(reports[0].message.find("VfOpenSocket"), std::string::npos) << reports[0].message;
        EXPECT_NE(reports[0].creation_stack.find("VfRegisterAndCapture"), std::string::npos)
            << reports[0].creation_stack;
    }
    close(left_open);  // the abandoned registration goes with its last socket
    VfDeregisterWithSocketOpen(TRUE, &block, &left_open);
    EXPECT_EQ(left_open, nullptr);
    expect_clean();
    wskemu::verifier::set_deregister_timeout(previous);
}

TEST_F(WskVerifier, ProviderCallAfterTheLastRelease) {
    PVOID client = nullptr;
    EXPECT_EQ(VfSocketAfterRelease(FALSE, &client), STATUS_SUCCESS);
    expect_one_report("wsk.call_without_capture", "WskSocket", client);
    EXPECT_EQ(VfSocketAfterRelease(TRUE, &client), STATUS_SUCCESS);
    expect_clean();
}

TEST_F(WskVerifier, RegisterTheSameBlockTwice) {
    PVOID block = nullptr;
    EXPECT_TRUE(raised([&] { VfRegisterTwice(FALSE, &block); }));
    expect_one_report("wsk.registered_twice", "WskRegister", block);
    WskDeregister(static_cast<PWSK_REGISTRATION>(block));
    VfRegisterTwice(TRUE, &block);
    expect_clean();
}

TEST_F(WskVerifier, DeregisterTwice) {
    PVOID block = nullptr;
    EXPECT_TRUE(raised([&] { VfDeregisterTwice(FALSE, &block); }));
    expect_one_report("wsk.not_registered", "WskDeregister", block);
    VfDeregisterTwice(TRUE, &block);
    expect_clean();
}

TEST_F(WskVerifier, ReleaseMoreThanCaptured) {
    PVOID block = nullptr;
    EXPECT_TRUE(raised([&] { VfReleaseTwice(FALSE, &block); }));
    expect_one_report("wsk.released_more_than_captured", "WskReleaseProviderNPI", block);
    WskDeregister(static_cast<PWSK_REGISTRATION>(block));
    VfReleaseTwice(TRUE, &block);
    expect_clean();
}

TEST_F(WskVerifier, ClientHandleOfADeregisteredRegistration) {
    PVOID client = nullptr;
    const auto mark = wskemu::next_allocation_serial();
    EXPECT_TRUE(raised([&] { VfSocketWithStaleClient(FALSE, &client); }));
    expect_one_report("wsk.unknown_client", "WskSocket", client);
    for (const auto& block : wskemu::kernel::live_blocks()) {
        if (block.serial >= mark && block.kind == wskemu::kernel::block_kind::irp) {
            IoFreeIrp(static_cast<PIRP>(const_cast<void*>(block.address)));  // the fragment's, cut short
        }
    }
    EXPECT_EQ(VfSocketWithStaleClient(TRUE, &client), STATUS_SUCCESS);
    expect_clean();
}

// ---- leaks (no fixture socket or registration: check_leaks sees them all) ------------------

class WskVerifierLeaks : public kernel_test {};

TEST_F(WskVerifierLeaks, SocketAndRegistrationLeftAtUnload) {
    const auto mark = wskemu::next_allocation_serial();
    WSK_REGISTRATION* block = nullptr;
    PWSK_SOCKET socket = nullptr;
    VfForgetSocketAndRegistration(FALSE, &block, &socket);
    ASSERT_NE(socket, nullptr);
    EXPECT_EQ(wskemu::verifier::check_leaks(mark), 3u);
    const auto reports = wskemu::verifier::take_reports();
    ASSERT_EQ(reports.size(), 3u);
    EXPECT_EQ(reports[0].rule, "leak.pool_block");  // the WSK_REGISTRATION the driver allocated
    EXPECT_EQ(reports[0].object, block);
    EXPECT_EQ(reports[1].rule, "leak.socket");
    EXPECT_EQ(reports[1].function, "WskSocket");
    EXPECT_EQ(reports[1].object, socket);
    EXPECT_FALSE(reports[1].creation_stack.empty());
    if (wskemu::verifier::stack_names_functions()) {
        EXPECT_NE(reports[1].creation_stack.find("VfOpenSocket"), std::string::npos) << reports[1].creation_stack;
    }
    EXPECT_EQ(reports[2].rule, "leak.registration");
    EXPECT_EQ(reports[2].function, "WskRegister");
    EXPECT_EQ(reports[2].object, block);
    {
        irp_call call;
        EXPECT_EQ(call.result(wskemu::wsk::connection_dispatch().Basic.WskCloseSocket(socket, call.irp)),
                  STATUS_SUCCESS);
    }
    WskDeregister(block);
    ExFreePool(block);

    VfForgetSocketAndRegistration(TRUE, &block, &socket);
    EXPECT_EQ(wskemu::verifier::check_leaks(mark), 0u);
    expect_clean();
}

}  // namespace
