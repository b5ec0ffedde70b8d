// Tests for src/kernel/rtl_ip_address.cpp: IPv4 and IPv6 address text.
// Expected values are Windows' documented and observed results (the
// terminator offsets and the strict/non-strict differences were observed on
// Windows and are recorded in Wine's ntdll tests).
#include <gtest/gtest.h>

#include <wdm.h>
#include <inaddr.h>
#include <in6addr.h>

#include <array>
#include <cstring>
#include <string>

namespace {

constexpr ULONG poison = 0xABABABAB;
constexpr int untouched = -1;

struct ipv4_case {
    const char* text;
    NTSTATUS status;
    int terminator;               // offset into text
    std::array<int, 4> address;   // {untouched} if Addr must stay poisoned
};

IN_ADDR poisoned_v4() {
    IN_ADDR a;
    a.S_un.S_addr = poison;
    return a;
}

void expect_v4(const IN_ADDR& a, const std::array<int, 4>& expected, const std::string& what) {
    if (expected[0] == untouched) {
        EXPECT_EQ(a.S_un.S_addr, poison) << what << ": Addr written on failure";
        return;
    }
    EXPECT_EQ(a.S_un.S_un_b.s_b1, expected[0]) << what;
    EXPECT_EQ(a.S_un.S_un_b.s_b2, expected[1]) << what;
    EXPECT_EQ(a.S_un.S_un_b.s_b3, expected[2]) << what;
    EXPECT_EQ(a.S_un.S_un_b.s_b4, expected[3]) << what;
}

void check_v4(const ipv4_case& c, BOOLEAN strict) {
    const std::string what = std::string("\"") + c.text + (strict ? "\" strict" : "\" non-strict");
    IN_ADDR a = poisoned_v4();
    PCSTR terminator = nullptr;
    EXPECT_EQ(RtlIpv4StringToAddressA(c.text, strict, &terminator, &a), c.status) << what;
    EXPECT_EQ(terminator, c.text + c.terminator) << what;
    expect_v4(a, c.address, what);

    // The W form behaves the same, character for character.
    const std::wstring wide(c.text, c.text + std::strlen(c.text));
    IN_ADDR w = poisoned_v4();
    LPCWSTR wterminator = nullptr;
    EXPECT_EQ(RtlIpv4StringToAddressW(wide.c_str(), strict, &wterminator, &w), c.status) << what << " (W)";
    EXPECT_EQ(wterminator, wide.c_str() + c.terminator) << what << " (W)";
    expect_v4(w, c.address, what + " (W)");
}

TEST(RtlIpv4StringToAddressA, NonStrictAcceptsInetAtonForms) {
    const ipv4_case cases[] = {
        {"1.2.3.4", STATUS_SUCCESS, 7, {1, 2, 3, 4}},
        {"255.255.255.255", STATUS_SUCCESS, 15, {255, 255, 255, 255}},
        {"1.2.3.4:80", STATUS_SUCCESS, 7, {1, 2, 3, 4}},
        {"3.4.5.6 ", STATUS_SUCCESS, 7, {3, 4, 5, 6}},
        {"1.1.1.0xaA", STATUS_SUCCESS, 10, {1, 1, 1, 170}},
        {"1.1.1.010", STATUS_SUCCESS, 9, {1, 1, 1, 8}},
        {"1.1.1.008", STATUS_SUCCESS, 8, {1, 1, 1, 0}},
        {"1.1.1.0a", STATUS_SUCCESS, 7, {1, 1, 1, 0}},
        {"1", STATUS_SUCCESS, 1, {0, 0, 0, 1}},
        {"1.2", STATUS_SUCCESS, 3, {1, 0, 0, 2}},
        {"1.2.3", STATUS_SUCCESS, 5, {1, 2, 0, 3}},
        {"203569230", STATUS_SUCCESS, 9, {12, 34, 56, 78}},
        {"1.223756", STATUS_SUCCESS, 8, {1, 3, 106, 12}},
        {"3.4.756", STATUS_SUCCESS, 7, {3, 4, 2, 244}},
        {"0x00010203", STATUS_SUCCESS, 10, {0, 1, 2, 3}},
        {"0x123456789", STATUS_SUCCESS, 11, {35, 69, 103, 137}},
        {"017700000001", STATUS_SUCCESS, 12, {127, 0, 0, 1}},
        {"1234BEEF", STATUS_SUCCESS, 4, {0, 0, 4, 210}},
    };
    for (const auto& c : cases) {
        check_v4(c, FALSE);
    }
}

TEST(RtlIpv4StringToAddressA, NonStrictRejectsMalformedText) {
    const ipv4_case cases[] = {
        {"", STATUS_INVALID_PARAMETER, 0, {untouched}},
        {" 3.4.5.6", STATUS_INVALID_PARAMETER, 0, {untouched}},
        {"a", STATUS_INVALID_PARAMETER, 0, {untouched}},
        {"-1", STATUS_INVALID_PARAMETER, 0, {untouched}},
        {"::1", STATUS_INVALID_PARAMETER, 0, {untouched}},
        {"255.255.255.256", STATUS_INVALID_PARAMETER, 15, {untouched}},
        {"255.255.255.4294967295", STATUS_INVALID_PARAMETER, 22, {untouched}},
        {"255.255.255.4294967296", STATUS_INVALID_PARAMETER, 21, {untouched}},
        {"1.1.1.0x", STATUS_INVALID_PARAMETER, 8, {untouched}},
        {"1.1.1.0x100000000", STATUS_INVALID_PARAMETER, 16, {untouched}},
        {"1.1.1.08", STATUS_INVALID_PARAMETER, 7, {untouched}},
        {"1.1.1.-2", STATUS_INVALID_PARAMETER, 6, {untouched}},
        {"1000.2000", STATUS_INVALID_PARAMETER, 9, {untouched}},
        {"3.4.65536", STATUS_INVALID_PARAMETER, 9, {untouched}},
        {"1.2.", STATUS_INVALID_PARAMETER, 4, {untouched}},
        {"1..2", STATUS_INVALID_PARAMETER, 3, {untouched}},
        {".1", STATUS_INVALID_PARAMETER, 1, {untouched}},
        {"3.4.5.6.7", STATUS_INVALID_PARAMETER, 7, {untouched}},
        {"3. 4.5.6", STATUS_INVALID_PARAMETER, 2, {untouched}},
        {"[0.1.2.3]", STATUS_INVALID_PARAMETER, 0, {untouched}},
    };
    for (const auto& c : cases) {
        check_v4(c, FALSE);
    }
}

TEST(RtlIpv4StringToAddressA, StrictRequiresFourDecimalParts) {
    const ipv4_case cases[] = {
        {"1.2.3.4", STATUS_SUCCESS, 7, {1, 2, 3, 4}},
        {"1.2.3.4:80", STATUS_SUCCESS, 7, {1, 2, 3, 4}},  // stops at ':'
        {"0.1.2.3", STATUS_SUCCESS, 7, {0, 1, 2, 3}},
        {"1.2.3", STATUS_INVALID_PARAMETER, 5, {untouched}},
        {"1", STATUS_INVALID_PARAMETER, 1, {untouched}},
        {"1.1.1.0xaA", STATUS_INVALID_PARAMETER, 8, {untouched}},
        {"1.1.1.010", STATUS_INVALID_PARAMETER, 7, {untouched}},
        {"0x00010203", STATUS_INVALID_PARAMETER, 2, {untouched}},
        {"017700000001", STATUS_INVALID_PARAMETER, 1, {untouched}},
        {"1234BEEF", STATUS_INVALID_PARAMETER, 4, {untouched}},
        {"1.2.3.256", STATUS_INVALID_PARAMETER, 9, {untouched}},
    };
    for (const auto& c : cases) {
        check_v4(c, TRUE);
    }
}

TEST(RtlIpv4StringToAddressA, NullArgumentsAreRejected) {
    IN_ADDR a = poisoned_v4();
    PCSTR terminator = nullptr;
    EXPECT_EQ(RtlIpv4StringToAddressA(nullptr, FALSE, &terminator, &a), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(RtlIpv4StringToAddressA("1.2.3.4", FALSE, nullptr, &a), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(RtlIpv4StringToAddressA("1.2.3.4", FALSE, &terminator, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(a.S_un.S_addr, poison);
}

struct ipv4_ex_case {
    const char* text;
    NTSTATUS status;
    std::array<int, 4> address;
    USHORT port;  // network byte order; 0xDEAD if untouched
};

TEST(RtlIpv4StringToAddressExA, ParsesTheOptionalPortInNetworkOrder) {
    const ipv4_ex_case cases[] = {
        {"1.2.3.4", STATUS_SUCCESS, {1, 2, 3, 4}, 0},
        {"1.1.1.1:1", STATUS_SUCCESS, {1, 1, 1, 1}, 0x0100},
        {"1.2.3.4:80", STATUS_SUCCESS, {1, 2, 3, 4}, 0x5000},
        {"1.2.3.4:65535", STATUS_SUCCESS, {1, 2, 3, 4}, 0xFFFF},
        {"1.2.3.4:0xffff", STATUS_SUCCESS, {1, 2, 3, 4}, 0xFFFF},
        {"1.2.3.4:011064", STATUS_SUCCESS, {1, 2, 3, 4}, 0x3412},
        {"0.0.0.0:1", STATUS_SUCCESS, {0, 0, 0, 0}, 0x0100},
        // The address is stored once it parses, even if the port then fails.
        {"1.1.1.1:", STATUS_INVALID_PARAMETER, {1, 1, 1, 1}, 0xDEAD},
        {"1.1.1.1+", STATUS_INVALID_PARAMETER, {1, 1, 1, 1}, 0xDEAD},
        {"0.0.0.0:0", STATUS_INVALID_PARAMETER, {0, 0, 0, 0}, 0xDEAD},
        {"1.2.3.4:65536", STATUS_INVALID_PARAMETER, {1, 2, 3, 4}, 0xDEAD},
        {"1.2.3.4:1234a", STATUS_INVALID_PARAMETER, {1, 2, 3, 4}, 0xDEAD},
        {"1.2.3.4: 1234", STATUS_INVALID_PARAMETER, {1, 2, 3, 4}, 0xDEAD},
        {"3.4.5.6 ", STATUS_INVALID_PARAMETER, {3, 4, 5, 6}, 0xDEAD},
        {"256.1.1.1:1", STATUS_INVALID_PARAMETER, {untouched}, 0xDEAD},
        {"", STATUS_INVALID_PARAMETER, {untouched}, 0xDEAD},
    };
    for (const auto& c : cases) {
        for (BOOLEAN strict = 0; strict < 2; ++strict) {
            IN_ADDR a = poisoned_v4();
            USHORT port = 0xDEAD;
            EXPECT_EQ(RtlIpv4StringToAddressExA(c.text, strict, &a, &port), c.status) << c.text;
            expect_v4(a, c.address, c.text);
            EXPECT_EQ(port, c.port) << c.text;
        }
    }
}

TEST(RtlIpv4StringToAddressExW, MatchesTheAnsiForm) {
    IN_ADDR a = poisoned_v4();
    USHORT port = 0;
    EXPECT_EQ(RtlIpv4StringToAddressExW(L"10.0.0.1:8080", TRUE, &a, &port), STATUS_SUCCESS);
    expect_v4(a, {10, 0, 0, 1}, "W");
    EXPECT_EQ(port, RtlUshortByteSwap(8080));
    EXPECT_EQ(RtlIpv4StringToAddressExW(L"10.0.0.1:x", TRUE, &a, &port), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(RtlIpv4StringToAddressExW(nullptr, TRUE, &a, &port), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(RtlIpv4StringToAddressExW(L"1.2.3.4", TRUE, nullptr, &port), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(RtlIpv4StringToAddressExW(L"1.2.3.4", TRUE, &a, nullptr), STATUS_INVALID_PARAMETER);
}

IN_ADDR v4(UCHAR a, UCHAR b, UCHAR c, UCHAR d) {
    IN_ADDR x;
    x.S_un.S_un_b = {a, b, c, d};
    return x;
}

TEST(RtlIpv4AddressToStringA, WritesDottedDecimalAndReturnsTheEnd) {
    char buffer[20];
    std::memset(buffer, '#', sizeof(buffer));
    const IN_ADDR a = v4(192, 168, 0, 255);
    PSTR end = RtlIpv4AddressToStringA(&a, buffer);
    EXPECT_STREQ(buffer, "192.168.0.255");
    EXPECT_EQ(end, buffer + std::strlen(buffer));
    EXPECT_EQ(buffer[14], '#');
    WCHAR wide[20];
    PWSTR wend = RtlIpv4AddressToStringW(&a, wide);
    EXPECT_EQ(std::wstring(wide), L"192.168.0.255");
    EXPECT_EQ(wend, wide + 13);
}

TEST(RtlIpv4AddressToStringExA, AppendsThePortAndReportsTheLength) {
    char buffer[32];
    const IN_ADDR a = v4(1, 2, 3, 4);
    ULONG length = sizeof(buffer);
    EXPECT_EQ(RtlIpv4AddressToStringExA(&a, RtlUshortByteSwap(80), buffer, &length), STATUS_SUCCESS);
    EXPECT_STREQ(buffer, "1.2.3.4:80");
    EXPECT_EQ(length, 11u);
    length = sizeof(buffer);
    EXPECT_EQ(RtlIpv4AddressToStringExA(&a, 0, buffer, &length), STATUS_SUCCESS);
    EXPECT_STREQ(buffer, "1.2.3.4");
    EXPECT_EQ(length, 8u);
}

TEST(RtlIpv4AddressToStringExA, ShortBufferFailsWithTheSizeNeeded) {
    char buffer[32];
    std::memset(buffer, '#', sizeof(buffer));
    const IN_ADDR a = v4(1, 2, 3, 4);
    ULONG length = 10;  // "1.2.3.4:80" needs 11 with its terminator
    EXPECT_EQ(RtlIpv4AddressToStringExA(&a, RtlUshortByteSwap(80), buffer, &length), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(length, 11u);
    EXPECT_EQ(buffer[0], '#');
    length = 11;
    EXPECT_EQ(RtlIpv4AddressToStringExA(&a, RtlUshortByteSwap(80), buffer, &length), STATUS_SUCCESS);
    EXPECT_EQ(RtlIpv4AddressToStringExA(&a, 0, nullptr, &length), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(RtlIpv4AddressToStringExA(&a, 0, buffer, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(RtlIpv4AddressToStringExA(nullptr, 0, buffer, &length), STATUS_INVALID_PARAMETER);
    WCHAR wide[32];
    length = 32;
    EXPECT_EQ(RtlIpv4AddressToStringExW(&a, RtlUshortByteSwap(443), wide, &length), STATUS_SUCCESS);
    EXPECT_EQ(std::wstring(wide), L"1.2.3.4:443");
    EXPECT_EQ(length, 12u);
}

// ---- IPv6 -------------------------------------------------------------------

using words = std::array<unsigned, 8>;  // host-order group values

IN6_ADDR v6(const words& w) {
    IN6_ADDR a;
    for (int i = 0; i < 8; ++i) {
        a.u.Byte[2 * i] = static_cast<UCHAR>(w[i] >> 8);
        a.u.Byte[2 * i + 1] = static_cast<UCHAR>(w[i]);
    }
    return a;
}

IN6_ADDR poisoned_v6() {
    IN6_ADDR a;
    std::memset(&a, 0xAB, sizeof(a));
    return a;
}

struct ipv6_case {
    const char* text;
    NTSTATUS status;
    int terminator;
    words address;
};

TEST(RtlIpv6StringToAddressA, ParsesGroupsCompressionAndIpv4Tails) {
    const ipv6_case cases[] = {
        {"::", STATUS_SUCCESS, 2, {0, 0, 0, 0, 0, 0, 0, 0}},
        {"::1", STATUS_SUCCESS, 3, {0, 0, 0, 0, 0, 0, 0, 1}},
        {"0:0:0:0:0:0:0:1", STATUS_SUCCESS, 15, {0, 0, 0, 0, 0, 0, 0, 1}},
        {"1080:0:0:0:8:800:200c:417a", STATUS_SUCCESS, 26, {0x1080, 0, 0, 0, 8, 0x800, 0x200c, 0x417a}},
        {"2001:db8:85a3::8a2e:370:7334", STATUS_SUCCESS, 28, {0x2001, 0xdb8, 0x85a3, 0, 0, 0x8a2e, 0x370, 0x7334}},
        {"FFFF:ffff:FFFF:ffff:FFFF:ffff:FFFF:ffff", STATUS_SUCCESS, 39,
         {0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff}},
        {"1111::", STATUS_SUCCESS, 6, {0x1111, 0, 0, 0, 0, 0, 0, 0}},
        {"::ffff:129.144.52.38", STATUS_SUCCESS, 20, {0, 0, 0, 0, 0, 0xffff, 0x8190, 0x3426}},
        {"1:2:3:4:5:6:1.2.3.4", STATUS_SUCCESS, 19, {1, 2, 3, 4, 5, 6, 0x0102, 0x0304}},
        {"1::001.2.3.4", STATUS_SUCCESS, 12, {1, 0, 0, 0, 0, 0, 0x0102, 0x0304}},
        // Parsing stops where the address is complete or a second "::" starts.
        {"::%16", STATUS_SUCCESS, 2, {0, 0, 0, 0, 0, 0, 0, 0}},
        {"1::2::3", STATUS_SUCCESS, 4, {1, 0, 0, 0, 0, 0, 0, 2}},
        {"1111:2222:3333:4444:5555:6666:7777:8888:9999", STATUS_SUCCESS, 39,
         {0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666, 0x7777, 0x8888}},
        {"1111:2222:3333:4444:5555:6666:7777::8888", STATUS_SUCCESS, 36,
         {0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666, 0x7777, 0}},
        {"1111:2222:3333:4444:5555:6666:7777:1.2.3.4", STATUS_SUCCESS, 36,
         {0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666, 0x7777, 1}},
        {"1::1.2.3.4::1", STATUS_SUCCESS, 10, {1, 0, 0, 0, 0, 0, 0x0102, 0x0304}},
        {"1::1a.2.3.4", STATUS_SUCCESS, 5, {1, 0, 0, 0, 0, 0, 0, 0x1a}},
        {"1111:2222:::", STATUS_SUCCESS, 11, {0x1111, 0x2222, 0, 0, 0, 0, 0, 0}},
        {"::0:0:0:0:0:0:0", STATUS_SUCCESS, 15, {0, 0, 0, 0, 0, 0, 0, 0}},
        {"[::1]:80", STATUS_INVALID_PARAMETER, 0, {}},
    };
    for (const auto& c : cases) {
        IN6_ADDR a = poisoned_v6();
        PCSTR terminator = nullptr;
        EXPECT_EQ(RtlIpv6StringToAddressA(c.text, &terminator, &a), c.status) << c.text;
        EXPECT_EQ(terminator, c.text + c.terminator) << c.text;
        if (c.status == STATUS_SUCCESS) {
            const IN6_ADDR expected = v6(c.address);
            EXPECT_EQ(std::memcmp(&a, &expected, sizeof(a)), 0) << c.text;
        }
        const std::wstring wide(c.text, c.text + std::strlen(c.text));
        IN6_ADDR w = poisoned_v6();
        PCWSTR wterminator = nullptr;
        EXPECT_EQ(RtlIpv6StringToAddressW(wide.c_str(), &wterminator, &w), c.status) << c.text << " (W)";
        EXPECT_EQ(wterminator, wide.c_str() + c.terminator) << c.text << " (W)";
        EXPECT_EQ(std::memcmp(&a, &w, sizeof(a)), 0) << c.text << " (W)";
    }
}

TEST(RtlIpv6StringToAddressA, RejectsMalformedTextAndLeavesAddrAlone) {
    const ipv6_case cases[] = {
        {"", STATUS_INVALID_PARAMETER, 0, {}},
        {":", STATUS_INVALID_PARAMETER, 0, {}},
        {":1111::", STATUS_INVALID_PARAMETER, 0, {}},
        {"-1", STATUS_INVALID_PARAMETER, 0, {}},
        {"1111", STATUS_INVALID_PARAMETER, 4, {}},
        {"0x1111", STATUS_INVALID_PARAMETER, 1, {}},
        {"1111:2222:", STATUS_INVALID_PARAMETER, 10, {}},
        {"1111:2222:3333", STATUS_INVALID_PARAMETER, 14, {}},
        {"1111::5555:", STATUS_INVALID_PARAMETER, 11, {}},
        {"1.2.3.4", STATUS_INVALID_PARAMETER, 7, {}},
        {"1111:2222:1.2.3.4", STATUS_INVALID_PARAMETER, 17, {}},
        {"::01234", STATUS_INVALID_PARAMETER, 7, {}},
        {"::12345678", STATUS_INVALID_PARAMETER, 10, {}},
        {"1::1.2.3.256", STATUS_INVALID_PARAMETER, 12, {}},
        {"1::1.2::1", STATUS_INVALID_PARAMETER, 6, {}},
        {"1::1.2a.3.4", STATUS_INVALID_PARAMETER, 6, {}},
        {"1::1.", STATUS_INVALID_PARAMETER, 5, {}},
        {"1::1.2.3", STATUS_INVALID_PARAMETER, 8, {}},
        {"2001:0000:1234: 0000:0000:C1C0:ABCD:0876", STATUS_INVALID_PARAMETER, 15, {}},
        {"2001:1:1:1:1:1:255Z255X255Y255", STATUS_INVALID_PARAMETER, 18, {}},
        {"1111:2222:3333:4444:5555:6666:0x12345678", STATUS_INVALID_PARAMETER, 31, {}},
    };
    for (const auto& c : cases) {
        IN6_ADDR a = poisoned_v6();
        const IN6_ADDR before = a;
        PCSTR terminator = nullptr;
        EXPECT_EQ(RtlIpv6StringToAddressA(c.text, &terminator, &a), c.status) << c.text;
        EXPECT_EQ(terminator, c.text + c.terminator) << c.text;
        EXPECT_EQ(std::memcmp(&a, &before, sizeof(a)), 0) << c.text;
    }
}

struct ipv6_ex_case {
    const char* text;
    NTSTATUS status;
    ULONG scope;
    USHORT port;
};

TEST(RtlIpv6StringToAddressExA, ParsesScopeAndPort) {
    const ipv6_ex_case cases[] = {
        {"::", STATUS_SUCCESS, 0, 0},
        {"[::]", STATUS_SUCCESS, 0, 0},
        {"[::1]:8080", STATUS_SUCCESS, 0, 0x901f},
        {"[::1]:0x80", STATUS_SUCCESS, 0, 0x8000},
        {"fe80::1%4", STATUS_SUCCESS, 4, 0},
        {"[ff01::8:800:200C:417A%16]:8080", STATUS_SUCCESS, 16, 0x901f},
        {"[ff01::1%4294967295]:80", STATUS_SUCCESS, 0xFFFFFFFFu, 0x5000},
        {"[::FFFF:129.144.52.38]:80", STATUS_SUCCESS, 0, 0x5000},
        {"[::1]:080", STATUS_INVALID_PARAMETER, 0xBADF00Du, 0xBEEF},
        {"[::1]:800000000080", STATUS_INVALID_PARAMETER, 0xBADF00Du, 0xBEEF},
        {"[::1]:-80", STATUS_INVALID_PARAMETER, 0xBADF00Du, 0xBEEF},
        {"[::1]!8080", STATUS_INVALID_PARAMETER, 0xBADF00Du, 0xBEEF},
        {"[::1 ]:8080", STATUS_INVALID_PARAMETER, 0xBADF00Du, 0xBEEF},
        {"[::1%1", STATUS_INVALID_PARAMETER, 0xBADF00Du, 0xBEEF},
        {"[::1%4294967296]:80", STATUS_INVALID_PARAMETER, 0xBADF00Du, 0xBEEF},
        {"[::1%-1]:80", STATUS_INVALID_PARAMETER, 0xBADF00Du, 0xBEEF},
        {"[::1%0x10]:80", STATUS_INVALID_PARAMETER, 0xBADF00Du, 0xBEEF},
        {"::/16", STATUS_INVALID_PARAMETER, 0xBADF00Du, 0xBEEF},
        {"1::2::3", STATUS_INVALID_PARAMETER, 0xBADF00Du, 0xBEEF},
        {"[12345::6:7:8]:80", STATUS_INVALID_PARAMETER, 0xBADF00Du, 0xBEEF},
    };
    for (const auto& c : cases) {
        IN6_ADDR a = poisoned_v6();
        ULONG scope = 0xBADF00D;
        USHORT port = 0xBEEF;
        EXPECT_EQ(RtlIpv6StringToAddressExA(c.text, &a, &scope, &port), c.status) << c.text;
        EXPECT_EQ(scope, c.scope) << c.text;
        EXPECT_EQ(port, c.port) << c.text;
        const std::wstring wide(c.text, c.text + std::strlen(c.text));
        ULONG wscope = 0xBADF00D;
        USHORT wport = 0xBEEF;
        IN6_ADDR w = poisoned_v6();
        EXPECT_EQ(RtlIpv6StringToAddressExW(wide.c_str(), &w, &wscope, &wport), c.status) << c.text << " (W)";
        EXPECT_EQ(wscope, c.scope) << c.text << " (W)";
        EXPECT_EQ(wport, c.port) << c.text << " (W)";
    }
}

TEST(RtlIpv6StringToAddressExA, StoresTheAddressBeforeCheckingThePort) {
    IN6_ADDR a = poisoned_v6();
    ULONG scope = 0xBADF00D;
    USHORT port = 0xBEEF;
    EXPECT_EQ(RtlIpv6StringToAddressExA("[::1]:99999", &a, &scope, &port), STATUS_INVALID_PARAMETER);
    const IN6_ADDR loopback = v6({0, 0, 0, 0, 0, 0, 0, 1});
    EXPECT_EQ(std::memcmp(&a, &loopback, sizeof(a)), 0);
    EXPECT_EQ(RtlIpv6StringToAddressExA(nullptr, &a, &scope, &port), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(RtlIpv6StringToAddressExA("::", nullptr, &scope, &port), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(RtlIpv6StringToAddressExA("::", &a, nullptr, &port), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(RtlIpv6StringToAddressExA("::", &a, &scope, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(scope, 0xBADF00Du);
    EXPECT_EQ(port, 0xBEEF);
}

struct ipv6_text_case {
    words address;
    const char* text;
};

TEST(RtlIpv6AddressToStringA, CompressesTheLongestZeroRunOfTwoOrMore) {
    const ipv6_text_case cases[] = {
        {{0, 0, 0, 0, 0, 0, 0, 0}, "::"},
        {{0, 0, 0, 0, 0, 0, 0, 1}, "::1"},
        {{0, 0, 0, 0, 0, 0, 0, 0xffff}, "::ffff"},
        {{0x1111, 0, 0, 0, 0, 0, 0, 0}, "1111::"},
        {{0, 1, 2, 3, 4, 5, 6, 7}, "0:1:2:3:4:5:6:7"},
        {{0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666, 0, 0x8888}, "1111:2222:3333:4444:5555:6666:0:8888"},
        {{0x2001, 0, 0x1234, 0, 0, 0xc1c0, 0xabcd, 0x876}, "2001:0:1234::c1c0:abcd:876"},
        {{0x3ffe, 0xb00, 0, 0, 1, 0, 0, 0xa}, "3ffe:b00::1:0:0:a"},
        {{0x1080, 0, 0, 0, 8, 0x800, 0x200c, 0x417a}, "1080::8:800:200c:417a"},
        {{0xABCD, 0xEF01, 0, 0, 0, 0, 0, 0x10}, "abcd:ef01::10"},
    };
    for (const auto& c : cases) {
        const IN6_ADDR a = v6(c.address);
        char buffer[64];
        std::memset(buffer, '#', sizeof(buffer));
        PSTR end = RtlIpv6AddressToStringA(&a, buffer);
        EXPECT_STREQ(buffer, c.text);
        EXPECT_EQ(end, buffer + std::strlen(c.text));
        WCHAR wide[64];
        RtlIpv6AddressToStringW(&a, wide);
        EXPECT_EQ(std::wstring(wide), std::wstring(c.text, c.text + std::strlen(c.text)));
    }
}

TEST(RtlIpv6AddressToStringA, ShowsEmbeddedIpv4AddressesDotted) {
    const ipv6_text_case cases[] = {
        {{0, 0, 0, 0, 0, 0, 0x0d01, 0x4403}, "::13.1.68.3"},             // compatible
        {{0, 0, 0, 0, 0, 0xffff, 0x0d01, 0x4403}, "::ffff:13.1.68.3"},   // mapped
        {{0, 0, 0, 0, 0xffff, 0, 0x0d01, 0x4403}, "::ffff:0:13.1.68.3"}, // translated
        {{0, 0, 0, 0, 0, 0x5efe, 0, 0}, "::5efe:0.0.0.0"},               // ISATAP
        {{0x1111, 0x2222, 0x3333, 0x4444, 0, 0x5efe, 0x8190, 0x3426}, "1111:2222:3333:4444:0:5efe:129.144.52.38"},
        {{0, 0, 0, 0, 0x0200, 0x5efe, 0x8190, 0x3426}, "::200:5efe:129.144.52.38"},
        {{0, 0, 0, 0, 0x0100, 0x5efe, 0x8190, 0x3426}, "::100:5efe:8190:3426"},
        {{0, 0, 0, 0, 0, 0xffff, 0, 0x0344}, "::ffff:0:344"},
        {{0, 0, 0, 0, 0, 1, 0x0d01, 0x4403}, "::1:d01:4403"},
    };
    for (const auto& c : cases) {
        const IN6_ADDR a = v6(c.address);
        char buffer[64];
        RtlIpv6AddressToStringA(&a, buffer);
        EXPECT_STREQ(buffer, c.text);
    }
}

TEST(RtlIpv6AddressToStringA, RoundTripsThroughTheParser) {
    const char* texts[] = {"::", "::1", "fe80::1:2", "2001:db8::ff00:42:8329", "::ffff:10.1.2.3", "1:2:3:4:5:6:7:8"};
    for (const char* text : texts) {
        IN6_ADDR a = poisoned_v6();
        PCSTR terminator = nullptr;
        ASSERT_EQ(RtlIpv6StringToAddressA(text, &terminator, &a), STATUS_SUCCESS) << text;
        char buffer[64];
        RtlIpv6AddressToStringA(&a, buffer);
        EXPECT_STREQ(buffer, text);
    }
}

TEST(RtlIpv6AddressToStringExA, AddsScopeAndBracketsForAPort) {
    const IN6_ADDR a = v6({0, 0, 0, 0, 0, 0, 0, 1});
    char buffer[80];
    ULONG length = sizeof(buffer);
    EXPECT_EQ(RtlIpv6AddressToStringExA(&a, 0, 0, buffer, &length), STATUS_SUCCESS);
    EXPECT_STREQ(buffer, "::1");
    EXPECT_EQ(length, 4u);
    length = sizeof(buffer);
    EXPECT_EQ(RtlIpv6AddressToStringExA(&a, 0xffffbbbb, 0, buffer, &length), STATUS_SUCCESS);
    EXPECT_STREQ(buffer, "::1%4294949819");
    length = sizeof(buffer);
    EXPECT_EQ(RtlIpv6AddressToStringExA(&a, 0xffffbbbb, 0xeeff, buffer, &length), STATUS_SUCCESS);
    EXPECT_STREQ(buffer, "[::1%4294949819]:65518");
    EXPECT_EQ(length, 23u);
    length = sizeof(buffer);
    EXPECT_EQ(RtlIpv6AddressToStringExA(&a, 0, RtlUshortByteSwap(256), buffer, &length), STATUS_SUCCESS);
    EXPECT_STREQ(buffer, "[::1]:256");
    WCHAR wide[80];
    length = 80;
    EXPECT_EQ(RtlIpv6AddressToStringExW(&a, 3, RtlUshortByteSwap(80), wide, &length), STATUS_SUCCESS);
    EXPECT_EQ(std::wstring(wide), L"[::1%3]:80");
    EXPECT_EQ(length, 11u);
}

TEST(RtlIpv6AddressToStringExA, ShortBufferFailsWithTheSizeNeeded) {
    const IN6_ADDR a = v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1});
    char buffer[80];
    ULONG length = 5;
    EXPECT_EQ(RtlIpv6AddressToStringExA(&a, 0, 0, buffer, &length), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(length, std::strlen("2001:db8::1") + 1);
    EXPECT_EQ(RtlIpv6AddressToStringExA(&a, 0, 0, nullptr, &length), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(RtlIpv6AddressToStringExA(&a, 0, 0, buffer, nullptr), STATUS_INVALID_PARAMETER);
}

}  // namespace
