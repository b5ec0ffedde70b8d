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

inline SOCKADDR_STORAGE sockaddr_of(const wskemu::net::endpoint& ep) {
    SOCKADDR_STORAGE storage{};
    wskemu::wsk::to_sockaddr(ep, reinterpret_cast<SOCKADDR*>(&storage));
    return storage;
}

inline ADDRESS_FAMILY windows_family(net::address_family family) {
    return family == net::address_family::ipv4 ? ADDRESS_FAMILY{AF_INET} : ADDRESS_FAMILY{AF_INET6};
}

}  // namespace wskemu::test
