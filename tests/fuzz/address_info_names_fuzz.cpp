// Fuzz target: the UNICODE_STRING node and service names, the name space and
// the hints given to WskGetAddressInfo (src/wsk/wsk_names.cpp).
//
// Each input makes one call through a registered client with fuzzer-made
// names: any Length and MaximumLength (odd, longer than the buffer says,
// zero), a Buffer of exactly MaximumLength bytes or NULL, any UTF-16 content
// (unpaired surrogates, NULs); a name space, hints with any family, socket
// type and protocol, and a Result pointer or NULL. The hints always carry
// AI_NUMERICHOST | AI_NUMERICSERV and never AI_CANONNAME, so that no input
// makes the host resolver ask a name server: the fuzzer's traffic stays on
// this machine.
// Checked: the IRP completes exactly once; the call pends or fails with the
// status the IRP carries; a failure leaves *Result NULL; a success gives a
// well-formed ADDRINFOEXW list (Windows family values, a SOCKADDR_IN or
// SOCKADDR_IN6 of the length ai_addrlen says), freed by WskFreeAddressInfo;
// nothing is left allocated.
#include <wsk.h>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "fuzz_support.hpp"

namespace {

using wskemu::fuzz::check;
using wskemu::fuzz::counted_irp;

const WSK_CLIENT_DISPATCH client_dispatch = {MAKE_WSK_VERSION(1, 0), 0, nullptr};

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

// A fuzzer-made UNICODE_STRING and the buffer it points into.
struct fuzz_name {
    std::unique_ptr<WCHAR[]> buffer;
    UNICODE_STRING string{};
};

// Mostly short numeric-looking text (so that some inputs resolve), sometimes
// any code units, with lengths that may lie about the buffer.
std::optional<fuzz_name> make_name(FuzzedDataProvider& input) {
    if (input.ConsumeIntegralInRange(0, 5) == 0) {
        return std::nullopt;  // no name at all (NULL PUNICODE_STRING)
    }
    static constexpr char alphabet[] = "0123456789.:abcdef%[]:-";
    const std::size_t units = input.ConsumeIntegralInRange<std::size_t>(0, 48);
    fuzz_name name;
    const bool null_buffer = input.ConsumeIntegralInRange(0, 9) == 0;
    if (!null_buffer) {
        name.buffer = std::make_unique<WCHAR[]>(units == 0 ? 1 : units);
        const bool text = input.ConsumeBool();
        for (std::size_t i = 0; i < units; ++i) {
            name.buffer[i] = text ? static_cast<WCHAR>(
                                        alphabet[input.ConsumeIntegralInRange<std::size_t>(0, sizeof(alphabet) - 2)])
                                  : input.ConsumeIntegral<WCHAR>();
        }
    }
    const USHORT capacity = static_cast<USHORT>(units * sizeof(WCHAR));
    name.string.Buffer = name.buffer.get();
    name.string.MaximumLength = capacity;
    name.string.Length = capacity;
    switch (input.ConsumeIntegralInRange(0, 7)) {
    case 0: name.string.Length = input.ConsumeIntegral<USHORT>(); break;  // anything, maybe past the buffer
    case 1: name.string.Length = capacity == 0 ? 1 : static_cast<USHORT>(capacity - 1); break;  // odd
    case 2: name.string.MaximumLength = input.ConsumeIntegral<USHORT>(); break;
    default: break;
    }
    // A Length past the real buffer is refused by the provider before any
    // read; a MaximumLength past it is never read by contract. The buffer is
    // still only `capacity` bytes: ASan catches any read beyond it.
    return name;
}

void check_list(const ADDRINFOEXW* list) {
    int entries = 0;
    for (const ADDRINFOEXW* a = list; a != nullptr; a = a->ai_next) {
        check(++entries <= 64, "an address list longer than 64 entries for a numeric name");
        check(a->ai_family == AF_INET || a->ai_family == AF_INET6, "an entry of neither Windows family");
        check(a->ai_addr != nullptr, "an entry without an address");
        if (a->ai_family == AF_INET) {
            check(a->ai_addrlen == sizeof(SOCKADDR_IN) && a->ai_addr->sa_family == AF_INET,
                  "an IPv4 entry that is not a SOCKADDR_IN");
        } else {
            check(a->ai_addrlen == sizeof(SOCKADDR_IN6) && a->ai_addr->sa_family == AF_INET6,
                  "an IPv6 entry that is not a SOCKADDR_IN6");
        }
    }
    check(entries > 0, "a success with an empty list");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    client& c = the_client();
    const std::uint64_t serial = wskemu::next_allocation_serial();

    std::optional<fuzz_name> node = make_name(input);
    std::optional<fuzz_name> service = make_name(input);
    static constexpr ULONG name_spaces[] = {NS_ALL, NS_DNS, 0, 12, 37};
    const ULONG name_space = input.ConsumeIntegralInRange(0, 3) != 0
                                 ? name_spaces[input.ConsumeIntegralInRange<std::size_t>(0, 1)]
                                 : name_spaces[input.ConsumeIntegralInRange<std::size_t>(2, 4)];
    ADDRINFOEXW hints{};
    // No AI_CANONNAME: some host resolvers look a numeric address's name up for it.
    hints.ai_flags =
        (static_cast<int>(input.ConsumeIntegral<std::uint16_t>()) & ~AI_CANONNAME) | AI_NUMERICHOST | AI_NUMERICSERV;
    static constexpr int families[] = {AF_UNSPEC, AF_INET, AF_INET6, 1, 99};
    static constexpr int types[] = {0, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, 77};
    static constexpr int protocols[] = {0, IPPROTO_TCP, IPPROTO_UDP, 255};
    hints.ai_family = families[input.ConsumeIntegralInRange<std::size_t>(0, std::size(families) - 1)];
    hints.ai_socktype = types[input.ConsumeIntegralInRange<std::size_t>(0, std::size(types) - 1)];
    hints.ai_protocol = protocols[input.ConsumeIntegralInRange<std::size_t>(0, std::size(protocols) - 1)];
    const bool with_result = input.ConsumeIntegralInRange(0, 9) != 0;

    PADDRINFOEXW result = reinterpret_cast<PADDRINFOEXW>(std::uintptr_t{0xBAD0});
    {
        counted_irp irp;  // freed before the leak check
        const NTSTATUS returned = c.provider.Dispatch->WskGetAddressInfo(
            c.provider.Client, node ? &node->string : nullptr, service ? &service->string : nullptr, name_space, nullptr,
            &hints, with_result ? &result : nullptr, nullptr, nullptr, irp.get());
        irp.check_completed_once(returned, "WskGetAddressInfo");
        const NTSTATUS status = irp.get()->IoStatus.Status;
        check(returned == STATUS_PENDING || returned == status, "WskGetAddressInfo returned another status than its IRP's");
        if (with_result) {
            if (NT_SUCCESS(status)) {
                check_list(result);
                c.provider.Dispatch->WskFreeAddressInfo(c.provider.Client, result);
            } else {
                check(result == nullptr, "a failed WskGetAddressInfo left *Result set");
            }
        } else {
            check(!NT_SUCCESS(status), "WskGetAddressInfo succeeded with no Result");
        }
    }
    wskemu::fuzz::check_no_leaks(serial);
    return 0;
}
