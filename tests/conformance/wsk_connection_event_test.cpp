// Conformance tests of the event callbacks of WSK connection sockets
// (src/wsk/wsk_socket_events.cpp, wsk_socket_indications.cpp) against a real
// loopback TCP peer: SO_WSK_EVENT_CALLBACK on connection sockets, static
// events, WskReceiveEvent with WSK_DATA_INDICATION chains and its three
// answers, WskRelease, precedence of WskReceive, WskDisconnectEvent, WskSendBacklogEvent, the
// inheritance hook for accepted sockets, and the races with close and
// disable (reference §4).
#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/runtime.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "conformance/support/callback_gate.hpp"
#include "conformance/support/connection_fixture.hpp"
#include "kernel/ex_pool.hpp"

namespace {

using namespace wskemu::test;
using wskemu::net::address_family;

// The bytes of an indication chain, at most `limit` of them.
std::vector<unsigned char> bytes_of(PWSK_DATA_INDICATION list, SIZE_T limit = ~SIZE_T{0}) {
    std::vector<unsigned char> out;
    for (; list != nullptr && out.size() < limit; list = list->Next) {
        SIZE_T left = list->Buffer.Length;
        ULONG offset = list->Buffer.Offset;
        for (PMDL mdl = list->Buffer.Mdl; mdl != nullptr && left > 0 && out.size() < limit; mdl = mdl->Next) {
            const auto* base = static_cast<const unsigned char*>(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority));
            const SIZE_T in_mdl = MmGetMdlByteCount(mdl) - offset;
            const SIZE_T take = std::min({in_mdl, left, limit - out.size()});
            out.insert(out.end(), base + offset, base + offset + take);
            left -= take;
            offset = 0;
        }
    }
    return out;
}

// Records what the connection callbacks see; `on_receive` decides the answer
// (default: consume everything).
struct recorder {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<unsigned char> consumed;  // bytes the callback accepted, in order
    std::vector<std::size_t> chains;      // elements of each indication
    std::vector<ULONG> receive_flags;
    std::vector<ULONG> disconnect_flags;
    std::vector<SIZE_T> backlog_sizes;
    std::atomic<int> receive_calls{0};
    int null_indications = 0;
    int wrong_irql = 0;
    int wrong_context = 0;
    int overlaps = 0;
    std::thread::id thread;  // of the last callback
    std::atomic<int> running{0};
    std::vector<std::string> order;  // "receive" / "disconnect", as delivered
    // Returns the status; sets *accepted for a partial accept. Called unlocked.
    std::function<NTSTATUS(PWSK_DATA_INDICATION, SIZE_T, SIZE_T*)> on_receive;

    void enter(PVOID context) {
        thread = std::this_thread::get_id();
        if (running.fetch_add(1) != 0) {
            ++overlaps;
        }
        if (KeGetCurrentIrql() != DISPATCH_LEVEL) {
            ++wrong_irql;
        }
        if (context != this) {
            ++wrong_context;
        }
    }
    void leave() {
        running.fetch_sub(1);
        cv.notify_all();
    }

    static NTSTATUS WSKAPI receive(PVOID context, ULONG flags, PWSK_DATA_INDICATION list, SIZE_T indicated,
                                   SIZE_T* accepted) {
        auto* self = static_cast<recorder*>(context);
        self->enter(context);
        NTSTATUS status = STATUS_SUCCESS;
        if (list == nullptr) {
            std::lock_guard lock(self->mutex);
            ++self->null_indications;
            ++self->receive_calls;
        } else {
            if (self->on_receive) {
                status = self->on_receive(list, indicated, accepted);
            }
            std::lock_guard lock(self->mutex);
            ++self->receive_calls;
            std::size_t n = 0;
            for (PWSK_DATA_INDICATION e = list; e != nullptr; e = e->Next) {
                ++n;
            }
            self->chains.push_back(n);
            self->receive_flags.push_back(flags);
            self->order.emplace_back("receive");
            if (status == STATUS_SUCCESS || status == STATUS_PENDING) {
                const SIZE_T take = status == STATUS_SUCCESS ? *accepted : indicated;
                const auto bytes = bytes_of(list, take);
                self->consumed.insert(self->consumed.end(), bytes.begin(), bytes.end());
            }
        }
        self->leave();
        return status;
    }

    static NTSTATUS WSKAPI disconnect(PVOID context, ULONG flags) {
        auto* self = static_cast<recorder*>(context);
        self->enter(context);
        {
            std::lock_guard lock(self->mutex);
            self->disconnect_flags.push_back(flags);
            self->order.emplace_back("disconnect");
        }
        self->leave();
        return STATUS_SUCCESS;
    }

    static NTSTATUS WSKAPI send_backlog(PVOID context, SIZE_T ideal) {
        auto* self = static_cast<recorder*>(context);
        self->enter(context);
        {
            std::lock_guard lock(self->mutex);
            self->backlog_sizes.push_back(ideal);
        }
        self->leave();
        return STATUS_SUCCESS;
    }

    template <typename Predicate>
    bool wait_until(Predicate predicate, std::chrono::milliseconds timeout = 10s) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, timeout, [&] { return predicate(); });
    }
    bool wait_for_bytes(std::size_t n) {
        return wait_until([&] { return consumed.size() >= n; });
    }
};

const WSK_CLIENT_CONNECTION_DISPATCH recording_events = {recorder::receive, recorder::disconnect,
                                                         recorder::send_backlog};

class event_test : public connection_test {
protected:
    static NTSTATUS event_control(PWSK_SOCKET s, ULONG mask, PIRP irp = nullptr) {
        WSK_EVENT_CALLBACK_CONTROL control{const_cast<PNPIID>(&NPI_WSK_INTERFACE_ID), mask};
        return dispatch(s)->Basic.WskControlSocket(s, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET,
                                                   sizeof(control), &control, 0, nullptr, nullptr, irp);
    }
    NTSTATUS set_static_events(ULONG mask) {
        WSK_EVENT_CALLBACK_CONTROL control{const_cast<PNPIID>(&NPI_WSK_INTERFACE_ID), mask};
        return provider_.Dispatch->WskControlClient(provider_.Client, WSK_SET_STATIC_EVENT_CALLBACKS,
                                                    sizeof(control), &control, 0, nullptr, nullptr, nullptr);
    }
    // A connected socket with the recording callbacks and `events` enabled.
    PWSK_SOCKET event_socket(ULONG events = WSK_EVENT_RECEIVE) {
        PWSK_SOCKET s = connected_socket(&recording_events, &recorder_);
        if (events != 0) {
            EXPECT_EQ(event_control(s, events), STATUS_SUCCESS);
        }
        return s;
    }
    bool peer_send(const std::vector<unsigned char>& data) { return peer_->send(data.data(), data.size()); }
    static wskemu::wsk::connection_socket& socket_of(PWSK_SOCKET s) {
        return *static_cast<wskemu::wsk::connection_socket*>(s);
    }
    // A synchronous WskReceive of up to `size` bytes.
    std::vector<unsigned char> receive_now(PWSK_SOCKET s, std::size_t size, ULONG flags = 0) {
        mdl_buffer buffer(size);
        irp_call call;
        const NTSTATUS status = call.result(receive(s, buffer.wsk_buf(), call, flags));
        EXPECT_EQ(status, STATUS_SUCCESS);
        return {buffer.bytes.begin(), buffer.bytes.begin() + static_cast<std::ptrdiff_t>(call.information)};
    }

    // A socket (into `s`) whose receive event keeps every list; the peer
    // sends `data`; the list that carried it (the last one kept).
    PWSK_DATA_INDICATION retain(PWSK_SOCKET& s, const std::vector<unsigned char>& data) {
        recorder_.on_receive = [this](PWSK_DATA_INDICATION list, SIZE_T, SIZE_T*) {
            last_kept_ = list;
            return STATUS_PENDING;
        };
        s = event_socket();
        EXPECT_TRUE(peer_send(data));
        EXPECT_TRUE(recorder_.wait_for_bytes(data.size()));
        return last_kept_.load();
    }

    recorder recorder_;
    std::atomic<PWSK_DATA_INDICATION> last_kept_{nullptr};
};

#define WSK_CONNECTION_EVENT_SUITE(name)                                                                     \
    class name : public event_test {};                                                                       \
    INSTANTIATE_TEST_SUITE_P(Families, name, ::testing::Values(address_family::ipv4, address_family::ipv6), \
                             wskemu::test::family_name)

WSK_CONNECTION_EVENT_SUITE(ConnectionEventControl);
WSK_CONNECTION_EVENT_SUITE(WskReceiveEvent);
WSK_CONNECTION_EVENT_SUITE(WskReleaseDataIndication);
WSK_CONNECTION_EVENT_SUITE(WskDisconnectEvent);
WSK_CONNECTION_EVENT_SUITE(WskSendBacklogEvent);
WSK_CONNECTION_EVENT_SUITE(InheritedConnectionEvents);
WSK_CONNECTION_EVENT_SUITE(ConnectionEventTestControl);

// ---- enabling and disabling ---------------------------------------------------------------

TEST_P(ConnectionEventControl, EnablingNeedsAConnectedSocketNoIrpAndTheCallbacks) {
    PWSK_SOCKET unconnected = make_socket(&recording_events, &recorder_);
    EXPECT_EQ(event_control(unconnected, WSK_EVENT_RECEIVE), STATUS_INVALID_DEVICE_STATE);
    PWSK_SOCKET s = event_socket(0);
    irp_call call;
    EXPECT_EQ(event_control(s, WSK_EVENT_RECEIVE, call.irp), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 1) << "the IRP given is completed with the error";
    EXPECT_EQ(call.status, STATUS_INVALID_PARAMETER);
    EXPECT_EQ(event_control(s, WSK_EVENT_RECEIVE_FROM), STATUS_INVALID_PARAMETER) << "a datagram event";
    EXPECT_EQ(event_control(s, WSK_EVENT_ACCEPT), STATUS_INVALID_PARAMETER) << "a listening event";
    EXPECT_EQ(event_control(s, WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT | WSK_EVENT_SEND_BACKLOG), STATUS_SUCCESS)
        << "several at once";
    // A second connection, to a peer of its own.
    loopback_peer other_peer(GetParam());
    const WSK_CLIENT_CONNECTION_DISPATCH receive_only = {recorder::receive, nullptr, nullptr};
    PWSK_SOCKET other = make_socket(&receive_only, &recorder_);
    ASSERT_EQ(bind(other, wskemu::net::endpoint::loopback(GetParam(), 0)), STATUS_SUCCESS);
    ASSERT_EQ(connect(other, other_peer.endpoint()), STATUS_SUCCESS);
    ASSERT_TRUE(other_peer.accept());
    EXPECT_EQ(event_control(other, WSK_EVENT_DISCONNECT), STATUS_INVALID_PARAMETER) << "no callback for it";
    EXPECT_EQ(event_control(other, WSK_EVENT_RECEIVE), STATUS_SUCCESS);
    EXPECT_EQ(close(other), STATUS_SUCCESS);
}

TEST_P(ConnectionEventControl, DisablingOneEventPerCallStopsItAndTheBytesWaitForAReceive) {
    PWSK_SOCKET s = event_socket(WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT);
    EXPECT_EQ(event_control(s, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT),
              STATUS_INVALID_PARAMETER)
        << "one event per disable";
    EXPECT_EQ(event_control(s, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE), STATUS_SUCCESS);
    irp_call call;
    EXPECT_EQ(event_control(s, WSK_EVENT_DISABLE | WSK_EVENT_DISCONNECT, call.irp), STATUS_SUCCESS);
    EXPECT_EQ(call.result(STATUS_SUCCESS), STATUS_SUCCESS) << "the optional IRP completes inline";
    const auto data = pattern(3000, 4);
    ASSERT_TRUE(peer_send(data));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(recorder_.receive_calls, 0);
    EXPECT_EQ(receive_now(s, data.size(), WSK_FLAG_WAITALL), data);
}

TEST_P(ConnectionEventControl, DisablingWhileTheCallbackRunsGivesEventPendingOrPendsTheIrp) {
    gate g;
    recorder_.on_receive = [&](PWSK_DATA_INDICATION, SIZE_T, SIZE_T*) {
        g.wait();
        return STATUS_SUCCESS;
    };
    PWSK_SOCKET s = event_socket();
    ASSERT_TRUE(peer_send(pattern(10)));
    ASSERT_TRUE(g.wait_for_waiter());
    EXPECT_EQ(event_control(s, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE), STATUS_EVENT_PENDING);
    irp_call call;
    EXPECT_EQ(event_control(s, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE, call.irp), STATUS_PENDING);
    EXPECT_FALSE(call.wait(100ms)) << "pends while the callback runs";
    g.release();
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    const auto later = pattern(50, 7);
    ASSERT_TRUE(peer_send(later));
    EXPECT_EQ(receive_now(s, later.size(), WSK_FLAG_WAITALL), later) << "no further indication took them";
    std::lock_guard lock(recorder_.mutex);
    EXPECT_EQ(recorder_.receive_calls, 1);
}

TEST_P(ConnectionEventControl, StaticEventsApplyFromTheConnectAndCannotBeDisabled) {
    ASSERT_EQ(set_static_events(WSK_EVENT_RECEIVE | WSK_EVENT_RECEIVE_FROM), STATUS_SUCCESS);
    PWSK_SOCKET s = event_socket(0);
    const auto data = pattern(700, 3);
    ASSERT_TRUE(peer_send(data));
    ASSERT_TRUE(recorder_.wait_for_bytes(data.size())) << "indicated without SO_WSK_EVENT_CALLBACK";
    EXPECT_EQ(recorder_.consumed, data);
    EXPECT_EQ(event_control(s, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE), STATUS_INVALID_PARAMETER);
}

// ---- WskReceiveEvent --------------------------------------------------------------------------

TEST_P(WskReceiveEvent, IndicatesTheBytesInOrderAtDispatchLevelWithTheContext) {
    PWSK_SOCKET s = event_socket();
    std::vector<unsigned char> sent;
    for (unsigned i = 0; i < 5; ++i) {
        const auto piece = pattern(100 + 300 * i, i);
        ASSERT_TRUE(peer_send(piece));
        sent.insert(sent.end(), piece.begin(), piece.end());
    }
    ASSERT_TRUE(recorder_.wait_for_bytes(sent.size()));
    std::lock_guard lock(recorder_.mutex);
    EXPECT_EQ(recorder_.consumed, sent);
    EXPECT_EQ(recorder_.wrong_irql, 0);
    EXPECT_EQ(recorder_.wrong_context, 0);
    EXPECT_EQ(recorder_.overlaps, 0);
    for (ULONG flags : recorder_.receive_flags) {
        EXPECT_NE(flags & WSK_FLAG_AT_DISPATCH_LEVEL, 0u);
    }
    EXPECT_NE(recorder_.receive_flags.back() & WSK_FLAG_ENTIRE_MESSAGE, 0u)
        << "the last indication holds everything that had arrived";
    (void)s;
}

TEST_P(WskReceiveEvent, ABurstArrivesAsChainsOfIndicationsAndNothingIsLost) {
    gate g;
    bool first = true;
    recorder_.on_receive = [&](PWSK_DATA_INDICATION, SIZE_T, SIZE_T*) {
        if (first) {
            first = false;
            g.wait();  // the rest piles up meanwhile
        }
        return STATUS_SUCCESS;
    };
    PWSK_SOCKET s = event_socket();
    const auto head = pattern(10, 1);
    ASSERT_TRUE(peer_send(head));
    ASSERT_TRUE(g.wait_for_waiter());
    const auto burst = pattern(200000, 2);
    ASSERT_TRUE(peer_send(burst));
    std::this_thread::sleep_for(100ms);
    g.release();
    ASSERT_TRUE(recorder_.wait_for_bytes(head.size() + burst.size()));
    std::lock_guard lock(recorder_.mutex);
    std::vector<unsigned char> all(head);
    all.insert(all.end(), burst.begin(), burst.end());
    EXPECT_EQ(recorder_.consumed, all);
    EXPECT_GT(*std::max_element(recorder_.chains.begin(), recorder_.chains.end()), 1u) << "a chain";
    (void)s;
}

TEST_P(WskReceiveEvent, DataNotAcceptedKeepsTheBytesUntilAWskReceiveWhichGetsThemFirst) {
    std::atomic<int> refusals{1};
    recorder_.on_receive = [&](PWSK_DATA_INDICATION, SIZE_T, SIZE_T*) {
        return refusals.fetch_sub(1) > 0 ? STATUS_DATA_NOT_ACCEPTED : STATUS_SUCCESS;
    };
    PWSK_SOCKET s = event_socket();
    const auto first = pattern(400, 1);
    ASSERT_TRUE(peer_send(first));
    ASSERT_TRUE(recorder_.wait_until([&] { return recorder_.receive_calls == 1; }));
    const auto second = pattern(300, 2);
    ASSERT_TRUE(peer_send(second));
    std::this_thread::sleep_for(150ms);
    EXPECT_EQ(recorder_.receive_calls, 1) << "no indication until a WskReceive";
    EXPECT_GE(socket_of(s).kept_bytes(), first.size());
    EXPECT_EQ(receive_now(s, first.size(), WSK_FLAG_WAITALL), first) << "the kept bytes come first";
    ASSERT_TRUE(recorder_.wait_for_bytes(second.size())) << "indications resume after the receive";
    EXPECT_EQ(recorder_.consumed, second);
}

TEST_P(WskReceiveEvent, AZeroLengthReceiveResumesIndicationsWithTheKeptBytes) {
    std::atomic<int> refusals{1};
    recorder_.on_receive = [&](PWSK_DATA_INDICATION, SIZE_T, SIZE_T*) {
        return refusals.fetch_sub(1) > 0 ? STATUS_DATA_NOT_ACCEPTED : STATUS_SUCCESS;
    };
    PWSK_SOCKET s = event_socket();
    const auto data = pattern(900, 5);
    ASSERT_TRUE(peer_send(data));
    ASSERT_TRUE(recorder_.wait_until([&] { return recorder_.receive_calls == 1; }));
    WSK_BUF empty{nullptr, 0, 0};  // Length 0: Mdl may be NULL
    irp_call call;
    EXPECT_EQ(call.result(receive(s, empty, call)), STATUS_SUCCESS);
    EXPECT_EQ(call.information, 0u);
    ASSERT_TRUE(recorder_.wait_for_bytes(data.size()));
    EXPECT_EQ(recorder_.consumed, data) << "re-indicated from the first byte";
}

TEST_P(WskReceiveEvent, PartialAcceptThenAPostedReceiveGetsTheRestInOrder) {
    std::atomic<int> partial{1};
    recorder_.on_receive = [&](PWSK_DATA_INDICATION, SIZE_T indicated, SIZE_T* accepted) {
        if (partial.fetch_sub(1) > 0) {
            *accepted = indicated / 4;
        }
        return STATUS_SUCCESS;
    };
    PWSK_SOCKET s = event_socket();
    const auto data = pattern(2000, 6);
    ASSERT_TRUE(peer_send(data));
    ASSERT_TRUE(recorder_.wait_until([&] { return recorder_.receive_calls == 1; }));
    std::vector<unsigned char> got;
    {
        std::lock_guard lock(recorder_.mutex);
        got = recorder_.consumed;
    }
    ASSERT_LT(got.size(), data.size());
    const auto rest = receive_now(s, data.size() - got.size(), WSK_FLAG_WAITALL);
    got.insert(got.end(), rest.begin(), rest.end());
    EXPECT_EQ(got, data);
    const auto more = pattern(100, 8);
    ASSERT_TRUE(peer_send(more));
    ASSERT_TRUE(recorder_.wait_until([&] { return recorder_.receive_calls == 2; })) << "indications resumed";
}

TEST_P(WskReceiveEvent, APendingWskReceiveTakesPrecedence) {
    PWSK_SOCKET s = event_socket();
    mdl_buffer buffer(100);
    irp_call call;
    ASSERT_EQ(receive(s, buffer.wsk_buf(), call), STATUS_PENDING);
    const auto data = pattern(60, 3);
    ASSERT_TRUE(peer_send(data));
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    ASSERT_EQ(call.information, data.size());
    EXPECT_TRUE(std::equal(data.begin(), data.end(), buffer.bytes.begin()));
    EXPECT_EQ(recorder_.receive_calls, 0);
    const auto later = pattern(30, 9);
    ASSERT_TRUE(peer_send(later));
    ASSERT_TRUE(recorder_.wait_for_bytes(later.size())) << "with no receive pending, the event takes over";
    EXPECT_EQ(recorder_.consumed, later);
}

TEST_P(WskReceiveEvent, ANullIndicationFaultTellsTheCallbackTheSocketIsDead) {
    wskemu::runtime::instance().add_fault(wskemu::fault::null_indication(wskemu::operation::receive_event));
    PWSK_SOCKET s = event_socket();
    ASSERT_TRUE(peer_send(pattern(20)));
    ASSERT_TRUE(recorder_.wait_until([&] { return recorder_.receive_calls == 1; }));
    EXPECT_EQ(recorder_.null_indications, 1);
    EXPECT_TRUE(recorder_.consumed.empty());
    mdl_buffer buffer(10);
    irp_call call;
    EXPECT_EQ(call.result(send(s, buffer.wsk_buf(), call)), STATUS_FILE_FORCED_CLOSED) << "only close is left";
}

TEST_P(WskReceiveEvent, CloseWaitsForARunningCallbackAndNoneRunsAfterItCompleted) {
    gate g;
    recorder_.on_receive = [&](PWSK_DATA_INDICATION, SIZE_T, SIZE_T*) {
        g.wait();
        return STATUS_SUCCESS;
    };
    PWSK_SOCKET s = event_socket(WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT);
    ASSERT_TRUE(peer_send(pattern(10)));
    ASSERT_TRUE(g.wait_for_waiter());
    ASSERT_TRUE(peer_send(pattern(10, 2)));
    open_.clear();
    irp_call call;
    EXPECT_EQ(dispatch(s)->Basic.WskCloseSocket(s, call.irp), STATUS_PENDING);
    EXPECT_FALSE(call.wait(150ms)) << "the close waits for the running callback";
    g.release();
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    const int calls = recorder_.receive_calls;
    peer_->shutdown_send();
    std::this_thread::sleep_for(100ms);
    std::lock_guard lock(recorder_.mutex);
    EXPECT_EQ(recorder_.receive_calls, calls);
    EXPECT_TRUE(recorder_.disconnect_flags.empty()) << "nothing after the close completed";
    EXPECT_EQ(recorder_.running.load(), 0);
}

TEST_P(WskReceiveEvent, CloseFromInsideTheCallbackCompletesAfterItReturns) {
    irp_call call;
    std::atomic<PWSK_SOCKET> self{nullptr};
    std::atomic<bool> returned_pending{false};
    recorder_.on_receive = [&](PWSK_DATA_INDICATION, SIZE_T, SIZE_T*) {
        PWSK_SOCKET s = self.load();
        returned_pending = dispatch(s)->Basic.WskCloseSocket(s, call.irp) == STATUS_PENDING;
        returned_pending = returned_pending && call.calls.load() == 0;
        return STATUS_SUCCESS;
    };
    PWSK_SOCKET s = event_socket();
    open_.clear();
    self = s;
    ASSERT_TRUE(peer_send(pattern(10)));
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    EXPECT_TRUE(returned_pending.load());
}

TEST_P(WskReceiveEvent, RetainingManyBytesSetsReleaseAsap) {
    std::mutex kept_mutex;
    std::vector<PWSK_DATA_INDICATION> kept;
    recorder_.on_receive = [&](PWSK_DATA_INDICATION list, SIZE_T, SIZE_T*) {
        std::lock_guard lock(kept_mutex);
        kept.push_back(list);
        return STATUS_PENDING;
    };
    PWSK_SOCKET s = event_socket();
    const auto data = pattern(1536 * 1024, 3);
    ASSERT_TRUE(peer_send(data));
    ASSERT_TRUE(recorder_.wait_for_bytes(data.size()));
    {
        std::lock_guard lock(recorder_.mutex);
        EXPECT_EQ(recorder_.consumed, data) << "indications go on while lists are retained";
        EXPECT_EQ(recorder_.receive_flags.front() & WSK_FLAG_RELEASE_ASAP, 0u);
        EXPECT_NE(recorder_.receive_flags.back() & WSK_FLAG_RELEASE_ASAP, 0u);
    }
    std::lock_guard lock(kept_mutex);
    for (PWSK_DATA_INDICATION list : kept) {
        EXPECT_EQ(dispatch(s)->WskRelease(s, list), STATUS_SUCCESS);
    }
    EXPECT_EQ(socket_of(s).retained_indications(), 0u);
}

// ---- WskRelease -----------------------------------------------------------------------------

TEST_P(WskReleaseDataIndication, APendingListStaysValidUntilReleasedOnce) {
    PWSK_SOCKET s = nullptr;
    const auto data = pattern(500, 2);
    PWSK_DATA_INDICATION list = retain(s, data);
    ASSERT_NE(list, nullptr);
    EXPECT_GE(socket_of(s).retained_indications(), 1u);
    EXPECT_EQ(bytes_of(list), data) << "still the driver's to read after the callback returned";
    EXPECT_EQ(dispatch(s)->WskRelease(s, list), STATUS_SUCCESS);
    EXPECT_EQ(socket_of(s).retained_indications(), 0u);
    EXPECT_EQ(dispatch(s)->WskRelease(s, list), STATUS_INVALID_PARAMETER) << "released already";
    EXPECT_EQ(dispatch(s)->WskRelease(s, nullptr), STATUS_INVALID_PARAMETER);
    expect_verifier_reports({"indication.released_twice"});
}

TEST_P(WskReleaseDataIndication, CloseDoesNotReleaseRetainedListsAndTheVerifierReportsThem) {
    PWSK_SOCKET s = nullptr;
    const auto data = pattern(100, 4);
    PWSK_DATA_INDICATION list = retain(s, data);
    ASSERT_NE(list, nullptr);
    EXPECT_EQ(close(s), STATUS_SUCCESS);
    expect_verifier_reports({"indication.not_released"});
    EXPECT_EQ(bytes_of(list), data) << "still allocated after the close";
    // A small read is copied out of the large block the host read landed in.
    const auto block = wskemu::kernel::block_history_of(list);
    EXPECT_EQ(block.state, wskemu::kernel::block_state::live);
    EXPECT_LT(block.info.size, 1024u) << "a record of 100 bytes takes about its size";
    // Only a test can give the provider's record back now (the leak check
    // would see it); the MDL is part of the record's block.
    ExFreePoolWithTag(list, 0x436B7357);  // the records' tag, "WskC"
}

// ---- WskDisconnectEvent ---------------------------------------------------------------------

TEST_P(WskDisconnectEvent, AGracefulPeerCloseIsIndicatedAfterTheData) {
    PWSK_SOCKET s = event_socket(WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT);
    const auto data = pattern(5000, 3);
    ASSERT_TRUE(peer_send(data));
    peer_->shutdown_send();
    ASSERT_TRUE(recorder_.wait_until([&] { return !recorder_.disconnect_flags.empty(); }));
    std::lock_guard lock(recorder_.mutex);
    EXPECT_EQ(recorder_.consumed, data);
    EXPECT_EQ(recorder_.disconnect_flags.front(), ULONG{WSK_FLAG_AT_DISPATCH_LEVEL}) << "graceful";
    EXPECT_EQ(recorder_.order.back(), "disconnect");
    EXPECT_EQ(recorder_.disconnect_flags.size(), 1u);
    (void)s;
}

TEST_P(WskDisconnectEvent, APeerResetIsIndicatedAbortive) {
    PWSK_SOCKET s = event_socket(WSK_EVENT_DISCONNECT);
    peer_->reset();
    ASSERT_TRUE(recorder_.wait_until([&] { return !recorder_.disconnect_flags.empty(); }));
    const ULONG flags = recorder_.disconnect_flags.front();
    if (wskemu::net::running_under_wine() && (flags & WSK_FLAG_ABORTIVE) == 0) {
        GTEST_SKIP() << "Wine delivered the reset as a FIN";
    }
    EXPECT_EQ(flags, ULONG{WSK_FLAG_AT_DISPATCH_LEVEL | WSK_FLAG_ABORTIVE});
    (void)s;
}

TEST_P(WskDisconnectEvent, WithOnlyTheDisconnectEventTheBytesWaitForAReceive) {
    PWSK_SOCKET s = event_socket(WSK_EVENT_DISCONNECT);
    const auto data = pattern(3000, 5);
    ASSERT_TRUE(peer_send(data));
    peer_->shutdown_send();
    ASSERT_TRUE(recorder_.wait_until([&] { return !recorder_.disconnect_flags.empty(); }));
    EXPECT_EQ(recorder_.receive_calls, 0);
    EXPECT_EQ(receive_now(s, data.size() + 10, WSK_FLAG_WAITALL), data);
    EXPECT_EQ(receive_now(s, 10).size(), 0u) << "then the end of the stream";
}

TEST_P(WskDisconnectEvent, AReceiveThatSeesTheFinAlsoTriggersTheEvent) {
    PWSK_SOCKET s = event_socket(0);
    mdl_buffer buffer(10);
    irp_call call;
    ASSERT_EQ(receive(s, buffer.wsk_buf(), call), STATUS_PENDING);
    EXPECT_EQ(event_control(s, WSK_EVENT_DISCONNECT), STATUS_SUCCESS);
    peer_->shutdown_send();
    EXPECT_EQ(call.result(STATUS_PENDING), STATUS_SUCCESS);
    EXPECT_EQ(call.information, 0u);
    ASSERT_TRUE(recorder_.wait_until([&] { return !recorder_.disconnect_flags.empty(); }));
    EXPECT_EQ(recorder_.disconnect_flags.front(), ULONG{WSK_FLAG_AT_DISPATCH_LEVEL});
}

// ---- WskSendBacklogEvent --------------------------------------------------------------------

TEST_P(WskSendBacklogEvent, EnablingReportsTheIdealBacklogAndSoSndbufChangesIt) {
    PWSK_SOCKET s = event_socket(WSK_EVENT_SEND_BACKLOG);
    ASSERT_TRUE(recorder_.wait_until([&] { return recorder_.backlog_sizes.size() == 1; }));
    SIZE_T ideal = 0;
    irp_call call;
    ASSERT_EQ(call.result(dispatch(s)->Basic.WskControlSocket(s, WskIoctl, SIO_WSK_QUERY_IDEAL_SEND_BACKLOG, 0, 0,
                                                              nullptr, sizeof(ideal), &ideal, nullptr, call.irp)),
              STATUS_SUCCESS);
    EXPECT_EQ(recorder_.backlog_sizes.front(), ideal) << "the size the ioctl reports";
    EXPECT_GT(ideal, 0u);
    // A quarter: the host may double what it is given, or cap it, but not back to `ideal`.
    ULONG size = static_cast<ULONG>(std::max<SIZE_T>(ideal / 4, 4096));
    call.arm();
    ASSERT_EQ(call.result(dispatch(s)->Basic.WskControlSocket(s, WskSetOption, SO_SNDBUF, SOL_SOCKET, sizeof(size),
                                                              &size, 0, nullptr, nullptr, call.irp)),
              STATUS_SUCCESS);
    ASSERT_TRUE(recorder_.wait_until([&] { return recorder_.backlog_sizes.size() == 2; }));
    EXPECT_NE(recorder_.backlog_sizes.back(), ideal);
}

// ---- inheritance (listening sockets' accepted sockets) --------------------------------------

TEST_P(InheritedConnectionEvents, EnableInheritedEventsTurnsTheMaskOnLikeSoWskEventCallback) {
    PWSK_SOCKET unconnected = make_socket(&recording_events, &recorder_);
    EXPECT_EQ(socket_of(unconnected).enable_inherited_events(WSK_EVENT_RECEIVE), STATUS_INVALID_DEVICE_STATE);
    PWSK_SOCKET s = event_socket(0);
    EXPECT_EQ(socket_of(s).enable_inherited_events(WSK_EVENT_ACCEPT), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(socket_of(s).enable_inherited_events(0), STATUS_SUCCESS);
    EXPECT_EQ(socket_of(s).enable_inherited_events(WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT), STATUS_SUCCESS);
    const auto data = pattern(1200, 4);
    ASSERT_TRUE(peer_send(data));
    peer_->shutdown_send();
    ASSERT_TRUE(recorder_.wait_until([&] { return !recorder_.disconnect_flags.empty(); }));
    EXPECT_EQ(recorder_.consumed, data);
    EXPECT_EQ(event_control(s, WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE), STATUS_SUCCESS)
        << "inherited events are ordinary enabled events";
}

TEST_P(InheritedConnectionEvents, EventsWithoutACallbackStayOff) {
    const WSK_CLIENT_CONNECTION_DISPATCH disconnect_only = {nullptr, recorder::disconnect, nullptr};
    PWSK_SOCKET s = connected_socket(&disconnect_only, &recorder_);
    EXPECT_EQ(socket_of(s).enable_inherited_events(WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT), STATUS_SUCCESS);
    const auto data = pattern(100, 4);
    ASSERT_TRUE(peer_send(data));
    peer_->shutdown_send();
    ASSERT_TRUE(recorder_.wait_until([&] { return !recorder_.disconnect_flags.empty(); }));
    EXPECT_EQ(receive_now(s, data.size(), WSK_FLAG_WAITALL), data);
}

// ---- test control (docs/testing.md) ------------------------------------------------------

TEST_P(ConnectionEventTestControl, InDeterministicModeCallbacksRunWhenTheTestThreadDrives) {
    PWSK_SOCKET s = event_socket(WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT);
    auto& rt = wskemu::runtime::instance();
    rt.set_deterministic(true);
    const auto data = pattern(20000, 7);
    ASSERT_TRUE(peer_send(data));  // its wait drives the runtime too
    peer_->shutdown_send();
    ASSERT_TRUE(rt.run_until(
        [&] {
            std::lock_guard lock(recorder_.mutex);
            return !recorder_.disconnect_flags.empty();
        },
        5s));
    std::lock_guard lock(recorder_.mutex);
    EXPECT_EQ(recorder_.consumed, data);
    EXPECT_EQ(recorder_.thread, std::this_thread::get_id()) << "no runtime thread: the test thread ran them";
    EXPECT_EQ(recorder_.wrong_irql, 0);
    (void)s;
}

}  // namespace
