// wskemu: IPv4 and IPv6 address text (the ip2string.h functions), parsed and
// printed here without the host's socket library.
//
// Behaviour follows Microsoft's documentation and, where it is silent, what
// Windows was observed to do (Wine's ntdll tests record it):
//  - IPv4, non-strict: one to four parts, each decimal, octal (leading 0) or
//    hex (0x), combined as in inet_aton; strict: exactly four decimal parts.
//    The terminator points where parsing stopped; a '.' with no digits before
//    it is consumed before failing; overflow is detected as Windows does, by
//    the accumulated value wrapping below its previous value.
//  - IPv6: groups of 1-4 hex digits, one "::", an IPv4 tail where two groups
//    remain; parsing stops at a second "::" or once eight groups are read.
//  - Ex parsers require the whole string: IPv4 "a.b.c.d[:port]", IPv6
//    "addr[%scope]" or "[addr[%scope]][:port]"; port and scope come back with
//    the port in network byte order, the scope id as a plain number. A port
//    may be decimal or 0x hex (IPv4 also octal), and must not be 0. The
//    address is stored as soon as it parses, even if the rest then fails.
//  - To-string: lower-case hex, the longest run of two or more zero groups
//    compressed (the first on a tie; a single zero group stays "0"), dotted
//    IPv4 tails for compatible, mapped, translated and ISATAP addresses.
// Windows writes partly parsed IPv6 groups to Addr on failure and reads
// "::0x88" as 0x88 in some positions; wskemu leaves Addr untouched on failure
// and stops at the 'x'. Null pointers, on which Windows crashes, give
// STATUS_INVALID_PARAMETER.
#include <wdm.h>

#include <inaddr.h>
#include <in6addr.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

namespace wskemu::kernel {
namespace {

template <class CharT>
bool is_decimal(CharT c) {
    return c >= '0' && c <= '9';
}

template <class CharT>
int hex_value(CharT c) {
    if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
    return -1;
}

template <class CharT>
int digit_in_base(CharT c, unsigned base) {
    const int v = hex_value(c);
    return v >= 0 && static_cast<unsigned>(v) < base ? v : -1;
}

using ipv4_bytes = std::array<std::uint8_t, 4>;
using ipv6_bytes = std::array<std::uint8_t, 16>;

// Parses the address part of RtlIpv4StringToAddress; *end gets the terminator.
template <class CharT>
bool parse_ipv4(const CharT* s, bool strict, const CharT** end, ipv4_bytes& out) {
    std::uint32_t parts[4] = {};
    int count = 0;
    const CharT* p = s;
    for (;;) {
        if (!is_decimal(*p)) {
            *end = *p == '.' ? p + 1 : p;
            return false;
        }
        unsigned base = 10;
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
            base = 16;
            p += 2;
        } else if (p[0] == '0' && is_decimal(p[1])) {
            base = 8;
            p += 1;
        }
        if (base != 10 && strict) {
            *end = p;
            return false;
        }
        std::uint32_t value = 0;
        int digits = 0;
        for (int d = digit_in_base(*p, base); d >= 0; d = digit_in_base(*++p, base)) {
            const std::uint32_t next = value * base + static_cast<std::uint32_t>(d);
            if (next < value) {
                *end = p;
                return false;
            }
            value = next;
            ++digits;
        }
        if (digits == 0) {
            *end = p;
            return false;
        }
        parts[count++] = value;
        if (*p != '.') {
            break;
        }
        if (count == 4) {
            *end = p;
            return false;
        }
        ++p;
    }
    *end = p;
    if (strict && count != 4) {
        return false;
    }
    // The last part fills the bytes the earlier ones leave (inet_aton forms).
    const std::uint32_t last_limit[] = {0xFFFFFFFFu, 0xFFFFFFu, 0xFFFFu, 0xFFu};
    for (int i = 0; i + 1 < count; ++i) {
        if (parts[i] > 0xFF) {
            return false;
        }
    }
    if (parts[count - 1] > last_limit[count - 1]) {
        return false;
    }
    std::uint32_t address = parts[count - 1];
    for (int i = 0; i + 1 < count; ++i) {
        address |= parts[i] << (24 - 8 * i);
    }
    out = {static_cast<std::uint8_t>(address >> 24), static_cast<std::uint8_t>(address >> 16),
           static_cast<std::uint8_t>(address >> 8), static_cast<std::uint8_t>(address)};
    return true;
}

// Parses a port after ':' up to the end of the string; false if malformed,
// out of range or zero.
template <class CharT>
bool parse_port(const CharT* p, bool allow_octal, USHORT& port) {
    if (!is_decimal(*p)) {
        return false;
    }
    unsigned base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    } else if (p[0] == '0' && is_decimal(p[1])) {
        if (!allow_octal) {
            return false;
        }
        base = 8;
        p += 1;
    }
    std::uint32_t value = 0;
    int digits = 0;
    for (int d = digit_in_base(*p, base); d >= 0; d = digit_in_base(*++p, base)) {
        value = value * base + static_cast<std::uint32_t>(d);
        if (value > 0xFFFF) {
            return false;
        }
        ++digits;
    }
    if (digits == 0 || *p != 0 || value == 0) {
        return false;
    }
    port = RtlUshortByteSwap(static_cast<USHORT>(value));  // network byte order
    return true;
}

// Parses the dotted IPv4 tail of an IPv6 address: four decimal parts of at
// most three digits, each at most 255.
template <class CharT>
bool parse_ipv4_tail(const CharT* p, const CharT** end, std::uint8_t* out) {
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (*p != '.') {
                *end = p;
                return false;
            }
            ++p;
        }
        unsigned value = 0;
        int digits = 0;
        for (; is_decimal(*p); ++p, ++digits) {
            if (value <= 0xFFFF) {
                value = value * 10 + static_cast<unsigned>(*p - '0');
            }
        }
        if (digits == 0 || digits > 3 || value > 255) {
            *end = p;
            return false;
        }
        out[part] = static_cast<std::uint8_t>(value);
    }
    *end = p;
    return true;
}

template <class CharT>
bool parse_ipv6(const CharT* s, const CharT** end, ipv6_bytes& out) {
    std::uint8_t groups[16] = {};
    int count = 0;  // groups read, an IPv4 tail counting two
    int gap = -1;   // group index where "::" stands
    const CharT* p = s;
    bool group_required = true;
    if (p[0] == ':') {
        if (p[1] != ':') {
            *end = p;
            return false;
        }
        gap = 0;
        p += 2;
        group_required = false;
    }
    for (;;) {
        const int max_groups = gap >= 0 ? 7 : 8;
        if (count == max_groups) {
            break;
        }
        if (hex_value(*p) < 0) {
            if (group_required) {
                *end = p;
                return false;
            }
            break;
        }
        // A run of decimal digits followed by '.' starts an IPv4 tail if two
        // groups are left; otherwise it is read as a hex group.
        const CharT* q = p;
        while (is_decimal(*q)) {
            ++q;
        }
        if (*q == '.' && count + 2 <= max_groups) {
            if (!parse_ipv4_tail(p, &p, groups + 2 * count)) {
                *end = p;
                return false;
            }
            count += 2;
            break;
        }
        unsigned value = 0;
        int digits = 0;
        for (int d = hex_value(*p); d >= 0; d = hex_value(*++p), ++digits) {
            value = (value << 4 | static_cast<unsigned>(d)) & 0xFFFFF;
        }
        if (digits > 4) {
            *end = p;
            return false;
        }
        groups[2 * count] = static_cast<std::uint8_t>(value >> 8);
        groups[2 * count + 1] = static_cast<std::uint8_t>(value);
        ++count;
        if (count == max_groups) {
            break;
        }
        if (p[0] == ':' && p[1] == ':') {
            if (gap >= 0) {
                break;  // a second "::" ends the address
            }
            gap = count;
            p += 2;
            group_required = false;
        } else if (p[0] == ':') {
            p += 1;
            group_required = true;
        } else {
            break;
        }
    }
    *end = p;
    if (gap < 0 && count != 8) {
        return false;
    }
    out.fill(0);
    if (gap < 0) {
        std::memcpy(out.data(), groups, 16);
    } else {
        std::memcpy(out.data(), groups, static_cast<std::size_t>(2 * gap));
        const int tail = count - gap;
        std::memcpy(out.data() + 16 - 2 * tail, groups + 2 * gap, static_cast<std::size_t>(2 * tail));
    }
    return true;
}

template <class CharT>
NTSTATUS ipv4_string_to_address_ex(const CharT* s, bool strict, in_addr* address, USHORT* port) {
    const CharT* end = nullptr;
    ipv4_bytes bytes{};
    if (!parse_ipv4(s, strict, &end, bytes)) {
        return STATUS_INVALID_PARAMETER;
    }
    std::memcpy(address, bytes.data(), bytes.size());
    USHORT parsed_port = 0;
    if (*end == ':') {
        if (!parse_port(end + 1, true, parsed_port)) {
            return STATUS_INVALID_PARAMETER;
        }
    } else if (*end != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    *port = parsed_port;
    return STATUS_SUCCESS;
}

template <class CharT>
NTSTATUS ipv6_string_to_address_ex(const CharT* s, in6_addr* address, ULONG* scope_id, USHORT* port) {
    const CharT* p = s;
    const bool bracketed = *p == '[';
    if (bracketed) {
        ++p;
    }
    ipv6_bytes bytes{};
    if (!parse_ipv6(p, &p, bytes)) {
        return STATUS_INVALID_PARAMETER;
    }
    std::memcpy(address, bytes.data(), bytes.size());
    ULONG parsed_scope = 0;
    if (*p == '%') {
        ++p;
        std::uint64_t value = 0;
        int digits = 0;
        for (; is_decimal(*p); ++p, ++digits) {
            value = value * 10 + static_cast<std::uint64_t>(*p - '0');
            if (value > 0xFFFFFFFFu) {
                return STATUS_INVALID_PARAMETER;
            }
        }
        if (digits == 0) {
            return STATUS_INVALID_PARAMETER;
        }
        parsed_scope = static_cast<ULONG>(value);
    }
    USHORT parsed_port = 0;
    if (bracketed) {
        if (*p != ']') {
            return STATUS_INVALID_PARAMETER;
        }
        ++p;
        if (*p == ':') {
            if (!parse_port(p + 1, false, parsed_port)) {
                return STATUS_INVALID_PARAMETER;
            }
        } else if (*p != 0) {
            return STATUS_INVALID_PARAMETER;
        }
    } else if (*p != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    *scope_id = parsed_scope;
    *port = parsed_port;
    return STATUS_SUCCESS;
}

std::string ipv4_text(const in_addr* address) {
    std::uint8_t b[4];
    std::memcpy(b, address, 4);
    return std::to_string(b[0]) + '.' + std::to_string(b[1]) + '.' + std::to_string(b[2]) + '.' +
           std::to_string(b[3]);
}

std::string hex_group(unsigned value) {
    static const char digits[] = "0123456789abcdef";
    std::string text;
    do {
        text.insert(text.begin(), digits[value & 0xF]);
        value >>= 4;
    } while (value != 0);
    return text;
}

std::string ipv6_text(const in6_addr* address) {
    std::uint8_t b[16];
    std::memcpy(b, address, 16);
    unsigned w[8];
    for (int i = 0; i < 8; ++i) {
        w[i] = static_cast<unsigned>(b[2 * i] << 8 | b[2 * i + 1]);
    }
    const bool high_zero = w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0;
    const bool isatap = w[5] == 0x5efe && (w[4] & ~0x0200u) == 0;
    const bool embedded_v4 = high_zero && w[6] != 0 &&
                             ((w[4] == 0 && (w[5] == 0 || w[5] == 0xffff)) || (w[4] == 0xffff && w[5] == 0));
    const bool dotted = isatap || embedded_v4;
    const int hex_groups = dotted ? 6 : 8;

    int run_start = -1;
    int run_length = 1;  // only runs of two or more are compressed
    for (int i = 0; i < hex_groups;) {
        int j = i;
        while (j < hex_groups && w[j] == 0) {
            ++j;
        }
        if (j - i > run_length) {
            run_start = i;
            run_length = j - i;
        }
        i = j == i ? i + 1 : j;
    }
    std::string text;
    for (int i = 0; i < hex_groups;) {
        if (i == run_start) {
            text += "::";
            i += run_length;
            continue;
        }
        if (!text.empty() && text.back() != ':') {
            text += ':';
        }
        text += hex_group(w[i]);
        ++i;
    }
    if (dotted) {
        if (!text.empty() && text.back() != ':') {
            text += ':';
        }
        text += std::to_string(b[12]) + '.' + std::to_string(b[13]) + '.' + std::to_string(b[14]) + '.' +
                std::to_string(b[15]);
    }
    return text;
}

std::string ipv6_text_ex(const in6_addr* address, ULONG scope_id, USHORT port) {
    std::string text = ipv6_text(address);
    if (scope_id != 0) {
        text += '%' + std::to_string(scope_id);
    }
    if (port != 0) {
        text = '[' + text + "]:" + std::to_string(RtlUshortByteSwap(port));
    }
    return text;
}

template <class CharT>
CharT* store_text(const std::string& text, CharT* out) {
    for (const char c : text) {
        *out++ = static_cast<CharT>(c);
    }
    *out = 0;
    return out;
}

// The Ex to-string contract: on a short buffer, fail and report the size
// needed, in characters including the terminator.
template <class CharT>
NTSTATUS store_text_ex(const std::string& text, CharT* out, ULONG* length) {
    const auto needed = static_cast<ULONG>(text.size() + 1);
    if (*length < needed) {
        *length = needed;
        return STATUS_INVALID_PARAMETER;
    }
    store_text(text, out);
    *length = needed;
    return STATUS_SUCCESS;
}

template <class CharT>
NTSTATUS ipv4_string_to_address(const CharT* s, bool strict, const CharT** terminator, in_addr* address) {
    ipv4_bytes bytes{};
    const bool ok = parse_ipv4(s, strict, terminator, bytes);
    if (!ok) {
        return STATUS_INVALID_PARAMETER;
    }
    std::memcpy(address, bytes.data(), bytes.size());
    return STATUS_SUCCESS;
}

template <class CharT>
NTSTATUS ipv6_string_to_address(const CharT* s, const CharT** terminator, in6_addr* address) {
    ipv6_bytes bytes{};
    if (!parse_ipv6(s, terminator, bytes)) {
        return STATUS_INVALID_PARAMETER;
    }
    std::memcpy(address, bytes.data(), bytes.size());
    return STATUS_SUCCESS;
}

// Observed on Windows: a null output buffer gives back (PSTR)~0.
template <class CharT>
CharT* no_buffer() {
    return reinterpret_cast<CharT*>(~static_cast<ULONG_PTR>(0));
}

}  // namespace
}  // namespace wskemu::kernel

static_assert(sizeof(in_addr) == 4 && sizeof(in6_addr) == 16);

namespace k = wskemu::kernel;

/* RtlIpv4AddressToStringA (ntoskrnl) */
extern "C" PSTR NTAPI RtlIpv4AddressToStringA(const struct in_addr* Addr, PSTR S) {
    if (S == nullptr || Addr == nullptr) {
        return k::no_buffer<CHAR>();
    }
    return k::store_text(k::ipv4_text(Addr), S);
}

/* RtlIpv4AddressToStringW (ntoskrnl) */
extern "C" PWSTR NTAPI RtlIpv4AddressToStringW(const struct in_addr* Addr, PWSTR S) {
    if (S == nullptr || Addr == nullptr) {
        return k::no_buffer<WCHAR>();
    }
    return k::store_text(k::ipv4_text(Addr), S);
}

/* RtlIpv4AddressToStringExA (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlIpv4AddressToStringExA(const struct in_addr* Address, USHORT Port, PSTR AddressString,
                                                    PULONG AddressStringLength) {
    if (Address == nullptr || AddressString == nullptr || AddressStringLength == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    std::string text = k::ipv4_text(Address);
    if (Port != 0) {
        text += ':' + std::to_string(RtlUshortByteSwap(Port));
    }
    return k::store_text_ex(text, AddressString, AddressStringLength);
}

/* RtlIpv4AddressToStringExW (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlIpv4AddressToStringExW(const struct in_addr* Address, USHORT Port, PWSTR AddressString,
                                                    PULONG AddressStringLength) {
    if (Address == nullptr || AddressString == nullptr || AddressStringLength == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    std::string text = k::ipv4_text(Address);
    if (Port != 0) {
        text += ':' + std::to_string(RtlUshortByteSwap(Port));
    }
    return k::store_text_ex(text, AddressString, AddressStringLength);
}

/* RtlIpv4StringToAddressA (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlIpv4StringToAddressA(PCSTR S, BOOLEAN Strict, PCSTR* Terminator, struct in_addr* Addr) {
    if (S == nullptr || Terminator == nullptr || Addr == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return k::ipv4_string_to_address(S, Strict != FALSE, Terminator, Addr);
}

/* RtlIpv4StringToAddressW (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlIpv4StringToAddressW(PCWSTR S, BOOLEAN Strict, LPCWSTR* Terminator,
                                                  struct in_addr* Addr) {
    if (S == nullptr || Terminator == nullptr || Addr == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return k::ipv4_string_to_address(S, Strict != FALSE, Terminator, Addr);
}

/* RtlIpv4StringToAddressExA (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlIpv4StringToAddressExA(PCSTR AddressString, BOOLEAN Strict, struct in_addr* Address,
                                                    PUSHORT Port) {
    if (AddressString == nullptr || Address == nullptr || Port == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return k::ipv4_string_to_address_ex(AddressString, Strict != FALSE, Address, Port);
}

/* RtlIpv4StringToAddressExW (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlIpv4StringToAddressExW(PCWSTR AddressString, BOOLEAN Strict, struct in_addr* Address,
                                                    PUSHORT Port) {
    if (AddressString == nullptr || Address == nullptr || Port == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return k::ipv4_string_to_address_ex(AddressString, Strict != FALSE, Address, Port);
}

/* RtlIpv6AddressToStringA (ntoskrnl) */
extern "C" PSTR NTAPI RtlIpv6AddressToStringA(const struct in6_addr* Addr, PSTR S) {
    if (S == nullptr || Addr == nullptr) {
        return k::no_buffer<CHAR>();
    }
    return k::store_text(k::ipv6_text(Addr), S);
}

/* RtlIpv6AddressToStringW (ntoskrnl) */
extern "C" PWSTR NTAPI RtlIpv6AddressToStringW(const struct in6_addr* Addr, PWSTR S) {
    if (S == nullptr || Addr == nullptr) {
        return k::no_buffer<WCHAR>();
    }
    return k::store_text(k::ipv6_text(Addr), S);
}

/* RtlIpv6AddressToStringExA (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlIpv6AddressToStringExA(const struct in6_addr* Address, ULONG ScopeId, USHORT Port,
                                                    PSTR AddressString, PULONG AddressStringLength) {
    if (Address == nullptr || AddressString == nullptr || AddressStringLength == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return k::store_text_ex(k::ipv6_text_ex(Address, ScopeId, Port), AddressString, AddressStringLength);
}

/* RtlIpv6AddressToStringExW (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlIpv6AddressToStringExW(const struct in6_addr* Address, ULONG ScopeId, USHORT Port,
                                                    PWSTR AddressString, PULONG AddressStringLength) {
    if (Address == nullptr || AddressString == nullptr || AddressStringLength == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return k::store_text_ex(k::ipv6_text_ex(Address, ScopeId, Port), AddressString, AddressStringLength);
}

/* RtlIpv6StringToAddressA (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlIpv6StringToAddressA(PCSTR S, PCSTR* Terminator, struct in6_addr* Addr) {
    if (S == nullptr || Terminator == nullptr || Addr == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return k::ipv6_string_to_address(S, Terminator, Addr);
}

/* RtlIpv6StringToAddressW (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlIpv6StringToAddressW(PCWSTR S, PCWSTR* Terminator, struct in6_addr* Addr) {
    if (S == nullptr || Terminator == nullptr || Addr == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return k::ipv6_string_to_address(S, Terminator, Addr);
}

/* RtlIpv6StringToAddressExA (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlIpv6StringToAddressExA(PCSTR AddressString, struct in6_addr* Address, PULONG ScopeId,
                                                    PUSHORT Port) {
    if (AddressString == nullptr || Address == nullptr || ScopeId == nullptr || Port == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return k::ipv6_string_to_address_ex(AddressString, Address, ScopeId, Port);
}

/* RtlIpv6StringToAddressExW (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlIpv6StringToAddressExW(PCWSTR AddressString, struct in6_addr* Address, PULONG ScopeId,
                                                    PUSHORT Port) {
    if (AddressString == nullptr || Address == nullptr || ScopeId == nullptr || Port == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return k::ipv6_string_to_address_ex(AddressString, Address, ScopeId, Port);
}
