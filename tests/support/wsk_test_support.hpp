// wskemu tests: the pieces every WSK conformance test uses: a driver IRP
// with a recording completion routine (the synchronous KEVENT pattern), an
// MDL-described buffer, a byte pattern, and address conversions.
#pragma once

#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/verifier.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include "net/endpoint.hpp"
#include "support/kernel_fixture.hpp"
#include "wsk/wsk_address.hpp"

namespace wskemu::test {

using namespace std::chrono_literals;

inline const WSK_CLIENT_DISPATCH client_dispatch = {MAKE_WSK_VERSION(1, 0), 0, nullptr};
inline const WSK_CLIENT_CONNECTION_DISPATCH connection_events = {nullptr, nullptr, nullptr};
constexpr NTSTATUS poison_status = static_cast<NTSTATUS>(0xDEADBEEF);
constexpr ULONG_PTR poison_information = 0xDEADBEEF;

// One driver IRP with a completion routine that records what it saw and
// signals a KEVENT, as the synchronous pattern does.
struct irp_call {
    KEVENT event;
    PIRP irp;
    std::atomic<int> calls{0};
    NTSTATUS status = 0;
    ULONG_PTR information = 0;
    bool pending_returned = false;
    KIRQL irql = 0xFF;
    std::thread::id thread;
    int sequence = -1;  // when it completed, across all irp_calls
    static inline std::atomic<int> sequence_counter{0};

    irp_call() {
        KeInitializeEvent(&event, NotificationEvent, FALSE);
        irp = IoAllocateIrp(1, FALSE);
        arm();
    }
    ~irp_call() { IoFreeIrp(irp); }
    irp_call(const irp_call&) = delete;
    irp_call& operator=(const irp_call&) = delete;

    static NTSTATUS NTAPI on_complete(PDEVICE_OBJECT, PIRP irp, PVOID context) {
        auto* self = static_cast<irp_call*>(context);
        self->status = irp->IoStatus.Status;
        self->information = irp->IoStatus.Information;
        self->pending_returned = irp->PendingReturned != FALSE;
        self->irql = KeGetCurrentIrql();
        self->thread = std::this_thread::get_id();
        self->sequence = sequence_counter.fetch_add(1);
        self->calls.fetch_add(1);
        KeSetEvent(&self->event, IO_NO_INCREMENT, FALSE);
        return STATUS_MORE_PROCESSING_REQUIRED;
    }

    // Ready for the next call: reused, routine set, IoStatus poisoned.
    void arm() {
        IoReuseIrp(irp, STATUS_UNSUCCESSFUL);
        IoSetCompletionRoutine(irp, on_complete, this, TRUE, TRUE, TRUE);
        irp->IoStatus.Status = poison_status;
        irp->IoStatus.Information = poison_information;
        calls = 0;
        KeClearEvent(&event);
    }

    bool wait(std::chrono::milliseconds timeout = 10s) {
        LARGE_INTEGER t;
        t.QuadPart = -static_cast<LONGLONG>(timeout.count()) * 10000;
        return KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &t) == STATUS_SUCCESS;
    }
    // Waits through a STATUS_PENDING return; the final status.
    NTSTATUS result(NTSTATUS returned) {
        if (returned == STATUS_PENDING) {
            EXPECT_TRUE(wait()) << "the pending IRP did not complete";
        }
        EXPECT_EQ(calls.load(), 1);
        return status;
    }
};

// Nonpaged memory described by one MDL.
struct mdl_buffer {
    std::vector<unsigned char> bytes;
    PMDL mdl;
    explicit mdl_buffer(std::size_t size, unsigned char fill = 0) : bytes(size == 0 ? 1 : size, fill) {
        mdl = IoAllocateMdl(bytes.data(), static_cast<ULONG>(size), FALSE, FALSE, nullptr);
        MmBuildMdlForNonPagedPool(mdl);
    }
    ~mdl_buffer() { IoFreeMdl(mdl); }
    mdl_buffer(const mdl_buffer&) = delete;
    mdl_buffer& operator=(const mdl_buffer&) = delete;
    WSK_BUF wsk_buf(ULONG offset = 0) const { return WSK_BUF{mdl, offset, bytes.size() - offset}; }
};

// Takes the verifier's kept reports (so that they do not fail the test) and
// checks their rule ids, in order.
inline std::vector<wskemu::verifier_report> expect_verifier_reports(const std::vector<std::string>& rules) {
    auto reports = wskemu::verifier::take_reports();
    std::vector<std::string> seen;
    for (const auto& report : reports) {
        seen.push_back(report.rule);
    }
    EXPECT_EQ(seen, rules);
    return reports;
}

inline std::vector<unsigned char> pattern(std::size_t size, unsigned seed = 1) {
    std::vector<unsigned char> v(size);
    for (std::size_t i = 0; i < size; ++i) {
        v[i] = static_cast<unsigned char>((i * 131 + seed * 7 + (i >> 8)) & 0xFF);
    }
    return v;
}

/// A registered WSK client with its provider NPI: start() registers and
/// captures, finish() (or the destructor) releases and deregisters.
class registered_client {
public:
    registered_client() = default;
    registered_client(const registered_client&) = delete;
    registered_client& operator=(const registered_client&) = delete;
    virtual ~registered_client() { finish(); }

    bool start() {
        WSK_CLIENT_NPI npi{nullptr, &client_dispatch};
        started_ = WskRegister(&npi, &block_) == STATUS_SUCCESS;
        EXPECT_TRUE(started_);
        captured_ = started_ && WskCaptureProviderNPI(&block_, WSK_NO_WAIT, &provider_) == STATUS_SUCCESS;
        EXPECT_TRUE(captured_);
        return captured_;
    }
    virtual void finish() {
        if (captured_) {
            WskReleaseProviderNPI(&block_);
            captured_ = false;
        }
        if (started_) {
            WskDeregister(&block_);
            started_ = false;
        }
    }

    WSK_REGISTRATION block_{};
    WSK_PROVIDER_NPI provider_{};

private:
    bool started_ = false;
    bool captured_ = false;
};

inline SOCKADDR_STORAGE sockaddr_of(const wskemu::net::endpoint& ep) {
    SOCKADDR_STORAGE storage{};
    wskemu::wsk::to_sockaddr(ep, reinterpret_cast<SOCKADDR*>(&storage));
    return storage;
}

inline ADDRESS_FAMILY windows_family(net::address_family family) {
    return family == net::address_family::ipv4 ? ADDRESS_FAMILY{AF_INET} : ADDRESS_FAMILY{AF_INET6};
}

/// A registered client that owns the sockets it opens (closed by finish(),
/// or by close()), with the synchronous helpers every socket category
/// shares: the Basic dispatch members, WskBind and WskGetLocalAddress.
class socket_client : public registered_client {
public:
    ~socket_client() override { socket_client::finish(); }
    void finish() override {
        for (PWSK_SOCKET s : open_) {
            irp_call call;
            basic(s)->WskCloseSocket(s, call.irp);
            EXPECT_TRUE(call.wait()) << "close did not complete";
        }
        open_.clear();
        registered_client::finish();
    }

    static const WSK_PROVIDER_BASIC_DISPATCH* basic(PWSK_SOCKET s) {
        return static_cast<const WSK_PROVIDER_BASIC_DISPATCH*>(s->Dispatch);
    }

    NTSTATUS close(PWSK_SOCKET s) {
        std::erase(open_, s);
        irp_call call;
        return call.result(basic(s)->WskCloseSocket(s, call.irp));
    }

    /// WskControlSocket setting a ULONG option, with an IRP.
    NTSTATUS set_option(PWSK_SOCKET s, ULONG level, ULONG code, ULONG value) {
        irp_call call;
        return call.result(
            basic(s)->WskControlSocket(s, WskSetOption, code, level, sizeof(value), &value, 0, nullptr, nullptr, call.irp));
    }
    /// WskControlSocket reading a ULONG option, with an IRP; a success
    /// reports the ULONG's size in Information.
    NTSTATUS get_option(PWSK_SOCKET s, ULONG level, ULONG code, ULONG& value) {
        irp_call call;
        value = 0xDEADBEEF;
        const NTSTATUS status = call.result(basic(s)->WskControlSocket(s, WskGetOption, code, level, 0, nullptr,
                                                                       sizeof(value), &value, nullptr, call.irp));
        if (NT_SUCCESS(status)) {
            EXPECT_EQ(call.information, sizeof(ULONG));
        }
        return status;
    }

    /// SO_WSK_EVENT_CALLBACK with `mask` (enabling takes no IRP).
    NTSTATUS event_control(PWSK_SOCKET s, ULONG mask, PIRP irp = nullptr) {
        WSK_EVENT_CALLBACK_CONTROL control{const_cast<PNPIID>(&NPI_WSK_INTERFACE_ID), mask};
        return basic(s)->WskControlSocket(s, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET, sizeof(control),
                                          &control, 0, nullptr, nullptr, irp);
    }

    std::vector<PWSK_SOCKET> open_;

protected:
    /// WskSocket, kept for closing; nullptr (and a failed expectation) if it fails.
    PWSK_SOCKET open_socket(net::address_family family, USHORT type, ULONG protocol, ULONG flags, PVOID context,
                            const void* events) {
        irp_call call;
        const NTSTATUS returned = provider_.Dispatch->WskSocket(provider_.Client, windows_family(family), type,
                                                                protocol, flags, context, events, nullptr, nullptr,
                                                                nullptr, call.irp);
        EXPECT_EQ(call.result(returned), STATUS_SUCCESS);
        auto s = reinterpret_cast<PWSK_SOCKET>(call.information);
        if (s != nullptr) {
            open_.push_back(s);
        }
        return s;
    }

    /// WskBind through the category's table (`Dispatch`).
    template <typename Dispatch>
    static NTSTATUS bind_as(PWSK_SOCKET s, const net::endpoint& ep, ULONG flags) {
        irp_call call;
        SOCKADDR_STORAGE address = sockaddr_of(ep);
        return call.result(
            static_cast<const Dispatch*>(s->Dispatch)->WskBind(s, reinterpret_cast<PSOCKADDR>(&address), flags, call.irp));
    }

    /// WskGetLocalAddress through the category's table (`Dispatch`), expected to succeed.
    template <typename Dispatch>
    static net::endpoint local_address_as(PWSK_SOCKET s) {
        irp_call call;
        SOCKADDR_STORAGE address{};
        EXPECT_EQ(call.result(static_cast<const Dispatch*>(s->Dispatch)
                                  ->WskGetLocalAddress(s, reinterpret_cast<PSOCKADDR>(&address), call.irp)),
                  STATUS_SUCCESS);
        net::endpoint ep;
        wsk::from_sockaddr(reinterpret_cast<PSOCKADDR>(&address), ep);
        return ep;
    }
};

/// A leak-checking fixture with a client (registered_client or one derived
/// from it) started before each test and finished after it.
template <typename Client>
class client_test : public kernel_test, public Client {
protected:
    void SetUp() override {
        kernel_test::SetUp();
        ASSERT_TRUE(this->start());
    }
    void TearDown() override {
        this->finish();
        kernel_test::TearDown();
    }
};

}  // namespace wskemu::test
