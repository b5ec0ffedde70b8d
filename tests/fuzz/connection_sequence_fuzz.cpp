// Fuzz target: random sequences of WSK calls on one connection socket
// against a loopback echo peer (the provider's state machine: connect, send,
// receive, cancel, disconnect, control, addresses, close).
//
// Each input chooses the address family, a completion policy (natural,
// always pending, inline or seeded random) and up to 24 calls: sends of
// 1..16 KiB from a numbered byte stream through a chain of one to three
// MDLs; receives into 1..16 KiB, waited for while the peer owes bytes and
// cancelled otherwise; graceful and abortive disconnects; TCP_NODELAY and
// SO_KEEPALIVE set and read back (each with its IRP); the local and remote addresses; then
// WskCloseSocket. Checked: every IRP completes exactly once, with the status
// the call returned when it did not pend; a successful send reports its
// whole length; the bytes received are the echoed stream, in order, none
// twice and none invented; after an abortive disconnect only close works;
// the socket closes, and nothing is left allocated.
#include <wsk.h>

#include <fuzzer/FuzzedDataProvider.h>

#include <wskemu/loopback_server.hpp>
#include <wskemu/runtime.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "fuzz_support.hpp"

namespace {

using wskemu::fuzz::check;
using wskemu::fuzz::counted_irp;

const WSK_CLIENT_DISPATCH client_dispatch = {MAKE_WSK_VERSION(1, 0), 0, nullptr};

struct client {
    WSK_REGISTRATION registration{};
    WSK_PROVIDER_NPI provider{};
    wskemu::loopback_server echo4{wskemu::server_behaviour::echo};
    wskemu::loopback_server echo6{wskemu::server_behaviour::echo, true};
    client() {
        WSK_CLIENT_NPI npi{nullptr, &client_dispatch};
        check(WskRegister(&npi, &registration) == STATUS_SUCCESS, "WskRegister failed");
        check(WskCaptureProviderNPI(&registration, WSK_NO_WAIT, &provider) == STATUS_SUCCESS,
              "WskCaptureProviderNPI failed");
        check(echo4.listening(), "no IPv4 loopback echo peer");
    }
};

client& the_client() {
    static client* const instance = new client;  // lives for the process, as a loaded driver would
    return *instance;
}

const WSK_PROVIDER_CONNECTION_DISPATCH* dispatch(PWSK_SOCKET s) {
    return static_cast<const WSK_PROVIDER_CONNECTION_DISPATCH*>(s->Dispatch);
}

// Byte `offset` of the stream the sends write and the echo returns.
unsigned char stream_byte(std::uint64_t offset) { return static_cast<unsigned char>(offset * 131 + (offset >> 9)); }

SOCKADDR_STORAGE loopback(bool ipv6, std::uint16_t port) {
    SOCKADDR_STORAGE storage{};
    if (ipv6) {
        auto* a = reinterpret_cast<SOCKADDR_IN6*>(&storage);
        a->sin6_family = AF_INET6;
        a->sin6_port = RtlUshortByteSwap(port);
        a->sin6_addr.u.Byte[15] = 1;
    } else {
        auto* a = reinterpret_cast<SOCKADDR_IN*>(&storage);
        a->sin_family = AF_INET;
        a->sin_port = RtlUshortByteSwap(port);
        a->sin_addr.S_un.S_addr = RtlUlongByteSwap(0x7F000001);
    }
    return storage;
}

// A buffer of `size` bytes described by a chain of `pieces` MDLs.
class mdl_chain {
public:
    mdl_chain(std::size_t size, int pieces) : bytes_(size == 0 ? 1 : size) {
        std::size_t at = 0;
        PMDL* link = &first_;
        for (int i = 0; i < pieces && at < size; ++i) {
            const std::size_t length = i + 1 == pieces ? size - at : (size - at) / 2 + 1;
            PMDL mdl = IoAllocateMdl(bytes_.data() + at, static_cast<ULONG>(length), FALSE, FALSE, nullptr);
            check(mdl != nullptr, "IoAllocateMdl failed");
            MmBuildMdlForNonPagedPool(mdl);
            *link = mdl;
            link = &mdl->Next;
            at += length;
        }
        buf_.Mdl = first_;
        buf_.Offset = 0;
        buf_.Length = size;
    }
    ~mdl_chain() {
        while (first_ != nullptr) {
            PMDL next = first_->Next;
            IoFreeMdl(first_);
            first_ = next;
        }
    }
    mdl_chain(const mdl_chain&) = delete;
    mdl_chain& operator=(const mdl_chain&) = delete;

    unsigned char* data() { return bytes_.data(); }
    PWSK_BUF wsk_buf() { return &buf_; }

private:
    std::vector<unsigned char> bytes_;
    PMDL first_ = nullptr;
    WSK_BUF buf_{};
};

struct session {
    PWSK_SOCKET socket = nullptr;
    std::uint64_t sent = 0;      // stream bytes the peer has taken
    std::uint64_t received = 0;  // stream bytes come back
    bool send_shut = false;      // graceful disconnect done
    bool aborted = false;        // abortive disconnect done, or the connection broke
    bool peer_closed = false;    // a receive reported the end of the stream
};

PWSK_SOCKET connect_socket(client& c, bool ipv6) {
    const SOCKADDR_STORAGE remote = loopback(ipv6, (ipv6 ? c.echo6 : c.echo4).port());
    SOCKADDR_STORAGE local = loopback(ipv6, 0);
    counted_irp irp;
    const NTSTATUS returned = c.provider.Dispatch->WskSocketConnect(
        c.provider.Client, SOCK_STREAM, IPPROTO_TCP, reinterpret_cast<PSOCKADDR>(&local),
        reinterpret_cast<PSOCKADDR>(const_cast<SOCKADDR_STORAGE*>(&remote)), 0, nullptr, nullptr, nullptr, nullptr,
        nullptr, irp.get());
    irp.check_completed_once(returned, "WskSocketConnect");
    check(irp.get()->IoStatus.Status == STATUS_SUCCESS, "WskSocketConnect to the loopback echo peer failed");
    return reinterpret_cast<PWSK_SOCKET>(irp.get()->IoStatus.Information);
}

void send_some(FuzzedDataProvider& input, session& s) {
    const std::size_t size = input.ConsumeIntegralInRange<std::size_t>(1, 16 * 1024);
    mdl_chain chain(size, input.ConsumeIntegralInRange(1, 3));
    for (std::size_t i = 0; i < size; ++i) {
        chain.data()[i] = stream_byte(s.sent + i);
    }
    counted_irp irp;
    const NTSTATUS returned = dispatch(s.socket)->WskSend(s.socket, chain.wsk_buf(), 0, irp.get());
    irp.check_completed_once(returned, "WskSend");
    const NTSTATUS status = irp.get()->IoStatus.Status;
    if (status == STATUS_SUCCESS) {
        check(!s.send_shut && !s.aborted, "WskSend succeeded after a disconnect");
        check(irp.get()->IoStatus.Information == size, "a successful WskSend did not send its whole length");
        s.sent += size;
    } else if (!s.send_shut && !s.aborted) {
        s.aborted = true;  // the connection broke (the peer's reset): later calls may fail too
    }
}

void receive_some(FuzzedDataProvider& input, session& s) {
    const std::size_t size = input.ConsumeIntegralInRange<std::size_t>(1, 16 * 1024);
    mdl_chain chain(size, input.ConsumeIntegralInRange(1, 3));
    std::memset(chain.data(), 0xEE, size);
    const bool owed = s.sent > s.received && !s.aborted;
    counted_irp irp;
    const NTSTATUS returned = dispatch(s.socket)->WskReceive(s.socket, chain.wsk_buf(), 0, irp.get());
    // While the peer owes bytes the receive must end by itself; otherwise it
    // would wait for ever, so it is cancelled.
    irp.check_completed_once(returned, "WskReceive", !owed);
    const NTSTATUS status = irp.get()->IoStatus.Status;
    const std::size_t got = irp.get()->IoStatus.Information;
    if (status != STATUS_SUCCESS) {
        check(got == 0, "a failed WskReceive reported bytes");
        check(status == STATUS_CANCELLED || s.aborted || !owed, "a WskReceive failed while the peer owed bytes");
        if (status != STATUS_CANCELLED) {
            s.aborted = true;
        }
        return;
    }
    check(got <= size, "WskReceive reported more bytes than its buffer holds");
    check(s.received + got <= s.sent, "WskReceive returned bytes the peer was never sent");
    if (got == 0) {
        check(!owed, "WskReceive reported the end of the stream while the peer owed bytes");
        s.peer_closed = true;
        return;
    }
    for (std::size_t i = 0; i < got; ++i) {
        check(chain.data()[i] == stream_byte(s.received + i), "WskReceive returned bytes out of order");
    }
    s.received += got;
}

void disconnect(FuzzedDataProvider& input, session& s) {
    const bool abortive = input.ConsumeIntegralInRange(0, 3) == 0;
    counted_irp irp;
    const NTSTATUS returned =
        dispatch(s.socket)->WskDisconnect(s.socket, nullptr, abortive ? WSK_FLAG_ABORTIVE : 0, irp.get());
    irp.check_completed_once(returned, "WskDisconnect");
    if (abortive) {
        s.aborted = true;
    } else if (irp.get()->IoStatus.Status == STATUS_SUCCESS) {
        s.send_shut = true;
    }
}

void control(FuzzedDataProvider& input, session& s) {
    const bool keep_alive = input.ConsumeBool();
    const ULONG level = keep_alive ? SOL_SOCKET : IPPROTO_TCP;
    const ULONG code = keep_alive ? SO_KEEPALIVE : TCP_NODELAY;
    ULONG value = input.ConsumeBool() ? 1 : 0;
    NTSTATUS set;
    {
        counted_irp irp;  // socket options take an IRP
        const NTSTATUS returned = dispatch(s.socket)->Basic.WskControlSocket(
            s.socket, WskSetOption, code, level, sizeof(value), &value, 0, nullptr, nullptr, irp.get());
        irp.check_completed_once(returned, "WskControlSocket");
        set = irp.get()->IoStatus.Status;
    }
    if (set != STATUS_SUCCESS) {
        check(s.aborted || s.send_shut || s.peer_closed, "setting a connection socket option failed on a live connection");
        return;
    }
    ULONG read = 0xFFFF;
    counted_irp irp;
    const NTSTATUS got = dispatch(s.socket)->Basic.WskControlSocket(s.socket, WskGetOption, code, level, 0, nullptr,
                                                                     sizeof(read), &read, nullptr, irp.get());
    irp.check_completed_once(got, "WskControlSocket");
    if (irp.get()->IoStatus.Status == STATUS_SUCCESS) {
        check((read != 0) == (value != 0), "an option did not read back as set");
    }
}

void addresses(FuzzedDataProvider& input, session& s) {
    SOCKADDR_STORAGE address{};
    counted_irp irp;
    const bool remote = input.ConsumeBool();
    const NTSTATUS returned =
        remote ? dispatch(s.socket)->WskGetRemoteAddress(s.socket, reinterpret_cast<PSOCKADDR>(&address), irp.get())
               : dispatch(s.socket)->WskGetLocalAddress(s.socket, reinterpret_cast<PSOCKADDR>(&address), irp.get());
    irp.check_completed_once(returned, remote ? "WskGetRemoteAddress" : "WskGetLocalAddress");
    if (irp.get()->IoStatus.Status == STATUS_SUCCESS) {
        check(address.ss_family == AF_INET || address.ss_family == AF_INET6, "an address of neither family");
    }
}

wskemu::completion_policy policy_of(int choice) {
    switch (choice) {
    case 1: return wskemu::completion_policy::always_pending;
    case 2: return wskemu::completion_policy::inline_when_possible;
    case 3: return wskemu::completion_policy::random;
    default: return wskemu::completion_policy::natural;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    client& c = the_client();
    auto& runtime = wskemu::runtime::instance();
    const std::uint64_t serial = wskemu::next_allocation_serial();

    const bool ipv6 = input.ConsumeBool() && c.echo6.listening();
    runtime.set_seed(input.ConsumeIntegral<std::uint32_t>());
    runtime.set_policy(policy_of(input.ConsumeIntegralInRange(0, 3)));

    session s;
    s.socket = connect_socket(c, ipv6);
    const int calls = input.ConsumeIntegralInRange(1, 24);
    for (int i = 0; i < calls && input.remaining_bytes() > 0; ++i) {
        int call = input.ConsumeIntegralInRange(0, 9);
        if (call <= 2 && s.sent - s.received > 96 * 1024 && !s.aborted) {
            call = 3;  // the echo peer stops reading once its replies back up: take some first
        }
        switch (call) {
        case 0:
        case 1:
        case 2: send_some(input, s); break;
        case 3:
        case 4:
        case 5: receive_some(input, s); break;
        case 6: disconnect(input, s); break;
        case 7: control(input, s); break;
        default: addresses(input, s); break;
        }
    }

    {
        counted_irp close;  // freed before the leak check
        const NTSTATUS closed = dispatch(s.socket)->Basic.WskCloseSocket(s.socket, close.get());
        close.check_completed_once(closed, "WskCloseSocket");
        check(close.get()->IoStatus.Status == STATUS_SUCCESS, "WskCloseSocket failed");
    }
    runtime.reset();
    wskemu::fuzz::check_no_leaks(serial);
    return 0;
}
