// Fuzz target: the RtlIpv4/RtlIpv6 string conversions
// (src/kernel/rtl_ip_address.cpp), A and W forms, plain and Ex.
//
// The first byte picks a mode; the rest is a string (copied into a buffer of
// exactly its length plus the terminator, so AddressSanitizer sees a read
// past it) or the bytes of an address. Checked:
//  - the A and W parsers agree (status, terminator position, address, port,
//    scope id); W characters above 0x7F are never read as ASCII (the W
//    string with each of them replaced by 0x01 parses the same);
//  - whatever parses prints back (A and W alike) to a string that parses to
//    the same value, so printing and parsing are inverse on valid input;
//  - any address prints within the documented buffer sizes (16 and 46
//    characters; the Ex forms report the size they need, fail on a shorter
//    buffer without writing past it, and succeed on one that is large
//    enough).
#include <ip2string.h>
#include <wdm.h>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "fuzz_support.hpp"

namespace {

using wskemu::fuzz::check;

constexpr std::size_t ipv4_text_size = 16;     // INET_ADDRSTRLEN
constexpr std::size_t ipv6_text_size = 46;     // INET6_ADDRSTRLEN
constexpr std::size_t ipv6_ex_text_size = 65;  // "[" address "%" scope "]:" port

// A NUL-terminated copy in a buffer of exactly that size.
template <typename CharT>
struct exact_string {
    std::unique_ptr<CharT[]> text;
    std::size_t length = 0;
    template <typename Source>
    exact_string(const Source* source, std::size_t n) : text(std::make_unique<CharT[]>(n + 1)), length(n) {
        for (std::size_t i = 0; i < n; ++i) {
            text[i] = static_cast<CharT>(source[i]);
        }
        text[n] = 0;
    }
    const CharT* get() const { return text.get(); }
};

template <typename CharT>
std::size_t offset_of(const CharT* terminator, const exact_string<CharT>& s) {
    check(terminator >= s.get() && terminator <= s.get() + s.length, "the terminator points outside the string");
    return static_cast<std::size_t>(terminator - s.get());
}

bool same(const void* a, const void* b, std::size_t n) { return std::memcmp(a, b, n) == 0; }

// ---- printing ----------------------------------------------------------------

// Prints with the plain A and W printers into buffers of `size` characters
// (the documented maximum); both must agree.
template <typename Address>
std::string print(const Address& address, std::size_t size, PSTR(NTAPI* print_a)(const Address*, PSTR),
                  PWSTR(NTAPI* print_w)(const Address*, PWSTR), const char* function) {
    auto buffer = std::make_unique<CHAR[]>(size);
    PSTR end = print_a(&address, buffer.get());
    check(end > buffer.get() && end < buffer.get() + size && *end == 0, function,
          "the end is not the terminator inside " + std::to_string(size) + " characters");
    auto wide = std::make_unique<WCHAR[]>(size);
    PWSTR wide_end = print_w(&address, wide.get());
    check(wide_end - wide.get() == end - buffer.get(), function, "the W form has another length than the A form");
    for (std::ptrdiff_t i = 0; i < end - buffer.get(); ++i) {
        check(wide[static_cast<std::size_t>(i)] == static_cast<WCHAR>(buffer[static_cast<std::size_t>(i)]), function,
              "the W form prints other text than the A form");
    }
    return std::string(buffer.get(), end);
}

std::string print_ipv4(const in_addr& address) {
    return print(address, ipv4_text_size, RtlIpv4AddressToStringA, RtlIpv4AddressToStringW,
                 "RtlIpv4AddressToStringA/W");
}

std::string print_ipv6(const in6_addr& address) {
    return print(address, ipv6_text_size, RtlIpv6AddressToStringA, RtlIpv6AddressToStringW,
                 "RtlIpv6AddressToStringA/W");
}

// The Ex printers' size contract for one call: `offered` characters.
template <typename CharT, typename Print>
std::string print_ex(ULONG offered, std::size_t largest, Print print, const char* function) {
    ULONG length = 0;
    check(print(nullptr, &length) == STATUS_INVALID_PARAMETER, function, "a NULL buffer was accepted");
    auto buffer = std::make_unique<CharT[]>(offered);
    length = offered;
    const NTSTATUS status = print(offered == 0 ? nullptr : buffer.get(), &length);
    if (offered == 0) {
        return {};
    }
    check(length > 1 && length <= largest, function, "reported size " + std::to_string(length));
    if (status != STATUS_SUCCESS) {
        check(status == STATUS_INVALID_PARAMETER && length > offered, function,
              "failed although the buffer was large enough");
        return {};
    }
    check(length <= offered && buffer[length - 1] == 0, function, "the text does not end where the size says");
    std::string text;
    for (ULONG i = 0; i + 1 < length; ++i) {
        check(buffer[i] > 0 && buffer[i] < 0x80, function, "a non-ASCII character in the text");
        text += static_cast<char>(buffer[i]);
    }
    return text;
}

// ---- modes -------------------------------------------------------------------

template <typename T>
T poisoned() {
    T value;
    std::memset(&value, 0x11, sizeof(value));
    return value;
}

// The plain parsers of one family, given as (string, terminator, address)
// calls: A, W and all-ASCII W agree, and what parses prints and parses back.
template <typename Address, typename ParseA, typename ParseW, typename Print>
void check_parse(const exact_string<CHAR>& a, const exact_string<WCHAR>& w, const exact_string<WCHAR>& w_ascii,
                 ParseA parse_a, ParseW parse_w, Print print_text, const char* function) {
    Address address_a = poisoned<Address>(), address_w = poisoned<Address>(), address_w_ascii = poisoned<Address>();
    PCSTR end_a = nullptr;
    PCWSTR end_w = nullptr, end_w_ascii = nullptr;
    const NTSTATUS sa = parse_a(a.get(), &end_a, &address_a);
    const NTSTATUS sw = parse_w(w.get(), &end_w, &address_w);
    const NTSTATUS swa = parse_w(w_ascii.get(), &end_w_ascii, &address_w_ascii);
    check(sw == swa && offset_of(end_w, w) == offset_of(end_w_ascii, w_ascii) &&
              same(&address_w, &address_w_ascii, sizeof(Address)),
          function, "the W form read a non-ASCII character as ASCII");
    check(sa == sw && offset_of(end_a, a) == offset_of(end_w, w) && same(&address_a, &address_w, sizeof(Address)),
          function, "the A and W forms disagree");
    if (sa == STATUS_SUCCESS) {
        const std::string text = print_text(address_a);
        Address again;
        PCSTR end = nullptr;
        check(parse_a(text.c_str(), &end, &again) == STATUS_SUCCESS && *end == 0 &&
                  same(&again, &address_a, sizeof(Address)),
              function, "an address does not survive printing and parsing: " + text);
    }
}

void ipv4_parse_ex(const exact_string<CHAR>& a, const exact_string<WCHAR>& w, bool strict, ULONG offered) {
    in_addr address_a = poisoned<in_addr>(), address_w = poisoned<in_addr>();
    USHORT port_a = 0x1111, port_w = 0x1111;
    const NTSTATUS sa = RtlIpv4StringToAddressExA(a.get(), strict, &address_a, &port_a);
    const NTSTATUS sw = RtlIpv4StringToAddressExW(w.get(), strict, &address_w, &port_w);
    check(sa == sw && port_a == port_w && same(&address_a, &address_w, sizeof(in_addr)),
          "RtlIpv4StringToAddressExA and W disagree");
    if (sa != STATUS_SUCCESS) {
        return;
    }
    const auto print_a = [&](PSTR out, PULONG length) {
        return RtlIpv4AddressToStringExA(&address_a, port_a, out, length);
    };
    const auto print_w = [&](PWSTR out, PULONG length) {
        return RtlIpv4AddressToStringExW(&address_a, port_a, out, length);
    };
    print_ex<CHAR>(offered, 22, print_a, "RtlIpv4AddressToStringExA");
    print_ex<WCHAR>(offered, 22, print_w, "RtlIpv4AddressToStringExW");
    const std::string text = print_ex<CHAR>(22, 22, print_a, "RtlIpv4AddressToStringExA");
    check(print_ex<WCHAR>(22, 22, print_w, "RtlIpv4AddressToStringExW") == text,
          "RtlIpv4AddressToStringExA and W print differently");
    in_addr again;
    USHORT port = 0;
    check(RtlIpv4StringToAddressExA(text.c_str(), TRUE, &again, &port) == STATUS_SUCCESS && port == port_a &&
              same(&again, &address_a, sizeof(in_addr)),
          "an IPv4 address and port do not survive printing and parsing", text);
}

void ipv6_parse_ex(const exact_string<CHAR>& a, const exact_string<WCHAR>& w, ULONG offered) {
    in6_addr address_a = poisoned<in6_addr>(), address_w = poisoned<in6_addr>();
    ULONG scope_a = 0x1111, scope_w = 0x1111;
    USHORT port_a = 0x1111, port_w = 0x1111;
    const NTSTATUS sa = RtlIpv6StringToAddressExA(a.get(), &address_a, &scope_a, &port_a);
    const NTSTATUS sw = RtlIpv6StringToAddressExW(w.get(), &address_w, &scope_w, &port_w);
    check(sa == sw && scope_a == scope_w && port_a == port_w && same(&address_a, &address_w, sizeof(in6_addr)),
          "RtlIpv6StringToAddressExA and W disagree");
    if (sa != STATUS_SUCCESS) {
        return;
    }
    const auto print_a = [&](PSTR out, PULONG length) {
        return RtlIpv6AddressToStringExA(&address_a, scope_a, port_a, out, length);
    };
    const auto print_w = [&](PWSTR out, PULONG length) {
        return RtlIpv6AddressToStringExW(&address_a, scope_a, port_a, out, length);
    };
    print_ex<CHAR>(offered, ipv6_ex_text_size, print_a, "RtlIpv6AddressToStringExA");
    print_ex<WCHAR>(offered, ipv6_ex_text_size, print_w, "RtlIpv6AddressToStringExW");
    const std::string text = print_ex<CHAR>(ipv6_ex_text_size, ipv6_ex_text_size, print_a, "RtlIpv6AddressToStringExA");
    check(print_ex<WCHAR>(ipv6_ex_text_size, ipv6_ex_text_size, print_w, "RtlIpv6AddressToStringExW") == text,
          "RtlIpv6AddressToStringExA and W print differently");
    in6_addr again;
    ULONG scope = 0;
    USHORT port = 0;
    check(RtlIpv6StringToAddressExA(text.c_str(), &again, &scope, &port) == STATUS_SUCCESS && scope == scope_a &&
              port == port_a && same(&again, &address_a, sizeof(in6_addr)),
          "an IPv6 address, scope and port do not survive printing and parsing", text);
}

// Any address bytes print within bounds and parse back to themselves.
void print_address(FuzzedDataProvider& input) {
    in_addr v4;
    in6_addr v6;
    const auto bytes = input.ConsumeBytes<unsigned char>(sizeof(v4) + sizeof(v6));
    unsigned char raw[sizeof(v4) + sizeof(v6)] = {};
    if (!bytes.empty()) {
        std::memcpy(raw, bytes.data(), bytes.size());
    }
    std::memcpy(&v4, raw, sizeof(v4));
    std::memcpy(&v6, raw + sizeof(v4), sizeof(v6));
    const ULONG scope = input.ConsumeBool() ? 0 : input.ConsumeIntegral<ULONG>();
    const USHORT port = input.ConsumeBool() ? 0 : input.ConsumeIntegral<USHORT>();
    const auto offered = input.ConsumeIntegralInRange<ULONG>(0, ipv6_ex_text_size + 1);

    const std::string text4 = print_ipv4(v4);
    in_addr again4;
    PCSTR end = nullptr;
    check(RtlIpv4StringToAddressA(text4.c_str(), TRUE, &end, &again4) == STATUS_SUCCESS && *end == 0 &&
              same(&again4, &v4, sizeof(v4)),
          "printed IPv4 text does not parse back", text4);
    const std::string text6 = print_ipv6(v6);
    in6_addr again6;
    check(RtlIpv6StringToAddressA(text6.c_str(), &end, &again6) == STATUS_SUCCESS && *end == 0 &&
              same(&again6, &v6, sizeof(v6)),
          "printed IPv6 text does not parse back", text6);

    const auto print6 = [&](PSTR out, PULONG length) {
        return RtlIpv6AddressToStringExA(&v6, scope, port, out, length);
    };
    print_ex<CHAR>(offered, ipv6_ex_text_size, print6, "RtlIpv6AddressToStringExA");
    const std::string text6ex =
        print_ex<CHAR>(ipv6_ex_text_size, ipv6_ex_text_size, print6, "RtlIpv6AddressToStringExA");
    ULONG scope_back = 0;
    USHORT port_back = 0;
    check(RtlIpv6StringToAddressExA(text6ex.c_str(), &again6, &scope_back, &port_back) == STATUS_SUCCESS &&
              same(&again6, &v6, sizeof(v6)) && scope_back == scope && port_back == port,
          "printed IPv6 Ex text does not parse back", text6ex);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    const int mode = input.ConsumeIntegralInRange(0, 7);
    if (mode == 7) {
        print_address(input);
        return 0;
    }
    const bool strict = input.ConsumeBool();
    const auto offered = input.ConsumeIntegralInRange<ULONG>(0, ipv6_ex_text_size + 1);
    const bool wide_units = input.ConsumeBool();
    // The string: bytes as characters, or (W only) byte pairs as characters.
    std::basic_string<WCHAR> wide;
    std::string narrow;
    const std::string rest = input.ConsumeRemainingBytesAsString();
    const std::size_t step = wide_units ? 2 : 1;
    for (std::size_t i = 0; i + step <= rest.size(); i += step) {
        unsigned value = static_cast<unsigned char>(rest[i]);
        if (wide_units) {
            value |= static_cast<unsigned>(static_cast<unsigned char>(rest[i + 1])) << 8;
        }
        if (value == 0) {
            break;
        }
        wide += static_cast<WCHAR>(value);
        // The A string and the all-ASCII W string: non-ASCII characters become 0x01.
        narrow += value < 0x80 ? static_cast<char>(value) : '\x01';
    }
    const exact_string<CHAR> a(narrow.data(), narrow.size());
    const exact_string<WCHAR> w(wide.data(), wide.size());
    const exact_string<WCHAR> w_ascii(narrow.data(), narrow.size());
    switch (mode) {
    case 0:
    case 1:
        check_parse<in_addr>(
            a, w, w_ascii,
            [&](PCSTR t, PCSTR* end, in_addr* out) { return RtlIpv4StringToAddressA(t, strict, end, out); },
            [&](PCWSTR t, PCWSTR* end, in_addr* out) { return RtlIpv4StringToAddressW(t, strict, end, out); },
            print_ipv4, "RtlIpv4StringToAddressA/W");
        break;
    case 2: ipv4_parse_ex(a, w, strict, offered); break;
    case 3:
    case 4:
        check_parse<in6_addr>(a, w, w_ascii, RtlIpv6StringToAddressA, RtlIpv6StringToAddressW, print_ipv6,
                              "RtlIpv6StringToAddressA/W");
        break;
    default: ipv6_parse_ex(a, w, offered); break;
    }
    return 0;
}
