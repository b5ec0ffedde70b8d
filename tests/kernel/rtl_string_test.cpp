// Tests for src/kernel/rtl_string.cpp: UNICODE_STRING and ANSI_STRING.
#include <gtest/gtest.h>

#include <wdm.h>

#include "support/kernel_fixture.hpp"

#include <cstring>
#include <cwchar>
#include <string>
#include <vector>

namespace {

using RtlStringTest = wskemu::test::kernel_test;

std::wstring text_of(const UNICODE_STRING& s) {
    return std::wstring(s.Buffer, s.Length / sizeof(WCHAR));
}

TEST(RtlInitUnicodeString, LengthsAreBytesWithoutAndWithTheTerminator) {
    UNICODE_STRING s{0xAAAA, 0xAAAA, nullptr};
    const wchar_t text[] = L"Device";
    RtlInitUnicodeString(&s, text);
    EXPECT_EQ(s.Buffer, text);
    EXPECT_EQ(s.Length, 6 * sizeof(WCHAR));
    EXPECT_EQ(s.MaximumLength, 7 * sizeof(WCHAR));
}

TEST(RtlInitUnicodeString, NullSourceGivesAnEmptyString) {
    UNICODE_STRING s{0xAAAA, 0xAAAA, reinterpret_cast<PWCH>(1)};
    RtlInitUnicodeString(&s, nullptr);
    EXPECT_EQ(s.Length, 0);
    EXPECT_EQ(s.MaximumLength, 0);
    EXPECT_EQ(s.Buffer, nullptr);
}

TEST(RtlInitUnicodeString, OverlongSourceIsCutToTheLargestLength) {
    const std::wstring huge(40000, L'a');
    UNICODE_STRING s{};
    RtlInitUnicodeString(&s, huge.c_str());
    EXPECT_EQ(s.Length % sizeof(WCHAR), 0u);
    EXPECT_EQ(s.MaximumLength, s.Length + sizeof(WCHAR));
    EXPECT_LE(s.MaximumLength, UNICODE_STRING_MAX_BYTES);
    EXPECT_GT(s.MaximumLength + sizeof(WCHAR), UNICODE_STRING_MAX_BYTES);
}

TEST(RtlInitUnicodeStringEx, RejectsAnOverlongSource) {
    const std::wstring huge(40000, L'a');
    UNICODE_STRING s{};
    EXPECT_EQ(RtlInitUnicodeStringEx(&s, huge.c_str()), STATUS_NAME_TOO_LONG);
    EXPECT_EQ(RtlInitUnicodeStringEx(&s, L"ok"), STATUS_SUCCESS);
    EXPECT_EQ(s.Length, 2 * sizeof(WCHAR));
    EXPECT_EQ(RtlInitUnicodeStringEx(&s, nullptr), STATUS_SUCCESS);
    EXPECT_EQ(s.Length, 0);
}

TEST(RtlInitAnsiString, LengthsCountBytes) {
    ANSI_STRING a{0xAAAA, 0xAAAA, nullptr};
    RtlInitAnsiString(&a, "tcp");
    EXPECT_EQ(a.Length, 3);
    EXPECT_EQ(a.MaximumLength, 4);
    STRING s{};
    RtlInitString(&s, nullptr);
    EXPECT_EQ(s.Length, 0);
    EXPECT_EQ(s.Buffer, nullptr);
}

TEST(RtlInitEmptyUnicodeString, SetsBufferAndCapacity) {
    WCHAR buffer[8];
    UNICODE_STRING s{0xAAAA, 0, nullptr};
    RtlInitEmptyUnicodeString(&s, buffer, sizeof(buffer));
    EXPECT_EQ(s.Length, 0);
    EXPECT_EQ(s.MaximumLength, sizeof(buffer));
    EXPECT_EQ(s.Buffer, buffer);
}

TEST(RtlCopyUnicodeString, CopiesAndTerminatesWhenRoomIsLeft) {
    WCHAR buffer[10];
    std::wmemset(buffer, L'#', 10);
    UNICODE_STRING dest;
    RtlInitEmptyUnicodeString(&dest, buffer, sizeof(buffer));
    UNICODE_STRING source = RTL_CONSTANT_STRING(L"abc");
    RtlCopyUnicodeString(&dest, &source);
    EXPECT_EQ(text_of(dest), L"abc");
    EXPECT_EQ(buffer[3], L'\0');
}

TEST(RtlCopyUnicodeString, TruncatesToTheDestinationCapacity) {
    WCHAR buffer[4];
    std::wmemset(buffer, L'#', 4);
    UNICODE_STRING dest;
    RtlInitEmptyUnicodeString(&dest, buffer, 3 * sizeof(WCHAR));
    UNICODE_STRING source = RTL_CONSTANT_STRING(L"abcdef");
    RtlCopyUnicodeString(&dest, &source);
    EXPECT_EQ(text_of(dest), L"abc");
    EXPECT_EQ(buffer[3], L'#') << "no terminator without room for it";
}

TEST(RtlCopyUnicodeString, NullSourceEmptiesTheDestination) {
    WCHAR buffer[4] = L"xyz";
    UNICODE_STRING dest{3 * sizeof(WCHAR), sizeof(buffer), buffer};
    RtlCopyUnicodeString(&dest, nullptr);
    EXPECT_EQ(dest.Length, 0);
}

TEST(RtlCopyString, CopiesBytes) {
    char buffer[8];
    STRING dest{0, sizeof(buffer), buffer};
    STRING source = RTL_CONSTANT_STRING("kernel-mode");
    RtlCopyString(&dest, &source);
    EXPECT_EQ(dest.Length, 8);
    EXPECT_EQ(std::string(dest.Buffer, dest.Length), "kernel-m");
}

TEST(RtlEqualUnicodeString, ComparesWithAndWithoutCase) {
    UNICODE_STRING a = RTL_CONSTANT_STRING(L"\\Device\\Tcp");
    UNICODE_STRING b = RTL_CONSTANT_STRING(L"\\DEVICE\\tcp");
    UNICODE_STRING c = RTL_CONSTANT_STRING(L"\\Device\\Tcp6");
    EXPECT_FALSE(RtlEqualUnicodeString(&a, &b, FALSE));
    EXPECT_TRUE(RtlEqualUnicodeString(&a, &b, TRUE));
    EXPECT_FALSE(RtlEqualUnicodeString(&a, &c, TRUE));
    EXPECT_TRUE(RtlEqualUnicodeString(&a, &a, FALSE));
}

TEST(RtlEqualUnicodeString, FoldsLatin1Letters) {
    UNICODE_STRING a = RTL_CONSTANT_STRING(L"caf\u00e9");
    UNICODE_STRING b = RTL_CONSTANT_STRING(L"CAF\u00c9");
    EXPECT_TRUE(RtlEqualUnicodeString(&a, &b, TRUE));
    EXPECT_FALSE(RtlEqualUnicodeString(&a, &b, FALSE));
}

TEST(RtlCompareUnicodeString, OrdersByFirstDifferenceThenLength) {
    UNICODE_STRING abc = RTL_CONSTANT_STRING(L"abc");
    UNICODE_STRING abd = RTL_CONSTANT_STRING(L"abd");
    UNICODE_STRING ab = RTL_CONSTANT_STRING(L"ab");
    UNICODE_STRING upper = RTL_CONSTANT_STRING(L"ABC");
    EXPECT_LT(RtlCompareUnicodeString(&abc, &abd, FALSE), 0);
    EXPECT_GT(RtlCompareUnicodeString(&abd, &abc, FALSE), 0);
    EXPECT_GT(RtlCompareUnicodeString(&abc, &ab, FALSE), 0);
    EXPECT_LT(RtlCompareUnicodeString(&ab, &abc, FALSE), 0);
    EXPECT_EQ(RtlCompareUnicodeString(&abc, &upper, TRUE), 0);
    EXPECT_GT(RtlCompareUnicodeString(&abc, &upper, FALSE), 0);
}

TEST(RtlEqualString, ComparesAnsiStrings) {
    STRING a = RTL_CONSTANT_STRING("Hello");
    STRING b = RTL_CONSTANT_STRING("hELLO");
    EXPECT_TRUE(RtlEqualString(&a, &b, TRUE));
    EXPECT_FALSE(RtlEqualString(&a, &b, FALSE));
    EXPECT_LT(RtlCompareString(&a, &b, FALSE), 0);
    EXPECT_EQ(RtlCompareString(&a, &b, TRUE), 0);
}

TEST(RtlAppendUnicodeToString, AppendsAndReportsBufferTooSmall) {
    WCHAR buffer[8];
    UNICODE_STRING dest;
    RtlInitEmptyUnicodeString(&dest, buffer, sizeof(buffer));
    EXPECT_EQ(RtlAppendUnicodeToString(&dest, L"ab"), STATUS_SUCCESS);
    EXPECT_EQ(RtlAppendUnicodeToString(&dest, L"cde"), STATUS_SUCCESS);
    EXPECT_EQ(text_of(dest), L"abcde");
    EXPECT_EQ(buffer[5], L'\0');
    EXPECT_EQ(RtlAppendUnicodeToString(&dest, L"fghi"), STATUS_BUFFER_TOO_SMALL);
    EXPECT_EQ(text_of(dest), L"abcde") << "unchanged on failure";
    EXPECT_EQ(RtlAppendUnicodeToString(&dest, L"fgh"), STATUS_SUCCESS) << "fills exactly";
    EXPECT_EQ(text_of(dest), L"abcdefgh");
    EXPECT_EQ(RtlAppendUnicodeToString(&dest, nullptr), STATUS_SUCCESS);
}

TEST(RtlAppendUnicodeStringToString, AppendsCountedText) {
    WCHAR buffer[6];
    UNICODE_STRING dest;
    RtlInitEmptyUnicodeString(&dest, buffer, sizeof(buffer));
    UNICODE_STRING part = RTL_CONSTANT_STRING(L"xyz");
    EXPECT_EQ(RtlAppendUnicodeStringToString(&dest, &part), STATUS_SUCCESS);
    EXPECT_EQ(RtlAppendUnicodeStringToString(&dest, &part), STATUS_SUCCESS);
    EXPECT_EQ(text_of(dest), L"xyzxyz");
    EXPECT_EQ(RtlAppendUnicodeStringToString(&dest, &part), STATUS_BUFFER_TOO_SMALL);
}

TEST_F(RtlStringTest, UnicodeToAnsiAllocatesFromPool) {
    UNICODE_STRING source = RTL_CONSTANT_STRING(L"Winsock");
    ANSI_STRING ansi{0xAAAA, 0xAAAA, nullptr};
    ASSERT_EQ(RtlUnicodeStringToAnsiString(&ansi, &source, TRUE), STATUS_SUCCESS);
    ASSERT_NE(ansi.Buffer, nullptr);
    EXPECT_EQ(ansi.Length, 7);
    EXPECT_EQ(ansi.MaximumLength, 8);
    EXPECT_STREQ(ansi.Buffer, "Winsock");
    RtlFreeAnsiString(&ansi);
    EXPECT_EQ(ansi.Buffer, nullptr);
    EXPECT_EQ(ansi.Length, 0);
}

TEST_F(RtlStringTest, UnicodeToAnsiEncodesNonAsciiAsUtf8) {
    UNICODE_STRING source = RTL_CONSTANT_STRING(L"\u00e9\u20ac");
    char buffer[16];
    ANSI_STRING ansi{0, sizeof(buffer), buffer};
    ASSERT_EQ(RtlUnicodeStringToAnsiString(&ansi, &source, FALSE), STATUS_SUCCESS);
    EXPECT_EQ(std::string(ansi.Buffer, ansi.Length), "\xc3\xa9\xe2\x82\xac");
}

TEST_F(RtlStringTest, UnicodeToAnsiTruncatesIntoASmallBuffer) {
    UNICODE_STRING source = RTL_CONSTANT_STRING(L"abcdef");
    char buffer[4] = {'#', '#', '#', '#'};
    ANSI_STRING ansi{0, sizeof(buffer), buffer};
    EXPECT_EQ(RtlUnicodeStringToAnsiString(&ansi, &source, FALSE), STATUS_BUFFER_OVERFLOW);
    EXPECT_EQ(ansi.Length, 3);
    EXPECT_STREQ(buffer, "abc");
}

TEST_F(RtlStringTest, AnsiToUnicodeAllocatesAndRoundTrips) {
    ANSI_STRING source = RTL_CONSTANT_STRING("na\xc3\xafve");  // "naïve" in UTF-8
    UNICODE_STRING wide{0xAAAA, 0xAAAA, nullptr};
    ASSERT_EQ(RtlAnsiStringToUnicodeString(&wide, &source, TRUE), STATUS_SUCCESS);
    EXPECT_EQ(text_of(wide), L"na\u00efve");
    EXPECT_EQ(wide.MaximumLength, wide.Length + sizeof(WCHAR));
    EXPECT_EQ(wide.Buffer[5], L'\0');
    ANSI_STRING back{};
    ASSERT_EQ(RtlUnicodeStringToAnsiString(&back, &wide, TRUE), STATUS_SUCCESS);
    EXPECT_EQ(std::string(back.Buffer, back.Length), "na\xc3\xafve");
    RtlFreeAnsiString(&back);
    RtlFreeUnicodeString(&wide);
    EXPECT_EQ(wide.Buffer, nullptr);
}

TEST_F(RtlStringTest, AnsiToUnicodeReportsOverflowWithoutAllocation) {
    ANSI_STRING source = RTL_CONSTANT_STRING("abcd");
    WCHAR buffer[4];
    UNICODE_STRING wide;
    RtlInitEmptyUnicodeString(&wide, buffer, sizeof(buffer));
    EXPECT_EQ(RtlAnsiStringToUnicodeString(&wide, &source, FALSE), STATUS_BUFFER_OVERFLOW);
    EXPECT_EQ(wide.Length, 0);
    ANSI_STRING fits = RTL_CONSTANT_STRING("abc");
    EXPECT_EQ(RtlAnsiStringToUnicodeString(&wide, &fits, FALSE), STATUS_SUCCESS);
    EXPECT_EQ(text_of(wide), L"abc");
}

TEST_F(RtlStringTest, AnsiToUnicodeTakesStrayBytesAsLatin1) {
    ANSI_STRING source = RTL_CONSTANT_STRING("\xe9t\xe9");  // Latin-1, not UTF-8
    UNICODE_STRING wide{};
    ASSERT_EQ(RtlAnsiStringToUnicodeString(&wide, &source, TRUE), STATUS_SUCCESS);
    EXPECT_EQ(text_of(wide), L"\u00e9t\u00e9");
    RtlFreeUnicodeString(&wide);
}

struct integer_case {
    const wchar_t* text;
    ULONG base;
    ULONG value;
};

TEST(RtlUnicodeStringToInteger, ParsesWindowsForms) {
    const integer_case cases[] = {
        {L"1234", 10, 1234},
        {L"  +42", 0, 42},
        {L"-1", 0, 0xFFFFFFFFu},
        {L"0x1F", 0, 31},
        {L"0o17", 0, 15},
        {L"0b101", 0, 5},
        {L"ff", 16, 255},
        {L"0x1F", 16, 0},      // with an explicit base there is no prefix
        {L"12ab", 10, 12},     // stops at the first non-digit
        {L"", 10, 0},          // no digits: zero
        {L"4294967296", 10, 0},  // wraps modulo 2^32
        {L"777", 8, 511},
        {L"056", 0, 56},       // a leading zero is still decimal
    };
    for (const auto& c : cases) {
        UNICODE_STRING s;
        RtlInitUnicodeString(&s, c.text);
        ULONG value = 0xDEADBEEF;
        EXPECT_EQ(RtlUnicodeStringToInteger(&s, c.base, &value), STATUS_SUCCESS) << c.text;
        EXPECT_EQ(value, c.value) << "\"" << std::string(c.text, c.text + std::wcslen(c.text)) << "\" base " << c.base;
    }
}

TEST(RtlUnicodeStringToInteger, RejectsAnInvalidBase) {
    UNICODE_STRING s = RTL_CONSTANT_STRING(L"10");
    ULONG value = 0xDEADBEEF;
    EXPECT_EQ(RtlUnicodeStringToInteger(&s, 7, &value), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(value, 0xDEADBEEFu);
}

TEST(RtlIntegerToUnicodeString, FormatsInEachBase) {
    WCHAR buffer[40];
    UNICODE_STRING s;
    RtlInitEmptyUnicodeString(&s, buffer, sizeof(buffer));
    EXPECT_EQ(RtlIntegerToUnicodeString(4660, 16, &s), STATUS_SUCCESS);
    EXPECT_EQ(text_of(s), L"1234");
    EXPECT_EQ(buffer[4], L'\0');
    EXPECT_EQ(RtlIntegerToUnicodeString(255, 16, &s), STATUS_SUCCESS);
    EXPECT_EQ(text_of(s), L"FF");
    EXPECT_EQ(RtlIntegerToUnicodeString(5, 2, &s), STATUS_SUCCESS);
    EXPECT_EQ(text_of(s), L"101");
    EXPECT_EQ(RtlIntegerToUnicodeString(4294967295u, 0, &s), STATUS_SUCCESS);
    EXPECT_EQ(text_of(s), L"4294967295");
    EXPECT_EQ(RtlIntegerToUnicodeString(8, 8, &s), STATUS_SUCCESS);
    EXPECT_EQ(text_of(s), L"10");
    EXPECT_EQ(RtlIntegerToUnicodeString(1, 3, &s), STATUS_INVALID_PARAMETER);
}

TEST(RtlIntegerToUnicodeString, ReportsOverflowWhenTheDigitsDoNotFit) {
    WCHAR buffer[3];
    UNICODE_STRING s;
    RtlInitEmptyUnicodeString(&s, buffer, sizeof(buffer));
    EXPECT_EQ(RtlIntegerToUnicodeString(123, 10, &s), STATUS_BUFFER_OVERFLOW);
    EXPECT_EQ(RtlIntegerToUnicodeString(12, 10, &s), STATUS_SUCCESS);
    EXPECT_EQ(text_of(s), L"12");
}

TEST(RtlUpcaseUnicodeChar, FoldsAsciiAndLatin1) {
    EXPECT_EQ(RtlUpcaseUnicodeChar(L'a'), L'A');
    EXPECT_EQ(RtlUpcaseUnicodeChar(L'Z'), L'Z');
    EXPECT_EQ(RtlUpcaseUnicodeChar(L'1'), L'1');
    EXPECT_EQ(RtlUpcaseUnicodeChar(static_cast<WCHAR>(0xE9)), static_cast<WCHAR>(0xC9));
    EXPECT_EQ(RtlUpcaseUnicodeChar(static_cast<WCHAR>(0xF7)), static_cast<WCHAR>(0xF7)) << "division sign";
    EXPECT_EQ(RtlUpcaseUnicodeChar(static_cast<WCHAR>(0xFF)), static_cast<WCHAR>(0x178));
}

TEST(RtlDowncaseUnicodeChar, FoldsAsciiAndLatin1) {
    EXPECT_EQ(RtlDowncaseUnicodeChar(L'Q'), L'q');
    EXPECT_EQ(RtlDowncaseUnicodeChar(L'q'), L'q');
    EXPECT_EQ(RtlDowncaseUnicodeChar(static_cast<WCHAR>(0xC0)), static_cast<WCHAR>(0xE0));
    EXPECT_EQ(RtlDowncaseUnicodeChar(static_cast<WCHAR>(0xD7)), static_cast<WCHAR>(0xD7)) << "multiplication sign";
    EXPECT_EQ(RtlDowncaseUnicodeChar(static_cast<WCHAR>(0x178)), static_cast<WCHAR>(0xFF));
}

}  // namespace
