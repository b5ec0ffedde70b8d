// Fuzz target: WskControlSocket on a real connection socket (the option
// table in src/wsk/wsk_socket.cpp, Windows level and option to the host's).
//
// Each input makes a fresh IPv4 or IPv6 connection socket, bound to the
// loopback address or not, and issues up to four WskControlSocket calls with
// fuzzer-chosen request type, level, code, buffers (allocated at exactly the
// size passed, or NULL), returned-size pointer and IRP. Checked: an IRP given
// completes exactly once with the returned status; no IRP never pends; a
// success has the buffer it needs; a get writes exactly one ULONG and
// reports it in Information; a boolean option reads back as set; an option
// settable only before WskBind is refused after it; the socket closes, and
// nothing is left allocated.
#include <wsk.h>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>

#include "fuzz_support.hpp"
#include "net/endpoint.hpp"
#include "wsk/wsk_address.hpp"

namespace {

using wskemu::fuzz::check;
using wskemu::fuzz::counted_irp;

const WSK_CLIENT_DISPATCH client_dispatch = {MAKE_WSK_VERSION(1, 0), 0, nullptr};
const WSK_CLIENT_CONNECTION_DISPATCH no_events = {nullptr, nullptr, nullptr};

// A client registered once for the whole run.
struct client {
    WSK_REGISTRATION registration{};
    WSK_PROVIDER_NPI provider{};
    client() {
        WSK_CLIENT_NPI npi{nullptr, &client_dispatch};
        check(WskRegister(&npi, &registration) == STATUS_SUCCESS, "WskRegister failed");
        check(WskCaptureProviderNPI(&registration, WSK_NO_WAIT, &provider) == STATUS_SUCCESS,
              "WskCaptureProviderNPI failed");
    }
};

client& the_client() {
    static client* const instance = new client;  // lives for the process, as a loaded driver would
    return *instance;
}

const WSK_PROVIDER_CONNECTION_DISPATCH* dispatch(PWSK_SOCKET s) {
    return static_cast<const WSK_PROVIDER_CONNECTION_DISPATCH*>(s->Dispatch);
}

struct known_option {
    ULONG level;
    ULONG code;
    bool boolean;      // reads back as 0 or 1
    bool before_bind;  // refused once bound
};

// The table's options, and some it does not have, for the fuzzer to pick.
const known_option known_options[] = {
    {SOL_SOCKET, SO_KEEPALIVE, true, false},
    {SOL_SOCKET, SO_REUSEADDR, true, true},
    {SOL_SOCKET, static_cast<ULONG>(SO_EXCLUSIVEADDRUSE), true, true},
    {SOL_SOCKET, SO_RCVBUF, false, false},
    {SOL_SOCKET, SO_SNDBUF, false, false},
    {IPPROTO_TCP, TCP_NODELAY, true, false},
    {SOL_SOCKET, SO_LINGER, false, false},
    {SOL_SOCKET, SO_BROADCAST, false, false},
    {IPPROTO_IP, IP_TTL, false, false},
    {IPPROTO_IPV6, IPV6_V6ONLY, false, false},
    {1, 2, false, false},  // Linux's SOL_SOCKET and SO_REUSEADDR values: not Windows'
};

// Bytes at exactly the size a driver passes, or NULL.
struct fuzz_buffer {
    std::unique_ptr<unsigned char[]> bytes;
    SIZE_T size = 0;
    unsigned char* get() const { return bytes.get(); }
};

fuzz_buffer make_buffer(FuzzedDataProvider& input) {
    fuzz_buffer b;
    b.size = input.ConsumeIntegralInRange<SIZE_T>(0, 12);
    if (input.ConsumeIntegralInRange(0, 7) != 0) {
        b.bytes = std::make_unique<unsigned char[]>(b.size);
        for (SIZE_T i = 0; i < b.size; ++i) {
            b.bytes[i] = input.ConsumeIntegral<unsigned char>();
        }
    }
    return b;
}

PWSK_SOCKET make_socket(ADDRESS_FAMILY family) {
    client& c = the_client();
    counted_irp irp;
    const NTSTATUS status = c.provider.Dispatch->WskSocket(c.provider.Client, family, SOCK_STREAM, IPPROTO_TCP,
                                                           WSK_FLAG_CONNECTION_SOCKET, nullptr, &no_events, nullptr,
                                                           nullptr, nullptr, irp.get());
    irp.check_completed_once(status, "WskSocket");
    check(irp.get()->IoStatus.Status == STATUS_SUCCESS, "WskSocket failed");
    return reinterpret_cast<PWSK_SOCKET>(irp.get()->IoStatus.Information);
}

bool bind_loopback(PWSK_SOCKET s, wskemu::net::address_family family) {
    SOCKADDR_STORAGE address{};
    wskemu::wsk::to_sockaddr(wskemu::net::endpoint::loopback(family, 0), reinterpret_cast<PSOCKADDR>(&address));
    counted_irp irp;
    const NTSTATUS status = dispatch(s)->WskBind(s, reinterpret_cast<PSOCKADDR>(&address), 0, irp.get());
    irp.check_completed_once(status, "WskBind");
    return irp.get()->IoStatus.Status == STATUS_SUCCESS;
}

// Gets a boolean option through WskControlSocket.
std::optional<ULONG> get_option(PWSK_SOCKET s, const known_option& option) {
    ULONG value = 0xDEADBEEF;
    counted_irp irp;
    const NTSTATUS status = dispatch(s)->Basic.WskControlSocket(s, WskGetOption, option.code, option.level, 0, nullptr,
                                                          sizeof(value), &value, nullptr, irp.get());
    irp.check_completed_once(status, "WskControlSocket(WskGetOption)");
    if (irp.get()->IoStatus.Status != STATUS_SUCCESS) {
        return std::nullopt;
    }
    return value;
}

void control_once(FuzzedDataProvider& input, PWSK_SOCKET s, bool bound) {
    WSK_CONTROL_SOCKET_TYPE type;
    switch (input.ConsumeIntegralInRange(0, 7)) {
    case 0: type = WskIoctl; break;
    case 1: type = WskControlMax; break;  // out of range (a wider value would be undefined in C++)
    default: type = input.ConsumeBool() ? WskSetOption : WskGetOption; break;
    }
    const known_option* option = nullptr;
    ULONG level;
    ULONG code;
    if (input.ConsumeIntegralInRange(0, 7) != 0) {
        option = &known_options[input.ConsumeIntegralInRange<std::size_t>(0, std::size(known_options) - 1)];
        level = option->level;
        code = option->code;
    } else {
        level = input.ConsumeIntegral<ULONG>();
        code = input.ConsumeIntegral<ULONG>();
    }
    fuzz_buffer in = make_buffer(input);
    fuzz_buffer out = make_buffer(input);
    constexpr unsigned char untouched = 0xA5;
    if (out.get() != nullptr) {
        std::memset(out.get(), untouched, out.size);
    }
    SIZE_T returned = 0x5A5A;
    SIZE_T* returned_pointer = input.ConsumeBool() ? &returned : nullptr;
    const bool with_irp = input.ConsumeIntegralInRange(0, 7) != 0;

    std::optional<counted_irp> irp;
    if (with_irp) {
        irp.emplace();
    }
    const NTSTATUS status = dispatch(s)->Basic.WskControlSocket(s, type, code, level, in.size, in.get(), out.size,
                                                          out.get(), returned_pointer,
                                                          with_irp ? irp->get() : nullptr);
    NTSTATUS result = status;
    ULONG_PTR information = 0;
    if (with_irp) {
        irp->check_completed_once(status, "WskControlSocket");
        result = irp->get()->IoStatus.Status;
        information = irp->get()->IoStatus.Information;
    } else {
        check(status != STATUS_PENDING && status != STATUS_SUCCESS,
              "WskControlSocket without an IRP returned STATUS_PENDING or success for a request that needs one");
    }
    if (result != STATUS_SUCCESS) {
        return;
    }
    check(type == WskSetOption || type == WskGetOption, "a request type other than set/get option succeeded");
    if (type == WskSetOption) {
        check(in.get() != nullptr && in.size >= sizeof(ULONG), "a set succeeded without a ULONG to read");
        if (option != nullptr && option->before_bind) {
            check(!bound, "an option settable only before WskBind was set after it");
        }
        if (option != nullptr && option->boolean) {
            ULONG set;
            std::memcpy(&set, in.get(), sizeof(set));
            const auto now = get_option(s, *option);
            check(now.has_value() && *now == (set != 0 ? 1u : 0u), "a boolean option does not read back as set");
        }
    } else {
        check(out.get() != nullptr && out.size >= sizeof(ULONG), "a get succeeded without room for a ULONG");
        check(information == sizeof(ULONG), "a get reported other than sizeof(ULONG) bytes in Information");
        for (SIZE_T i = sizeof(ULONG); i < out.size; ++i) {
            check(out.get()[i] == untouched, "a get wrote past the ULONG");
        }
        if (option != nullptr && option->boolean) {
            ULONG value;
            std::memcpy(&value, out.get(), sizeof(value));
            check(value == 0 || value == 1, "a boolean option read as neither 0 nor 1");
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    the_client();
    const std::uint64_t serial = wskemu::next_allocation_serial();

    const auto family = input.ConsumeBool() ? wskemu::net::address_family::ipv6 : wskemu::net::address_family::ipv4;
    PWSK_SOCKET s = make_socket(family == wskemu::net::address_family::ipv4 ? ADDRESS_FAMILY{AF_INET}
                                                                            : ADDRESS_FAMILY{AF_INET6});
    // A host without IPv6 loopback cannot bind ::1; the socket stays unbound.
    const bool bound = input.ConsumeBool() && bind_loopback(s, family);
    const int calls = input.ConsumeIntegralInRange(1, 4);
    for (int i = 0; i < calls && input.remaining_bytes() > 0; ++i) {
        control_once(input, s, bound);
    }

    {
        counted_irp close;
        const NTSTATUS closed = dispatch(s)->Basic.WskCloseSocket(s, close.get());
        close.check_completed_once(closed, "WskCloseSocket");
        check(close.get()->IoStatus.Status == STATUS_SUCCESS, "WskCloseSocket failed");
    }
    wskemu::fuzz::check_no_leaks(serial);
    return 0;
}
