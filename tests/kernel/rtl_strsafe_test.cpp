// Tests for src/kernel/rtl_strsafe.cpp (ntstrsafe.h) and, through the printf
// functions, for src/kernel/windows_format.cpp.
#include <gtest/gtest.h>

#include <wdm.h>
#include <ntstrsafe.h>

#include <climits>
#include <cstring>
#include <string>

namespace {

TEST(RtlStringCchCopyA, CopiesAndTerminates) {
    char buffer[8];
    std::memset(buffer, '#', sizeof(buffer));
    EXPECT_EQ(RtlStringCchCopyA(buffer, sizeof(buffer), "abc"), STATUS_SUCCESS);
    EXPECT_STREQ(buffer, "abc");
    EXPECT_EQ(buffer[4], '#');
}

TEST(RtlStringCchCopyA, TruncatesWithBufferOverflow) {
    char buffer[4];
    EXPECT_EQ(RtlStringCchCopyA(buffer, sizeof(buffer), "abcdef"), STATUS_BUFFER_OVERFLOW);
    EXPECT_STREQ(buffer, "abc");
    EXPECT_EQ(RtlStringCchCopyA(buffer, sizeof(buffer), "abc"), STATUS_SUCCESS) << "exactly fits";
}

TEST(RtlStringCchCopyA, ZeroOrHugeSizeIsInvalidAndLeavesTheBuffer) {
    char buffer[4] = {'#', '#', '#', '#'};
    EXPECT_EQ(RtlStringCchCopyA(buffer, 0, "a"), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(RtlStringCchCopyA(buffer, static_cast<size_t>(NTSTRSAFE_MAX_CCH) + 1, "a"), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(buffer[0], '#');
}

TEST(RtlStringCbCopyW, CountsBytes) {
    WCHAR buffer[4];
    EXPECT_EQ(RtlStringCbCopyW(buffer, sizeof(buffer), L"xyz"), STATUS_SUCCESS);
    EXPECT_EQ(std::wstring(buffer), L"xyz");
    EXPECT_EQ(RtlStringCbCopyW(buffer, sizeof(buffer), L"wxyz"), STATUS_BUFFER_OVERFLOW);
    EXPECT_EQ(std::wstring(buffer), L"wxy");
    EXPECT_EQ(RtlStringCbCopyW(buffer, sizeof(WCHAR) - 1, L"a"), STATUS_INVALID_PARAMETER) << "less than one WCHAR";
    EXPECT_EQ(RtlStringCchCopyW(buffer, 4, L"ab"), STATUS_SUCCESS);
    EXPECT_EQ(std::wstring(buffer), L"ab");
    EXPECT_EQ(RtlStringCbCopyA(reinterpret_cast<char*>(buffer), 3, "abc"), STATUS_BUFFER_OVERFLOW);
}

TEST(RtlStringCchCopyNA, CopiesAtMostNCharacters) {
    char buffer[8];
    EXPECT_EQ(RtlStringCchCopyNA(buffer, sizeof(buffer), "abcdef", 3), STATUS_SUCCESS);
    EXPECT_STREQ(buffer, "abc");
    EXPECT_EQ(RtlStringCchCopyNA(buffer, 3, "abcdef", 4), STATUS_BUFFER_OVERFLOW);
    EXPECT_STREQ(buffer, "ab");
    EXPECT_EQ(RtlStringCbCopyNA(buffer, sizeof(buffer), "abcdef", 10), STATUS_SUCCESS);
    EXPECT_STREQ(buffer, "abcdef");
    WCHAR wide[8];
    EXPECT_EQ(RtlStringCchCopyNW(wide, 8, L"abcdef", 2), STATUS_SUCCESS);
    EXPECT_EQ(std::wstring(wide), L"ab");
    EXPECT_EQ(RtlStringCbCopyNW(wide, sizeof(wide), L"abcdef", 3 * sizeof(WCHAR)), STATUS_SUCCESS);
    EXPECT_EQ(std::wstring(wide), L"abc");
}

TEST(RtlStringCchCatA, AppendsAndTruncates) {
    char buffer[8] = "ab";
    EXPECT_EQ(RtlStringCchCatA(buffer, sizeof(buffer), "cd"), STATUS_SUCCESS);
    EXPECT_STREQ(buffer, "abcd");
    EXPECT_EQ(RtlStringCbCatA(buffer, sizeof(buffer), "efghij"), STATUS_BUFFER_OVERFLOW);
    EXPECT_STREQ(buffer, "abcdefg");
    EXPECT_EQ(RtlStringCchCatNA(buffer, sizeof(buffer), "zzz", 0), STATUS_SUCCESS);
    EXPECT_STREQ(buffer, "abcdefg");
}

TEST(RtlStringCchCatA, UnterminatedDestinationIsInvalid) {
    char buffer[4] = {'a', 'b', 'c', 'd'};
    EXPECT_EQ(RtlStringCchCatA(buffer, sizeof(buffer), "x"), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(buffer[3], 'd');
}

TEST(RtlStringCbCatW, AppendsWideText) {
    WCHAR buffer[6] = L"ab";
    EXPECT_EQ(RtlStringCbCatW(buffer, sizeof(buffer), L"cd"), STATUS_SUCCESS);
    EXPECT_EQ(std::wstring(buffer), L"abcd");
    EXPECT_EQ(RtlStringCchCatW(buffer, 6, L"efg"), STATUS_BUFFER_OVERFLOW);
    EXPECT_EQ(std::wstring(buffer), L"abcde");
    WCHAR other[8] = L"x";
    EXPECT_EQ(RtlStringCbCatNW(other, sizeof(other), L"yzw", 2 * sizeof(WCHAR)), STATUS_SUCCESS);
    EXPECT_EQ(std::wstring(other), L"xyz");
    EXPECT_EQ(RtlStringCchCatNW(other, 8, L"123", 1), STATUS_SUCCESS);
    EXPECT_EQ(std::wstring(other), L"xyz1");
}

TEST(RtlStringCchLengthA, MeasuresWithinTheMaximum) {
    size_t length = 99;
    EXPECT_EQ(RtlStringCchLengthA("hello", 6, &length), STATUS_SUCCESS);
    EXPECT_EQ(length, 5u);
    length = 99;
    EXPECT_EQ(RtlStringCchLengthA("hello", 5, &length), STATUS_INVALID_PARAMETER) << "no terminator within 5";
    EXPECT_EQ(length, 0u);
    EXPECT_EQ(RtlStringCchLengthA(nullptr, 5, &length), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(RtlStringCchLengthA("x", 5, nullptr), STATUS_SUCCESS);
    EXPECT_EQ(RtlStringCbLengthA("abc", 4, &length), STATUS_SUCCESS);
    EXPECT_EQ(length, 3u);
}

TEST(RtlStringCbLengthW, ReportsBytes) {
    size_t length = 0;
    EXPECT_EQ(RtlStringCbLengthW(L"abc", 4 * sizeof(WCHAR), &length), STATUS_SUCCESS);
    EXPECT_EQ(length, 3 * sizeof(WCHAR));
    EXPECT_EQ(RtlStringCchLengthW(L"abc", 10, &length), STATUS_SUCCESS);
    EXPECT_EQ(length, 3u);
    EXPECT_EQ(RtlStringCchLengthW(L"abc", 3, &length), STATUS_INVALID_PARAMETER);
}

// ---- printf ---------------------------------------------------------------

std::string format_a(const char* format, ...) {
    char buffer[512];
    std::memset(buffer, '#', sizeof(buffer));
    va_list args;
    va_start(args, format);
    const NTSTATUS status = RtlStringCbVPrintfA(buffer, sizeof(buffer), format, args);
    va_end(args);
    EXPECT_EQ(status, STATUS_SUCCESS) << format;
    return buffer;
}

std::wstring format_w(const wchar_t* format, ...) {
    WCHAR buffer[256];
    va_list args;
    va_start(args, format);
    const NTSTATUS status = RtlStringCchVPrintfW(buffer, 256, format, args);
    va_end(args);
    EXPECT_EQ(status, STATUS_SUCCESS);
    return buffer;
}

TEST(RtlStringCbPrintfA, FormatsIntegersWithWindowsSizes) {
    const ULONG big = 4000000000u;
    const LONG negative = -5;
    EXPECT_EQ(format_a("%lu", big), "4000000000");
    EXPECT_EQ(format_a("%ld %lx %lX", negative, big, 0xABCDu), "-5 ee6b2800 ABCD");
    EXPECT_EQ(format_a("%d|%5d|%-5d|%05d|%+d|% d", 42, 42, 42, 42, 42, 42), "42|   42|42   |00042|+42| 42");
    EXPECT_EQ(format_a("%I64d %lld %I64x", -9000000000LL, 9000000000LL, 0x123456789ULL),
              "-9000000000 9000000000 123456789");
    EXPECT_EQ(format_a("%I32u %Iu %zu", 7u, static_cast<SIZE_T>(1) << 40, static_cast<SIZE_T>(3)),
              "7 1099511627776 3");
    EXPECT_EQ(format_a("%hd %hu %hhx", 70000, 70000, 0x1FF), "4464 4464 ff");
    EXPECT_EQ(format_a("%#x %#X %#o %o", 255u, 255u, 8u, 8u), "0xff 0XFF 010 10");
    EXPECT_EQ(format_a("%.3d|%8.3d|%.0d|", 7, -7, 0), "007|    -007||");
    EXPECT_EQ(format_a("%*d|%-*d|%.*d", 4, 1, 3, 2, 2, 3), "   1|2  |03");
    EXPECT_EQ(format_a("%i %u %%", -1, 0xFFFFFFFFu), "-1 4294967295 %");
}

TEST(RtlStringCbPrintfA, PointerIsUpperCaseHexWithoutPrefix) {
    void* p = reinterpret_cast<void*>(static_cast<uintptr_t>(0xABCDEF12u));
    const std::string text = format_a("%p", p);
    EXPECT_EQ(text.size(), sizeof(void*) * 2);
    EXPECT_EQ(text.substr(text.size() - 8), "ABCDEF12");
    EXPECT_EQ(text.find_first_not_of('0'), text.size() - 8);
}

TEST(RtlStringCbPrintfA, FormatsCountedAndWideStrings) {
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\Tcp");
    name.Length = 7 * sizeof(WCHAR);  // no terminator at the end of the counted text
    ANSI_STRING ansi = RTL_CONSTANT_STRING("ansi!");
    EXPECT_EQ(format_a("[%wZ]", &name), "[\\Device]");
    EXPECT_EQ(format_a("[%Z]", &ansi), "[ansi!]");
    EXPECT_EQ(format_a("%ws %ls %S %hs %s", L"w1", L"w2", L"w3", "n1", "n2"), "w1 w2 w3 n1 n2");
    EXPECT_EQ(format_a("%c%C%wc%hc", 'a', L'b', L'c', 'd'), "abcd");
    EXPECT_EQ(format_a("[%s][%ws][%wZ]", static_cast<char*>(nullptr), static_cast<wchar_t*>(nullptr),
                       static_cast<UNICODE_STRING*>(nullptr)),
              "[(null)][(null)][(null)]");
    EXPECT_EQ(format_a("[%6s][%-6s][%.2s][%.3ws]", "ab", "ab", "abcdef", L"abcdef"), "[    ab][ab    ][ab][abc]");
    EXPECT_EQ(format_a("%ws", L"caf\u00e9"), "caf\xc3\xa9") << "wide text reaches narrow output as UTF-8";
}

TEST(RtlStringCbPrintfA, DelegatesFloatingPoint) {
    EXPECT_EQ(format_a("%.2f|%e|%g|%8.3f", 3.14159, 1500.0, 0.5, -2.0), "3.14|1.500000e+03|0.5|  -2.000");
}

TEST(RtlStringCbPrintfA, TruncatesWithBufferOverflow) {
    char buffer[6];
    EXPECT_EQ(RtlStringCbPrintfA(buffer, sizeof(buffer), "%s-%d", "abc", 12345), STATUS_BUFFER_OVERFLOW);
    EXPECT_STREQ(buffer, "abc-1");
    EXPECT_EQ(RtlStringCchPrintfA(buffer, sizeof(buffer), "%d", 12345), STATUS_SUCCESS);
    EXPECT_STREQ(buffer, "12345");
    EXPECT_EQ(RtlStringCchPrintfA(buffer, 0, "%d", 1), STATUS_INVALID_PARAMETER);
}

TEST(RtlStringCbPrintfW, PlainSIsWideAndCapitalSIsNarrow) {
    EXPECT_EQ(format_w(L"%s|%S|%hs|%ls|%ws", L"wide", "narrow", "h", L"l", L"w"), L"wide|narrow|h|l|w");
    EXPECT_EQ(format_w(L"%c%C", L'W', 'n'), L"Wn");
}

TEST(RtlStringCbPrintfW, NonAsciiRoundTrips) {
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\u00e9\u4e2d\u20ac");
    EXPECT_EQ(format_w(L"<%wZ>", &name), L"<\u00e9\u4e2d\u20ac>");
    EXPECT_EQ(format_w(L"\u00fc%s", L"\u00f1"), L"\u00fc\u00f1");
    EXPECT_EQ(format_w(L"%S", "\xc3\xa9"), L"\u00e9") << "narrow UTF-8 widened";
    EXPECT_EQ(format_w(L"%lu %I64u %p", 4000000000u, 1ULL << 40, nullptr),
              L"4000000000 1099511627776 " + std::wstring(sizeof(void*) * 2, L'0'));
}

TEST(RtlStringCbPrintfW, TruncatesInCharactersOfTheBuffer) {
    WCHAR buffer[4];
    EXPECT_EQ(RtlStringCbPrintfW(buffer, sizeof(buffer), L"%s", L"abcdef"), STATUS_BUFFER_OVERFLOW);
    EXPECT_EQ(std::wstring(buffer), L"abc");
    EXPECT_EQ(RtlStringCchPrintfW(buffer, 4, L"%d", 123), STATUS_SUCCESS);
    EXPECT_EQ(std::wstring(buffer), L"123");
}

TEST(RtlUnicodeStringPrintf, SetsLengthWithoutNeedingATerminator) {
    WCHAR buffer[16];
    UNICODE_STRING s;
    RtlInitEmptyUnicodeString(&s, buffer, sizeof(buffer));
    UNICODE_STRING device = RTL_CONSTANT_STRING(L"\\Device\\Udp");
    EXPECT_EQ(RtlUnicodeStringPrintf(&s, L"%wZ:%u", &device, 53u), STATUS_SUCCESS);
    EXPECT_EQ(std::wstring(s.Buffer, s.Length / sizeof(WCHAR)), L"\\Device\\Udp:53");
}

TEST(RtlUnicodeStringPrintf, TruncatesToMaximumLength) {
    WCHAR buffer[8];
    UNICODE_STRING s;
    RtlInitEmptyUnicodeString(&s, buffer, sizeof(buffer));
    EXPECT_EQ(RtlUnicodeStringPrintf(&s, L"port %u", 8080u), STATUS_BUFFER_OVERFLOW);
    EXPECT_EQ(s.Length, 8 * sizeof(WCHAR));
    EXPECT_EQ(std::wstring(s.Buffer, 8), L"port 808");
}

TEST(RtlUnicodeStringPrintf, RejectsAMalformedDestination) {
    WCHAR buffer[8];
    UNICODE_STRING odd{0, 3, buffer};
    EXPECT_EQ(RtlUnicodeStringPrintf(&odd, L"x"), STATUS_INVALID_PARAMETER);
    UNICODE_STRING no_buffer{0, 8, nullptr};
    EXPECT_EQ(RtlUnicodeStringPrintf(&no_buffer, L"x"), STATUS_INVALID_PARAMETER);
    UNICODE_STRING too_long{10, 8, buffer};
    EXPECT_EQ(RtlUnicodeStringPrintf(&too_long, L"x"), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(RtlUnicodeStringPrintf(nullptr, L"x"), STATUS_INVALID_PARAMETER);
}

TEST(RtlUnicodeStringCopy, CopiesAndTruncates) {
    WCHAR buffer[4];
    UNICODE_STRING dest;
    RtlInitEmptyUnicodeString(&dest, buffer, sizeof(buffer));
    UNICODE_STRING short_source = RTL_CONSTANT_STRING(L"ab");
    UNICODE_STRING long_source = RTL_CONSTANT_STRING(L"abcdef");
    EXPECT_EQ(RtlUnicodeStringCopy(&dest, &short_source), STATUS_SUCCESS);
    EXPECT_EQ(std::wstring(dest.Buffer, dest.Length / sizeof(WCHAR)), L"ab");
    EXPECT_EQ(RtlUnicodeStringCopy(&dest, &long_source), STATUS_BUFFER_OVERFLOW);
    EXPECT_EQ(std::wstring(dest.Buffer, dest.Length / sizeof(WCHAR)), L"abcd");
    EXPECT_EQ(RtlUnicodeStringCopyString(&dest, L"z"), STATUS_SUCCESS);
    EXPECT_EQ(dest.Length, sizeof(WCHAR));
}

TEST(RtlUnicodeStringCat, AppendsAndTruncates) {
    WCHAR buffer[5];
    UNICODE_STRING dest;
    RtlInitEmptyUnicodeString(&dest, buffer, sizeof(buffer));
    UNICODE_STRING part = RTL_CONSTANT_STRING(L"ab");
    EXPECT_EQ(RtlUnicodeStringCat(&dest, &part), STATUS_SUCCESS);
    EXPECT_EQ(RtlUnicodeStringCatString(&dest, L"cd"), STATUS_SUCCESS);
    EXPECT_EQ(RtlUnicodeStringCat(&dest, &part), STATUS_BUFFER_OVERFLOW);
    EXPECT_EQ(std::wstring(dest.Buffer, dest.Length / sizeof(WCHAR)), L"abcda");
}

}  // namespace
