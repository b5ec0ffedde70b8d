// wskemu tests: the fixture of the WSK datagram conformance suites: a
// registered client, its provider NPI, datagram sockets closed at the end,
// synchronous helpers in the driver's own pattern (irp_call), and a recording
// WskReceiveFromEvent.
#pragma once

#include <gtest/gtest.h>

#include <wsk.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "conformance/support/datagram_peer.hpp"
#include "support/kernel_fixture.hpp"
#include "support/wsk_test_support.hpp"
#include "wsk/wsk_address.hpp"

namespace wskemu::test {

/// One datagram as a WskReceiveFromEvent saw it.
struct indicated_datagram {
    std::vector<unsigned char> bytes;
    net::endpoint remote;
    std::vector<unsigned char> control;
    bool mdl_null = false;
};

/// A WskReceiveFromEvent that records every indication. `behaviour` decides
/// the return value (default STATUS_SUCCESS); it runs inside the callback.
struct event_recorder {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<indicated_datagram> datagrams;
    std::vector<std::size_t> chain_lengths;
    int calls = 0;
    int null_indications = 0;
    ULONG last_flags = 0;
    KIRQL last_irql = 0xFF;
    PVOID last_context = nullptr;
    std::atomic<int> running{0};
    std::atomic<int> overlaps{0};
    std::function<NTSTATUS(PWSK_DATAGRAM_INDICATION)> behaviour;

    static NTSTATUS WSKAPI callback(PVOID context, ULONG flags, PWSK_DATAGRAM_INDICATION list) {
        auto* self = static_cast<event_recorder*>(context);
        if (self->running.fetch_add(1) != 0) {
            ++self->overlaps;
        }
        {
            std::lock_guard lock(self->mutex);
            self->last_flags = flags;
            self->last_irql = KeGetCurrentIrql();
            self->last_context = context;
            if (list == nullptr) {
                ++self->null_indications;
            }
            std::size_t length = 0;
            for (PWSK_DATAGRAM_INDICATION d = list; d != nullptr; d = d->Next) {
                indicated_datagram copy;
                copy.mdl_null = d->Buffer.Mdl == nullptr;
                if (d->Buffer.Mdl != nullptr) {
                    auto* bytes = static_cast<unsigned char*>(
                                      MmGetSystemAddressForMdlSafe(d->Buffer.Mdl, NormalPagePriority)) +
                                  d->Buffer.Offset;
                    copy.bytes.assign(bytes, bytes + d->Buffer.Length);
                }
                wskemu::wsk::from_sockaddr(d->RemoteAddress, copy.remote);
                if (d->ControlInfo != nullptr) {
                    auto* control = reinterpret_cast<unsigned char*>(d->ControlInfo);
                    copy.control.assign(control, control + d->ControlInfoLength);
                }
                self->datagrams.push_back(std::move(copy));
                ++length;
            }
            self->chain_lengths.push_back(length);
        }
        NTSTATUS status = STATUS_SUCCESS;
        if (self->behaviour) {
            status = self->behaviour(list);
        }
        self->running.fetch_sub(1);
        {
            std::lock_guard lock(self->mutex);
            ++self->calls;
            self->cv.notify_all();
        }
        return status;
    }

    /// Waits until `count` datagrams were indicated.
    bool wait_for_datagrams(std::size_t count, std::chrono::milliseconds timeout = 10s) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, timeout, [&] { return datagrams.size() >= count; });
    }
    /// Waits until the callback returned `count` times.
    bool wait_for_calls(int count, std::chrono::milliseconds timeout = 10s) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, timeout, [&] { return calls >= count; });
    }
    std::size_t count() {
        std::lock_guard lock(mutex);
        return datagrams.size();
    }
};

inline const WSK_CLIENT_DATAGRAM_DISPATCH recording_events = {event_recorder::callback};

/// A registered client and its datagram sockets, closed by finish(), with
/// synchronous helpers in the driver's own pattern.
class datagram_client : public socket_client {
public:
    static const WSK_PROVIDER_DATAGRAM_DISPATCH* dispatch(PWSK_SOCKET s) {
        return static_cast<const WSK_PROVIDER_DATAGRAM_DISPATCH*>(s->Dispatch);
    }

    /// WSK_SET_STATIC_EVENT_CALLBACKS (before any socket).
    NTSTATUS set_static_events(ULONG mask) {
        WSK_EVENT_CALLBACK_CONTROL control{const_cast<PNPIID>(&NPI_WSK_INTERFACE_ID), mask};
        return provider_.Dispatch->WskControlClient(provider_.Client, WSK_SET_STATIC_EVENT_CALLBACKS, sizeof(control),
                                                    &control, 0, nullptr, nullptr, nullptr);
    }

    PWSK_SOCKET make_socket(net::address_family family, const WSK_CLIENT_DATAGRAM_DISPATCH* events = nullptr,
                            PVOID context = nullptr) {
        return open_socket(family, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, context, events);
    }

    static NTSTATUS bind(PWSK_SOCKET s, const net::endpoint& ep) {
        return bind_as<WSK_PROVIDER_DATAGRAM_DISPATCH>(s, ep, 0);
    }
    static net::endpoint local_address(PWSK_SOCKET s) { return local_address_as<WSK_PROVIDER_DATAGRAM_DISPATCH>(s); }

    /// A socket bound to the loopback address, port 0.
    PWSK_SOCKET bound_socket(net::address_family family, const WSK_CLIENT_DATAGRAM_DISPATCH* events = nullptr,
                             PVOID context = nullptr) {
        PWSK_SOCKET s = make_socket(family, events, context);
        EXPECT_EQ(bind(s, net::endpoint::loopback(family, 0)), STATUS_SUCCESS);
        return s;
    }

    /// WskSendTo of `data` to `to` (NULL: the fixed address), synchronously.
    NTSTATUS send_to(PWSK_SOCKET s, const std::vector<unsigned char>& data, const net::endpoint* to,
                     ULONG_PTR* information = nullptr) {
        mdl_buffer buffer(data.size());
        std::memcpy(buffer.bytes.data(), data.data(), data.size());
        WSK_BUF wsk_buf = buffer.wsk_buf();
        wsk_buf.Length = data.size();
        SOCKADDR_STORAGE address{};
        if (to != nullptr) {
            address = sockaddr_of(*to);
        }
        irp_call call;
        const NTSTATUS status = call.result(dispatch(s)->WskSendTo(
            s, &wsk_buf, 0, to != nullptr ? reinterpret_cast<PSOCKADDR>(&address) : nullptr, 0, nullptr, call.irp));
        if (information != nullptr) {
            *information = call.information;
        }
        return status;
    }

    /// WskReceiveFrom of one datagram into a buffer of `capacity` bytes,
    /// synchronously; the status, and the datagram's bytes in `bytes`.
    NTSTATUS receive_from(PWSK_SOCKET s, std::size_t capacity, std::vector<unsigned char>& bytes) {
        mdl_buffer buffer(capacity);
        WSK_BUF wsk_buf = buffer.wsk_buf();
        irp_call call;
        const NTSTATUS status = call.result(
            dispatch(s)->WskReceiveFrom(s, &wsk_buf, 0, nullptr, nullptr, nullptr, nullptr, call.irp));
        bytes.assign(buffer.bytes.begin(), buffer.bytes.begin() + static_cast<std::ptrdiff_t>(call.information));
        return status;
    }

    /// An address ioctl (SIO_WSK_SET_REMOTE_ADDRESS / _SENDTO_ADDRESS); NULL clears.
    NTSTATUS address_ioctl(PWSK_SOCKET s, ULONG code, const net::endpoint* ep) {
        SOCKADDR_STORAGE address{};
        if (ep != nullptr) {
            address = sockaddr_of(*ep);
        }
        const SIZE_T size =
            ep == nullptr ? 0 : ep->family == net::address_family::ipv4 ? sizeof(SOCKADDR_IN) : sizeof(SOCKADDR_IN6);
        irp_call call;
        return call.result(dispatch(s)->Basic.WskControlSocket(s, WskIoctl, code, 0, size,
                                                               ep != nullptr ? &address : nullptr, 0, nullptr,
                                                               nullptr, call.irp));
    }
};

/// A WskSendTo that pends: issued from inside one of the provider's
/// completions (a completion routine issuing the next call) it never
/// completes inline, and with the engine in manual mode its host send waits
/// for the test to poll.
struct pending_send {
    PWSK_SOCKET socket;
    const WSK_PROVIDER_DATAGRAM_DISPATCH* dispatch;
    mdl_buffer buffer;
    WSK_BUF wsk_buf{};
    SOCKADDR_STORAGE to{};
    irp_call send;
    NTSTATUS returned = 0;

    /// Sends `payload` (32 zero bytes by default) to `destination`.
    pending_send(PWSK_SOCKET s, const net::endpoint& destination,
                 const std::vector<unsigned char>& payload = std::vector<unsigned char>(32, 0))
        : socket(s), dispatch(static_cast<const WSK_PROVIDER_DATAGRAM_DISPATCH*>(s->Dispatch)), buffer(payload.size()) {
        std::copy(payload.begin(), payload.end(), buffer.bytes.begin());
        wsk_buf = buffer.wsk_buf();
        to = sockaddr_of(destination);
        PIRP outer = IoAllocateIrp(1, FALSE);
        IoSetCompletionRoutine(
            outer,
            [](PDEVICE_OBJECT, PIRP, PVOID context) -> NTSTATUS {
                auto* self = static_cast<pending_send*>(context);
                self->returned = self->dispatch->WskSendTo(self->socket, &self->wsk_buf, 0,
                                                           reinterpret_cast<PSOCKADDR>(&self->to), 0, nullptr,
                                                           self->send.irp);
                return STATUS_MORE_PROCESSING_REQUIRED;
            },
            this, TRUE, TRUE, TRUE);
        SOCKADDR_STORAGE local{};
        dispatch->WskGetLocalAddress(socket, reinterpret_cast<PSOCKADDR>(&local), outer);
        IoFreeIrp(outer);
    }
};

/// The fixture: a datagram_client started for each test.
using datagram_test = client_test<datagram_client>;

/// The same, run for IPv4 and IPv6 (skipped without ::1).
class datagram_family_test : public datagram_test, public ::testing::WithParamInterface<net::address_family> {
protected:
    void SetUp() override {
        datagram_test::SetUp();
        peer_ = std::make_unique<datagram_peer>(GetParam());
        if (!peer_->ok()) {
            GTEST_SKIP() << "no loopback address for this family";
        }
    }
    void TearDown() override {
        datagram_test::TearDown();
        peer_.reset();
    }

    net::address_family family() const { return GetParam(); }

    std::unique_ptr<datagram_peer> peer_;
};

inline std::string family_name(const ::testing::TestParamInfo<net::address_family>& info) {
    return info.param == net::address_family::ipv4 ? "ipv4" : "ipv6";
}

#define WSK_DATAGRAM_SUITE(name)                                                                                    \
    class name : public wskemu::test::datagram_family_test {};                                                      \
    INSTANTIATE_TEST_SUITE_P(Families, name,                                                                        \
                             ::testing::Values(wskemu::net::address_family::ipv4, wskemu::net::address_family::ipv6), \
                             wskemu::test::family_name)

}  // namespace wskemu::test
