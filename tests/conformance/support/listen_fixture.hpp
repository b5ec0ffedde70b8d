// wskemu tests: the fixture of the listening-socket conformance suites: a
// registered client whose listening and accepted sockets are closed at the
// end, synchronous helpers in the driver's own pattern (irp_call), and a
// recording WSK_CLIENT_LISTEN_DISPATCH (accept, inspect, abort).
#pragma once

#include <gtest/gtest.h>

#include <wsk.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "conformance/support/loopback_client.hpp"
#include "support/kernel_fixture.hpp"
#include "support/wsk_test_support.hpp"
#include "wsk/wsk_listen.hpp"
#include "wsk/wsk_socket.hpp"

namespace wskemu::test {

/// What the listening socket's callbacks saw. `on_accept_behaviour` decides
/// WskAcceptEvent's return (default: accept, keep the socket);
/// `inspect_action` WskInspectEvent's.
struct listen_recorder {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<PWSK_SOCKET> accepted;  // accepted through the event (closed by the fixture)
    std::vector<net::endpoint> remotes;
    int accept_calls = 0;
    int null_accepts = 0;
    ULONG last_flags = 0;
    KIRQL last_irql = 0xFF;
    PVOID last_context = nullptr;
    std::atomic<int> running{0};
    std::atomic<int> overlaps{0};
    std::function<NTSTATUS(PWSK_SOCKET)> on_accept_behaviour;
    PVOID accepted_context = reinterpret_cast<PVOID>(0x5A5A);
    const WSK_CLIENT_CONNECTION_DISPATCH* accepted_dispatch = &connection_events;
    // Conditional accept.
    WSK_INSPECT_ACTION inspect_action = WskInspectAccept;
    std::vector<WSK_INSPECT_ID> inspected;
    std::vector<WSK_INSPECT_ID> aborted;
    int null_inspects = 0;

    static NTSTATUS WSKAPI on_accept(PVOID context, ULONG flags, PSOCKADDR local, PSOCKADDR remote,
                                     PWSK_SOCKET socket, PVOID* accept_context,
                                     const WSK_CLIENT_CONNECTION_DISPATCH** accept_dispatch) {
        auto* self = static_cast<listen_recorder*>(context);
        if (self->running.fetch_add(1) != 0) {
            ++self->overlaps;
        }
        NTSTATUS status = STATUS_SUCCESS;
        if (socket != nullptr && self->on_accept_behaviour) {
            status = self->on_accept_behaviour(socket);
        }
        {
            std::lock_guard lock(self->mutex);
            self->last_flags = flags;
            self->last_irql = KeGetCurrentIrql();
            self->last_context = context;
            if (socket == nullptr) {
                ++self->null_accepts;
            } else {
                net::endpoint ep;
                EXPECT_EQ(wsk::from_sockaddr(remote, ep), STATUS_SUCCESS);
                EXPECT_EQ(wsk::from_sockaddr(local, ep), STATUS_SUCCESS);
                wsk::from_sockaddr(remote, ep);
                self->remotes.push_back(ep);
                if (status == STATUS_SUCCESS) {
                    self->accepted.push_back(socket);
                    *accept_context = self->accepted_context;
                    *accept_dispatch = self->accepted_dispatch;
                }
            }
        }
        self->running.fetch_sub(1);
        {
            std::lock_guard lock(self->mutex);
            ++self->accept_calls;
            self->cv.notify_all();
        }
        return status;
    }

    static WSK_INSPECT_ACTION WSKAPI on_inspect(PVOID context, PSOCKADDR local, PSOCKADDR remote, PWSK_INSPECT_ID id) {
        auto* self = static_cast<listen_recorder*>(context);
        (void)local, (void)remote;
        std::lock_guard lock(self->mutex);
        self->last_irql = KeGetCurrentIrql();
        if (id == nullptr) {
            ++self->null_inspects;
        } else {
            self->inspected.push_back(*id);  // copied: the pointer is valid during the call only
        }
        self->cv.notify_all();
        return self->inspect_action;
    }

    static NTSTATUS WSKAPI on_abort(PVOID context, PWSK_INSPECT_ID id) {
        auto* self = static_cast<listen_recorder*>(context);
        std::lock_guard lock(self->mutex);
        self->aborted.push_back(*id);
        self->cv.notify_all();
        return STATUS_SUCCESS;
    }

    template <typename Predicate>
    bool wait(Predicate predicate, std::chrono::milliseconds timeout = 10s) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, timeout, [&] { return predicate(*this); });
    }
};

inline const WSK_CLIENT_LISTEN_DISPATCH recording_listen = {listen_recorder::on_accept, listen_recorder::on_inspect,
                                                            listen_recorder::on_abort};
inline const WSK_CLIENT_LISTEN_DISPATCH accept_only_listen = {listen_recorder::on_accept, nullptr, nullptr};

/// A registered client with its listening and accepted sockets, closed by
/// finish(), and synchronous helpers in the driver's own pattern.
class listen_client : public socket_client {
public:
    ~listen_client() override { finish(); }
    void finish() override {
        const std::vector<PWSK_SOCKET> accepted = std::move(accepted_);
        accepted_.clear();
        for (PWSK_SOCKET s : accepted) {
            close_connection(s);
        }
        socket_client::finish();
    }

    static const WSK_PROVIDER_LISTEN_DISPATCH* dispatch(PWSK_SOCKET s) {
        return static_cast<const WSK_PROVIDER_LISTEN_DISPATCH*>(s->Dispatch);
    }
    static const WSK_PROVIDER_CONNECTION_DISPATCH* connection(PWSK_SOCKET s) {
        return static_cast<const WSK_PROVIDER_CONNECTION_DISPATCH*>(s->Dispatch);
    }
    static wsk::listen_socket& listener(PWSK_SOCKET s) { return *static_cast<wsk::listen_socket*>(s); }

    PWSK_SOCKET make_listener(net::address_family family, const WSK_CLIENT_LISTEN_DISPATCH* events = nullptr,
                              PVOID context = nullptr) {
        return open_socket(family, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET, context, events);
    }

    static NTSTATUS bind(PWSK_SOCKET s, const net::endpoint& ep, ULONG flags = 0) {
        return bind_as<WSK_PROVIDER_LISTEN_DISPATCH>(s, ep, flags);
    }
    static net::endpoint local_address(PWSK_SOCKET s) { return local_address_as<WSK_PROVIDER_LISTEN_DISPATCH>(s); }

    /// A listener bound to the family's loopback address, port 0; its endpoint.
    net::endpoint listen_on(PWSK_SOCKET s, net::address_family family) {
        EXPECT_EQ(bind(s, net::endpoint::loopback(family, 0)), STATUS_SUCCESS);
        return local_address(s);
    }

    /// SO_WSK_EVENT_CALLBACK without an IRP.
    NTSTATUS event_callback(PWSK_SOCKET s, ULONG mask) { return event_control(s, mask); }

    /// WskAccept with `call` (armed); the returned status.
    NTSTATUS accept(PWSK_SOCKET s, irp_call& call, SOCKADDR_STORAGE* local = nullptr,
                    SOCKADDR_STORAGE* remote = nullptr, PVOID context = nullptr, ULONG flags = 0) {
        call.arm();
        return dispatch(s)->WskAccept(s, flags, context, &connection_events, reinterpret_cast<PSOCKADDR>(local),
                                      reinterpret_cast<PSOCKADDR>(remote), call.irp);
    }

    /// The socket an accept completed with (kept for closing).
    PWSK_SOCKET accepted(irp_call& call) {
        auto s = reinterpret_cast<PWSK_SOCKET>(call.information);
        if (call.status == STATUS_SUCCESS && s != nullptr) {
            accepted_.push_back(s);
        }
        return s;
    }

    NTSTATUS close_connection(PWSK_SOCKET s) {
        std::erase(accepted_, s);
        irp_call call;
        return call.result(connection(s)->Basic.WskCloseSocket(s, call.irp));
    }

    /// Keeps an accepted socket (from the event) for closing.
    void keep(PWSK_SOCKET s) { accepted_.push_back(s); }

    /// Waits until the listener holds `n` connections waiting for an accept
    /// (or, `inspecting`, pended by WskInspectEvent).
    static bool wait_waiting(PWSK_SOCKET s, std::size_t n, std::chrono::milliseconds timeout = 5s,
                             bool inspecting = false) {
        const auto end = std::chrono::steady_clock::now() + timeout;
        const auto count = [&] {
            return inspecting ? listener(s).inspecting_connections() : listener(s).waiting_connections();
        };
        while (count() != n) {
            if (std::chrono::steady_clock::now() > end) {
                return false;
            }
            std::this_thread::sleep_for(1ms);
        }
        return true;
    }

    std::vector<PWSK_SOCKET> accepted_;
};

class listen_test : public client_test<listen_client>, public ::testing::WithParamInterface<net::address_family> {
protected:
    void SetUp() override {
        client_test<listen_client>::SetUp();
        if (!loopback_available(GetParam())) {
            GTEST_SKIP() << "no loopback address for this family";
        }
    }
    net::address_family family() const { return GetParam(); }

public:
    static bool loopback_available(net::address_family family) {
        loopback_peer probe(family);
        return probe.ok();
    }
};

inline std::string listen_family_name(const ::testing::TestParamInfo<net::address_family>& info) {
    return info.param == net::address_family::ipv4 ? "ipv4" : "ipv6";
}

/// Sends `text` from the accepted socket `s` with the synchronous pattern.
inline NTSTATUS send_from(PWSK_SOCKET s, const void* data, std::size_t size) {
    mdl_buffer buffer(size);
    std::memcpy(buffer.bytes.data(), data, size);
    irp_call call;
    WSK_BUF b = buffer.wsk_buf();
    return call.result(listen_client::connection(s)->WskSend(s, &b, 0, call.irp));
}

/// Receives exactly `size` bytes on the accepted socket `s` (WSK_FLAG_WAITALL).
inline std::vector<unsigned char> receive_on(PWSK_SOCKET s, std::size_t size) {
    mdl_buffer buffer(size);
    irp_call call;
    WSK_BUF b = buffer.wsk_buf();
    const NTSTATUS status = call.result(listen_client::connection(s)->WskReceive(s, &b, WSK_FLAG_WAITALL, call.irp));
    EXPECT_EQ(status, STATUS_SUCCESS);
    buffer.bytes.resize(call.information);
    return buffer.bytes;
}

}  // namespace wskemu::test
