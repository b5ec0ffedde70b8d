// Conformance tests of the listening socket's callbacks: WskAcceptEvent
// (enabling, accepting, refusing, precedence of a pending WskAccept, "the
// listener is dead", inheritance, closing while it runs) and conditional
// accept (SO_CONDITIONAL_ACCEPT, WskInspectEvent, WskInspectComplete,
// WskAbortEvent) (docs/semantics.md, "WskAcceptEvent", "Conditional accept").
#include "conformance/support/listen_fixture.hpp"

#include <wskemu/fault_plan.hpp>
#include <wskemu/runtime.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace wskemu::test {
namespace {

using WskAcceptEvent = listen_test;
using ConditionalAccept = listen_test;

TEST_P(WskAcceptEvent, EnablingNeedsABoundListenerNoIrpAndTheCallback) {
    listen_recorder recorder;
    PWSK_SOCKET bare = make_listener(family());
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    EXPECT_EQ(event_callback(s, WSK_EVENT_ACCEPT), STATUS_INVALID_DEVICE_STATE);  // not bound
    listen_on(bare, family());
    EXPECT_EQ(event_callback(bare, WSK_EVENT_ACCEPT), STATUS_INVALID_PARAMETER);  // no dispatch
    EXPECT_EQ(event_callback(bare, WSK_EVENT_RECEIVE_FROM), STATUS_INVALID_PARAMETER);  // not a listener's event
    listen_on(s, family());
    irp_call call;
    WSK_EVENT_CALLBACK_CONTROL control{const_cast<PNPIID>(&NPI_WSK_INTERFACE_ID), WSK_EVENT_ACCEPT};
    EXPECT_EQ(call.result(dispatch(s)->Basic.WskControlSocket(s, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET,
                                                              sizeof(control), &control, 0, nullptr, nullptr,
                                                              call.irp)),
              STATUS_INVALID_PARAMETER);  // enabling takes no IRP
    EXPECT_EQ(event_callback(s, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
    EXPECT_EQ(event_callback(s, WSK_EVENT_ACCEPT | WSK_EVENT_DISABLE), STATUS_SUCCESS);
}

TEST_P(WskAcceptEvent, AcceptsWithTheReturnedContextAndDispatchAtDispatchLevel) {
    listen_recorder recorder;
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    const net::endpoint ep = listen_on(s, family());
    ASSERT_EQ(event_callback(s, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
    loopback_client client;
    ASSERT_TRUE(client.connect(family(), ep));
    ASSERT_TRUE(recorder.wait([](auto& r) { return r.accept_calls == 1; }));
    ASSERT_EQ(recorder.accepted.size(), 1u);
    PWSK_SOCKET a = recorder.accepted[0];
    keep(a);
    EXPECT_EQ(recorder.last_flags, ULONG{WSK_FLAG_AT_DISPATCH_LEVEL});
    EXPECT_EQ(recorder.last_irql, DISPATCH_LEVEL);
    EXPECT_EQ(recorder.last_context, &recorder);
    EXPECT_EQ(recorder.remotes[0].port, client.local().port);
    auto& connection = *static_cast<wsk::connection_socket*>(a);
    // The provider stores them once the callback has returned, on its thread.
    for (int i = 0; i < 2000 && connection.accepted_context() != recorder.accepted_context; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(connection.accepted_context(), recorder.accepted_context);
    EXPECT_EQ(connection.accepted_dispatch(), recorder.accepted_dispatch);
    EXPECT_EQ(a->Dispatch, &wsk::connection_dispatch());
    const auto bytes = pattern(777, 9);
    ASSERT_TRUE(client.send(bytes.data(), bytes.size()));
    EXPECT_EQ(receive_on(a, bytes.size()), bytes);
}

TEST_P(WskAcceptEvent, ARefusedSocketIsClosedAndThePeerSeesAReset) {
    listen_recorder recorder;
    recorder.on_accept_behaviour = [](PWSK_SOCKET) { return STATUS_REQUEST_NOT_ACCEPTED; };
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    const net::endpoint ep = listen_on(s, family());
    ASSERT_EQ(event_callback(s, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
    loopback_client client;
    client.start_connect(family(), ep);
    ASSERT_TRUE(recorder.wait([](auto& r) { return r.accept_calls == 1; }));
    EXPECT_TRUE(recorder.accepted.empty());
    EXPECT_TRUE(client.sees_reset());
}

TEST_P(WskAcceptEvent, APendingWskAcceptTakesPrecedence) {
    listen_recorder recorder;
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    const net::endpoint ep = listen_on(s, family());
    ASSERT_EQ(event_callback(s, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
    irp_call call;
    ASSERT_EQ(accept(s, call), STATUS_PENDING);
    loopback_client first;
    ASSERT_TRUE(first.connect(family(), ep));
    ASSERT_TRUE(call.wait());
    EXPECT_EQ(call.status, STATUS_SUCCESS);
    accepted(call);
    loopback_client second;  // no WskAccept left: the event
    ASSERT_TRUE(second.connect(family(), ep));
    ASSERT_TRUE(recorder.wait([](auto& r) { return r.accept_calls == 1; }));
    keep(recorder.accepted.at(0));
    EXPECT_EQ(recorder.remotes.at(0).port, second.local().port);
}

TEST_P(WskAcceptEvent, RaceOfTheEventAndPendingAcceptsGivesEachConnectionToExactlyOne) {
    constexpr int clients = 120;
    listen_recorder recorder;
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    const net::endpoint ep = listen_on(s, family());
    ASSERT_EQ(event_callback(s, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
    std::vector<std::unique_ptr<loopback_client>> peers;
    std::vector<std::unique_ptr<irp_call>> calls;
    for (int i = 0; i < clients; ++i) {
        peers.push_back(std::make_unique<loopback_client>());
        peers.back()->start_connect(family(), ep);
        if (i % 2 == 0) {
            calls.push_back(std::make_unique<irp_call>());
            accept(s, *calls.back());
        }
    }
    for (auto& peer : peers) {
        ASSERT_TRUE(peer->wait_connected());
    }
    // Each connection went to exactly one of them; the accepts left over pend.
    std::size_t by_irp = 0;
    const auto all_in = [&] {
        std::size_t done = 0;
        for (auto& call : calls) {
            done += call->calls.load();
        }
        std::lock_guard lock(recorder.mutex);
        return done + static_cast<std::size_t>(recorder.accept_calls) == static_cast<std::size_t>(clients);
    };
    for (int i = 0; i < 5000 && !all_in(); ++i) {
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_TRUE(all_in());
    for (auto& call : calls) {
        if (call->calls.load() == 1) {
            EXPECT_EQ(call->status, STATUS_SUCCESS);
            accepted(*call);
            ++by_irp;
        }
    }
    {
        std::lock_guard lock(recorder.mutex);
        for (PWSK_SOCKET a : recorder.accepted) {
            keep(a);
        }
        EXPECT_EQ(by_irp + recorder.accepted.size(), static_cast<std::size_t>(clients));
        EXPECT_EQ(recorder.overlaps.load(), 0);
    }
    EXPECT_EQ(close(s), STATUS_SUCCESS);  // the accepts left over: cancelled
    for (auto& call : calls) {
        EXPECT_EQ(call->calls.load(), 1);
    }
}

TEST_P(WskAcceptEvent, ANullIndicationFaultGivesANullAcceptSocketAndResetsTheConnection) {
    listen_recorder recorder;
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    const net::endpoint ep = listen_on(s, family());
    runtime::instance().set_faults({fault::null_indication(operation::accept_event)});
    ASSERT_EQ(event_callback(s, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
    loopback_client client;
    client.start_connect(family(), ep);
    ASSERT_TRUE(recorder.wait([](auto& r) { return r.accept_calls == 1; }));
    EXPECT_EQ(recorder.null_accepts, 1);
    EXPECT_TRUE(client.sees_reset());
    loopback_client next;  // the fault was for the first only
    ASSERT_TRUE(next.connect(family(), ep));
    ASSERT_TRUE(recorder.wait([](auto& r) { return r.accept_calls == 2; }));
    keep(recorder.accepted.at(0));
}

TEST_P(WskAcceptEvent, AFailedHostListenerGivesANullAcceptSocketThenCallsFailForcedClosed) {
    listen_recorder recorder;
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    listen_on(s, family());
    ASSERT_EQ(event_callback(s, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
    listener(s).host_listener().close();  // the host listener fails under the provider
    ASSERT_TRUE(recorder.wait([](auto& r) { return r.null_accepts == 1; }));
    irp_call call;
    EXPECT_EQ(call.result(accept(s, call)), STATUS_FILE_FORCED_CLOSED);
}

TEST_P(WskAcceptEvent, APendingAcceptFailsForcedClosedWhenTheHostListenerFails) {
    PWSK_SOCKET s = make_listener(family());
    listen_on(s, family());
    irp_call call;
    ASSERT_EQ(accept(s, call), STATUS_PENDING);
    listener(s).host_listener().close();
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_FILE_FORCED_CLOSED);
}

TEST_P(WskAcceptEvent, CloseWaitsForARunningCallbackAndNoneRunsAfterItCompleted) {
    listen_recorder recorder;
    std::atomic<bool> inside{false};
    std::atomic<bool> leave{false};
    recorder.on_accept_behaviour = [&](PWSK_SOCKET) {
        inside = true;
        while (!leave) {
            std::this_thread::sleep_for(1ms);
        }
        return STATUS_REQUEST_NOT_ACCEPTED;
    };
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    const net::endpoint ep = listen_on(s, family());
    ASSERT_EQ(event_callback(s, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
    loopback_client first;
    loopback_client second;
    ASSERT_TRUE(first.connect(family(), ep));
    ASSERT_TRUE(second.connect(family(), ep));
    for (int i = 0; i < 5000 && !inside; ++i) {
        std::this_thread::sleep_for(1ms);
    }
    ASSERT_TRUE(inside);
    std::erase(open_, s);
    irp_call close_call;
    EXPECT_EQ(dispatch(s)->Basic.WskCloseSocket(s, close_call.irp), STATUS_PENDING);
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(close_call.calls.load(), 0);  // the callback still runs
    leave = true;
    ASSERT_TRUE(close_call.wait());
    EXPECT_EQ(close_call.status, STATUS_SUCCESS);
    std::this_thread::sleep_for(20ms);
    std::lock_guard lock(recorder.mutex);
    EXPECT_EQ(recorder.accept_calls, 1);  // the second connection was never indicated
    EXPECT_EQ(recorder.overlaps.load(), 0);
}

TEST_P(WskAcceptEvent, ConnectionEventsEnabledOnTheListenerAreInheritedAndCannotBeDisabledThere) {
    listen_recorder recorder;
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    const net::endpoint ep = listen_on(s, family());
    ASSERT_EQ(event_callback(s, WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT), STATUS_SUCCESS);
    EXPECT_EQ(event_callback(s, WSK_EVENT_RECEIVE | WSK_EVENT_DISABLE), STATUS_INVALID_PARAMETER);
    ASSERT_EQ(event_callback(s, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
    EXPECT_EQ(event_callback(s, WSK_EVENT_ACCEPT | WSK_EVENT_DISABLE), STATUS_SUCCESS);
    ASSERT_EQ(event_callback(s, WSK_EVENT_ACCEPT), STATUS_SUCCESS);  // they survive that
    EXPECT_EQ(listener(s).inherited_connection_events(), ULONG{WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT});
    loopback_client by_event;
    ASSERT_TRUE(by_event.connect(family(), ep));
    ASSERT_TRUE(recorder.wait([](auto& r) { return r.accept_calls == 1; }));
    PWSK_SOCKET a = recorder.accepted.at(0);
    keep(a);
    auto& inheriting = *static_cast<wsk::connection_socket*>(a);
    for (int i = 0; i < 2000 && inheriting.inherited_events() == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // stored once the callback has returned
    }
    EXPECT_EQ(inheriting.inherited_events(), ULONG{WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT});
    // Through WskAccept: nothing inherited.
    irp_call call;
    ASSERT_EQ(accept(s, call), STATUS_PENDING);
    loopback_client by_irp;
    ASSERT_TRUE(by_irp.connect(family(), ep));
    ASSERT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    EXPECT_EQ(static_cast<wsk::connection_socket*>(accepted(call))->inherited_events(), 0u);
}

TEST_P(WskAcceptEvent, DisabledWhileConnectionsWaitTheyGoToTheNextWskAccept) {
    listen_recorder recorder;
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    const net::endpoint ep = listen_on(s, family());
    loopback_client client;
    ASSERT_TRUE(client.connect(family(), ep));
    ASSERT_TRUE(wait_waiting(s, 1));  // the event is off: it waits
    ASSERT_EQ(event_callback(s, WSK_EVENT_ACCEPT), STATUS_SUCCESS);  // enabling delivers it
    ASSERT_TRUE(recorder.wait([](auto& r) { return r.accept_calls == 1; }));
    keep(recorder.accepted.at(0));
    // The callback may not have returned yet: then the disable takes effect when it does.
    const NTSTATUS disabled = event_callback(s, WSK_EVENT_ACCEPT | WSK_EVENT_DISABLE);
    EXPECT_TRUE(disabled == STATUS_SUCCESS || disabled == STATUS_EVENT_PENDING) << std::hex << disabled;
    loopback_client later;
    ASSERT_TRUE(later.connect(family(), ep));
    ASSERT_TRUE(wait_waiting(s, 1));
    irp_call call;
    EXPECT_EQ(call.result(accept(s, call)), STATUS_SUCCESS);
    accepted(call);
    EXPECT_EQ(recorder.accept_calls, 1);
}

// ---- static events -----------------------------------------------------------------

class WskAcceptEventStatic : public listen_test {};

TEST_P(WskAcceptEventStatic, AStaticAcceptEventServesFromBindAndCannotBeDisabled) {
    WSK_EVENT_CALLBACK_CONTROL control{const_cast<PNPIID>(&NPI_WSK_INTERFACE_ID), WSK_EVENT_ACCEPT};
    ASSERT_EQ(provider_.Dispatch->WskControlClient(provider_.Client, WSK_SET_STATIC_EVENT_CALLBACKS, sizeof(control),
                                                   &control, 0, nullptr, nullptr, nullptr),
              STATUS_SUCCESS);
    irp_call refused;
    EXPECT_EQ(refused.result(provider_.Dispatch->WskSocket(provider_.Client, windows_family(family()), SOCK_STREAM,
                                                           IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET, nullptr, nullptr,
                                                           nullptr, nullptr, nullptr, refused.irp)),
              STATUS_INVALID_PARAMETER);  // no WskAcceptEvent to call
    listen_recorder recorder;
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    const net::endpoint ep = listen_on(s, family());
    EXPECT_EQ(event_callback(s, WSK_EVENT_ACCEPT | WSK_EVENT_DISABLE), STATUS_INVALID_PARAMETER);
    loopback_client client;
    ASSERT_TRUE(client.connect(family(), ep));
    ASSERT_TRUE(recorder.wait([](auto& r) { return r.accept_calls == 1; }));
    keep(recorder.accepted.at(0));
}

// ---- conditional accept -------------------------------------------------------------

TEST_P(ConditionalAccept, OnlyBeforeBindAndOnlyWithInspectAndAbortCallbacks) {
    listen_recorder recorder;
    PWSK_SOCKET partial = make_listener(family(), &accept_only_listen, &recorder);
    EXPECT_EQ(set_option(partial, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 1), STATUS_INVALID_PARAMETER);
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    EXPECT_EQ(set_option(s, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 1), STATUS_SUCCESS);
    ULONG value = 0;
    EXPECT_EQ(get_option(s, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, value), STATUS_SUCCESS);
    EXPECT_EQ(value, 1u);
    listen_on(s, family());
    EXPECT_EQ(set_option(s, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 0), STATUS_INVALID_DEVICE_STATE);
}

TEST_P(ConditionalAccept, InspectAcceptThenTheConnectionComesThroughWskAccept) {
    listen_recorder recorder;
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    ASSERT_EQ(set_option(s, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 1), STATUS_SUCCESS);
    const net::endpoint ep = listen_on(s, family());
    loopback_client client;
    ASSERT_TRUE(client.connect(family(), ep));
    ASSERT_TRUE(recorder.wait([](auto& r) { return r.inspected.size() == 1; }));
    EXPECT_EQ(recorder.last_irql, DISPATCH_LEVEL);
    irp_call call;
    EXPECT_EQ(call.result(accept(s, call)), STATUS_SUCCESS);
    PWSK_SOCKET a = accepted(call);
    const auto bytes = pattern(100, 2);
    EXPECT_EQ(send_from(a, bytes.data(), bytes.size()), STATUS_SUCCESS);
    EXPECT_EQ(client.read(bytes.size()), bytes);
}

TEST_P(ConditionalAccept, InspectRejectResetsThePeerAndNeitherAcceptNorAbortFollows) {
    listen_recorder recorder;
    recorder.inspect_action = WskInspectReject;
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    ASSERT_EQ(set_option(s, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 1), STATUS_SUCCESS);
    const net::endpoint ep = listen_on(s, family());
    ASSERT_EQ(event_callback(s, WSK_EVENT_ACCEPT), STATUS_SUCCESS);
    loopback_client client;
    client.start_connect(family(), ep);
    EXPECT_TRUE(client.sees_reset());
    std::this_thread::sleep_for(20ms);
    std::lock_guard lock(recorder.mutex);
    EXPECT_EQ(recorder.inspected.size(), 1u);
    EXPECT_EQ(recorder.accept_calls, 0);
    EXPECT_TRUE(recorder.aborted.empty());
}

TEST_P(ConditionalAccept, PendThenWskInspectCompleteAcceptsOrRejectsByIdContents) {
    listen_recorder recorder;
    recorder.inspect_action = WskInspectPend;
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    ASSERT_EQ(set_option(s, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 1), STATUS_SUCCESS);
    const net::endpoint ep = listen_on(s, family());
    loopback_client kept;
    loopback_client rejected;
    ASSERT_TRUE(kept.connect(family(), ep));
    ASSERT_TRUE(recorder.wait([](auto& r) { return r.inspected.size() == 1; }));
    ASSERT_TRUE(rejected.connect(family(), ep));
    ASSERT_TRUE(recorder.wait([](auto& r) { return r.inspected.size() == 2; }));
    ASSERT_TRUE(wait_waiting(s, 2, 5s, true));  // pended once the callbacks returned
    EXPECT_NE(recorder.inspected[0].SerialNumber, recorder.inspected[1].SerialNumber);
    irp_call call;
    WSK_INSPECT_ID copy = recorder.inspected[1];  // a copy: matched by contents
    EXPECT_EQ(call.result(dispatch(s)->WskInspectComplete(s, &copy, WskInspectReject, call.irp)), STATUS_SUCCESS);
    EXPECT_TRUE(rejected.read(1).empty());
    EXPECT_TRUE(reset_seen(rejected.error())) << static_cast<int>(rejected.error());
    copy = recorder.inspected[0];
    call.arm();
    EXPECT_EQ(call.result(dispatch(s)->WskInspectComplete(s, &copy, WskInspectAccept, call.irp)), STATUS_SUCCESS);
    call.arm();
    EXPECT_EQ(call.result(dispatch(s)->WskInspectComplete(s, &copy, WskInspectAccept, call.irp)),
              STATUS_INVALID_PARAMETER);  // completed already
    call.arm();
    EXPECT_EQ(call.result(dispatch(s)->WskInspectComplete(s, &copy, WskInspectPend, call.irp)),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.result(accept(s, call)), STATUS_SUCCESS);
    PWSK_SOCKET a = accepted(call);
    const auto bytes = pattern(64, 5);
    ASSERT_TRUE(kept.send(bytes.data(), bytes.size()));
    EXPECT_EQ(receive_on(a, bytes.size()), bytes);
}

TEST_P(ConditionalAccept, APeerDroppingAPendedConnectionGivesWskAbortEventWithItsId) {
    listen_recorder recorder;
    recorder.inspect_action = WskInspectPend;
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    ASSERT_EQ(set_option(s, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 1), STATUS_SUCCESS);
    const net::endpoint ep = listen_on(s, family());
    loopback_client client;
    ASSERT_TRUE(client.connect(family(), ep));
    ASSERT_TRUE(recorder.wait([](auto& r) { return r.inspected.size() == 1; }));
    client.reset();
    ASSERT_TRUE(recorder.wait([](auto& r) { return r.aborted.size() == 1; }));
    EXPECT_EQ(recorder.aborted[0].Key, recorder.inspected[0].Key);
    EXPECT_EQ(recorder.aborted[0].SerialNumber, recorder.inspected[0].SerialNumber);
    EXPECT_EQ(listener(s).inspecting_connections(), 0u);
    irp_call call;
    WSK_INSPECT_ID copy = recorder.inspected[0];
    EXPECT_EQ(call.result(dispatch(s)->WskInspectComplete(s, &copy, WskInspectAccept, call.irp)),
              STATUS_INVALID_PARAMETER);  // aborted: nothing to establish
}

TEST_P(ConditionalAccept, ANullInspectIdFaultTellsTheListenerIsDead) {
    listen_recorder recorder;
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    ASSERT_EQ(set_option(s, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 1), STATUS_SUCCESS);
    const net::endpoint ep = listen_on(s, family());
    runtime::instance().set_faults({fault::null_indication(operation::inspect_event)});
    loopback_client client;
    client.start_connect(family(), ep);
    ASSERT_TRUE(recorder.wait([](auto& r) { return r.null_inspects == 1; }));
    EXPECT_TRUE(client.sees_reset());
}

TEST_P(ConditionalAccept, CloseResetsPendedConnections) {
    listen_recorder recorder;
    recorder.inspect_action = WskInspectPend;
    PWSK_SOCKET s = make_listener(family(), &recording_listen, &recorder);
    ASSERT_EQ(set_option(s, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 1), STATUS_SUCCESS);
    const net::endpoint ep = listen_on(s, family());
    loopback_client client;
    ASSERT_TRUE(client.connect(family(), ep));
    ASSERT_TRUE(recorder.wait([](auto& r) { return r.inspected.size() == 1; }));
    EXPECT_EQ(close(s), STATUS_SUCCESS);
    EXPECT_TRUE(client.read(1).empty());
    EXPECT_TRUE(reset_seen(client.error())) << static_cast<int>(client.error());
}

INSTANTIATE_TEST_SUITE_P(Families, WskAcceptEvent,
                         ::testing::Values(net::address_family::ipv4, net::address_family::ipv6), listen_family_name);
INSTANTIATE_TEST_SUITE_P(Families, WskAcceptEventStatic,
                         ::testing::Values(net::address_family::ipv4, net::address_family::ipv6), listen_family_name);
INSTANTIATE_TEST_SUITE_P(Families, ConditionalAccept,
                         ::testing::Values(net::address_family::ipv4, net::address_family::ipv6), listen_family_name);

}  // namespace
}  // namespace wskemu::test
