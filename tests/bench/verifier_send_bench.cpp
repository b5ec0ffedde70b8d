// What the verifier costs a driver's send loop (docs/verifier.md, "Cost"):
// the synchronous KEVENT pattern, one reused IRP, WskSend of 4 KiB from one
// MDL to a loopback sink that reads everything, with the verifier on (the
// defaults) and off (every rule that can be switched off, and no allocation
// stacks). Rounds alternate between the two so that both see the same noise;
// the median round of each is compared.
//
//   wskemu_verifier_bench [rounds=15] [sends per round=20000] [both|on|off]
//
// With "on" or "off" only that configuration runs (for instruction counts
// under valgrind --tool=callgrind, which the machine's noise does not touch).
#include <wsk.h>

#include <wskemu/verifier.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "conformance/support/loopback_peer.hpp"
#include "wsk/wsk_address.hpp"

namespace {

const WSK_CLIENT_DISPATCH client_dispatch = {MAKE_WSK_VERSION(1, 0), 0, nullptr};

NTSTATUS NTAPI signal(PDEVICE_OBJECT, PIRP, PVOID context) {
    KeSetEvent(static_cast<PKEVENT>(context), IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

// Reads and drops everything the connection brings, until stopped.
class sink {
public:
    explicit sink(wskemu::net::tcp_socket& socket) : socket_(socket), bytes_(1 << 20), piece_{bytes_.data(), bytes_.size()} {}
    void start() {
        socket_.async_receive(std::span(&piece_, 1), wskemu::net::receive_mode::some,
                              [this](wskemu::net::error e, std::size_t n) {
                                  received_ += n;
                                  if (e == wskemu::net::error::none) {
                                      start();
                                  } else {
                                      ended_ = true;
                                  }
                              });
    }
    std::uint64_t received() const { return received_.load(); }
    // Until the last receive has ended (the close's FIN or reset), its
    // handler may still run: the sink and the peer's socket must outlive it.
    void wait_ended() const {
        while (!ended_.load()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }

private:
    wskemu::net::tcp_socket& socket_;
    std::vector<unsigned char> bytes_;
    wskemu::net::mutable_buffer piece_;
    std::atomic<std::uint64_t> received_{0};
    std::atomic<bool> ended_{false};
};

struct connection {
    WSK_REGISTRATION block{};
    WSK_PROVIDER_NPI provider{};
    PWSK_SOCKET socket = nullptr;
    const WSK_PROVIDER_CONNECTION_DISPATCH* table = nullptr;
};

// One synchronous call on `irp`: reuse, routine, call, wait if pending.
template <typename Call>
NTSTATUS call_sync(PIRP irp, KEVENT& event, Call call) {
    KeClearEvent(&event);
    IoReuseIrp(irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(irp, signal, &event, TRUE, TRUE, TRUE);
    NTSTATUS status = call();
    if (status == STATUS_PENDING) {
        KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, nullptr);
        status = irp->IoStatus.Status;
    }
    return status;
}

double sends_per_second(connection& c, PIRP irp, KEVENT& event, WSK_BUF& buffer, int sends) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < sends; ++i) {
        if (call_sync(irp, event, [&] { return c.table->WskSend(c.socket, &buffer, 0, irp); }) != STATUS_SUCCESS) {
            std::fprintf(stderr, "WskSend failed\n");
            std::exit(1);
        }
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    return sends / took.count();
}

// Waits until the sink has read everything sent, so that no phase starts
// with the previous one's backlog in the socket buffers.
void settle(const sink& drain, std::uint64_t sent) {
    while (drain.received() < sent) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

void verifier_on() {
    wskemu::verifier::enable("*");
    wskemu::verifier::disable("buffer.modified_while_pending");  // opt-in, off by default
    wskemu::verifier::set_capture_stacks(true);
}

void verifier_off() {
    wskemu::verifier::disable("*");
    wskemu::verifier::set_capture_stacks(false);
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 15;
    const int sends = argc > 2 ? std::atoi(argv[2]) : 20000;
    const std::string which = argc > 3 ? argv[3] : "both";
    constexpr ULONG size = 4096;

    wskemu::test::loopback_peer peer(wskemu::net::address_family::ipv4);
    connection c;
    WSK_CLIENT_NPI npi{nullptr, &client_dispatch};
    if (!peer.ok() || WskRegister(&npi, &c.block) != STATUS_SUCCESS ||
        WskCaptureProviderNPI(&c.block, WSK_NO_WAIT, &c.provider) != STATUS_SUCCESS) {
        std::fprintf(stderr, "setup failed\n");
        return 1;
    }
    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    PIRP irp = IoAllocateIrp(1, FALSE);
    auto* bytes = static_cast<PUCHAR>(ExAllocatePool2(POOL_FLAG_NON_PAGED, size, 'hcnB'));
    PMDL mdl = IoAllocateMdl(bytes, size, FALSE, FALSE, nullptr);
    MmBuildMdlForNonPagedPool(mdl);
    WSK_BUF buffer{mdl, 0, size};

    NTSTATUS status = call_sync(irp, event, [&] {
        return c.provider.Dispatch->WskSocket(c.provider.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP,
                                              WSK_FLAG_CONNECTION_SOCKET, nullptr, nullptr, nullptr, nullptr, nullptr,
                                              irp);
    });
    c.socket = reinterpret_cast<PWSK_SOCKET>(irp->IoStatus.Information);
    c.table = static_cast<const WSK_PROVIDER_CONNECTION_DISPATCH*>(c.socket->Dispatch);
    SOCKADDR_STORAGE local{};
    SOCKADDR_STORAGE remote{};
    wskemu::wsk::to_sockaddr(wskemu::net::endpoint::loopback(wskemu::net::address_family::ipv4, 0),
                             reinterpret_cast<PSOCKADDR>(&local));
    wskemu::wsk::to_sockaddr(peer.endpoint(), reinterpret_cast<PSOCKADDR>(&remote));
    if (!NT_SUCCESS(status) ||
        call_sync(irp, event, [&] { return c.table->WskBind(c.socket, reinterpret_cast<PSOCKADDR>(&local), 0, irp); }) !=
            STATUS_SUCCESS ||
        call_sync(irp, event, [&] {
            return c.table->WskConnect(c.socket, reinterpret_cast<PSOCKADDR>(&remote), 0, irp);
        }) != STATUS_SUCCESS ||
        !peer.accept()) {
        std::fprintf(stderr, "connect failed\n");
        return 1;
    }
    sink drain(peer.connection());
    drain.start();

    std::uint64_t sent = 0;
    auto phase = [&](bool verified, int count) {
        settle(drain, sent);
        if (verified) {
            verifier_on();
        } else {
            verifier_off();
        }
        const double rate = sends_per_second(c, irp, event, buffer, count);
        sent += std::uint64_t{size} * count;
        return rate;
    };
    // Warm up both ways (stack symbolisation is not involved: nothing is reported).
    phase(false, sends / 4);
    phase(true, sends / 4);

    std::vector<double> on;
    std::vector<double> off;
    for (int r = 0; r < rounds; ++r) {
        // Each configuration goes first in every other round.
        for (const bool verified : {r % 2 == 0, r % 2 != 0}) {
            if (verified && which != "off") {
                on.push_back(phase(true, sends));
            } else if (!verified && which != "on") {
                off.push_back(phase(false, sends));
            }
        }
    }
    verifier_on();
    const double m_on = on.empty() ? 0 : median(on);
    const double m_off = off.empty() ? 0 : median(off);
    std::printf("WskSend of %u bytes, %d rounds of %d sends, stack backend %s\n", static_cast<unsigned>(size),
                rounds, sends, wskemu::verifier::stack_backend());
    std::printf("verifier off: %.0f sends/s (%.1f MiB/s, %.2f us/send)\n", m_off, m_off * size / (1 << 20),
                1e6 / m_off);
    std::printf("verifier on:  %.0f sends/s (%.1f MiB/s, %.2f us/send)\n", m_on, m_on * size / (1 << 20),
                1e6 / m_on);
    if (m_on > 0 && m_off > 0) {
        std::printf("cost: %.1f%% (median round, on vs off)\n", (m_off / m_on - 1.0) * 100.0);
    }
    std::printf("violations reported: %zu\n", wskemu::verifier::count());

    call_sync(irp, event, [&] { return c.table->Basic.WskCloseSocket(c.socket, irp); });
    drain.wait_ended();
    IoFreeIrp(irp);
    IoFreeMdl(mdl);
    ExFreePoolWithTag(bytes, 'hcnB');
    WskReleaseProviderNPI(&c.block);
    WskDeregister(&c.block);
    return wskemu::verifier::count() == 0 ? 0 : 1;
}
