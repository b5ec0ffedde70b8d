// Tests for src/kernel/rtl_memory.cpp and the memory macros of rtl.h.
#include <gtest/gtest.h>

#include <wdm.h>

#include <array>
#include <cstring>

namespace {

TEST(RtlCompareMemory, EqualBlocksReturnTheLength) {
    const char a[] = "wskemu-rtl";
    const char b[] = "wskemu-rtl";
    EXPECT_EQ(RtlCompareMemory(a, b, sizeof(a)), sizeof(a));
}

TEST(RtlCompareMemory, ReturnsTheNumberOfLeadingMatchingBytes) {
    const unsigned char a[] = {1, 2, 3, 4, 5, 6};
    const unsigned char b[] = {1, 2, 3, 9, 5, 6};
    EXPECT_EQ(RtlCompareMemory(a, b, sizeof(a)), 3u);
    EXPECT_EQ(RtlCompareMemory(a, b, 2), 2u);
}

TEST(RtlCompareMemory, FirstByteDifferentOrZeroLengthGivesZero) {
    const unsigned char a[] = {7, 1};
    const unsigned char b[] = {8, 1};
    EXPECT_EQ(RtlCompareMemory(a, b, sizeof(a)), 0u);
    EXPECT_EQ(RtlCompareMemory(a, a, 0), 0u);
}

TEST(RtlSecureZeroMemory, ZeroesEveryByteAndReturnsThePointer) {
    std::array<unsigned char, 33> buffer{};
    buffer.fill(0xA5);
    EXPECT_EQ(RtlSecureZeroMemory(buffer.data(), 32), buffer.data());
    for (std::size_t i = 0; i < 32; ++i) {
        EXPECT_EQ(buffer[i], 0) << i;
    }
    EXPECT_EQ(buffer[32], 0xA5) << "wrote past the length";
}

TEST(RtlCopyMemory, MacrosCopyMoveFillZeroAndCompare) {
    char buffer[16];
    RtlFillMemory(buffer, sizeof(buffer), 'x');
    EXPECT_EQ(buffer[15], 'x');
    RtlZeroMemory(buffer, 8);
    EXPECT_EQ(buffer[7], 0);
    EXPECT_EQ(buffer[8], 'x');
    RtlCopyMemory(buffer, "abcdef", 6);
    EXPECT_EQ(std::memcmp(buffer, "abcdef", 6), 0);
    RtlMoveMemory(buffer + 1, buffer, 5);  // overlapping
    EXPECT_EQ(std::memcmp(buffer, "aabcde", 6), 0);
    EXPECT_TRUE(RtlEqualMemory(buffer, "aabcde", 6));
    EXPECT_FALSE(RtlEqualMemory(buffer, "aabcdf", 6));
    RtlCopyBytes(buffer, "zz", 2);
    RtlFillBytes(buffer + 2, 2, 'q');
    EXPECT_EQ(std::memcmp(buffer, "zzqqde", 6), 0);
    RtlZeroBytes(buffer, 1);
    EXPECT_EQ(buffer[0], 0);
}

TEST(RtlUshortByteSwap, SwapsTheTwoBytes) {
    EXPECT_EQ(RtlUshortByteSwap(0x1234), 0x3412);
    EXPECT_EQ(RtlUshortByteSwap(0x00FF), 0xFF00);
}

TEST(RtlUlongByteSwap, ReversesTheFourBytes) {
    EXPECT_EQ(RtlUlongByteSwap(0x12345678u), 0x78563412u);
    EXPECT_EQ(RtlUlongByteSwap(0xFF000001u), 0x010000FFu);
}

TEST(RtlUlonglongByteSwap, ReversesTheEightBytes) {
    EXPECT_EQ(RtlUlonglongByteSwap(0x0102030405060708ULL), 0x0807060504030201ULL);
    EXPECT_EQ(RtlUlonglongByteSwap(RtlUlonglongByteSwap(0xDEADBEEF00C0FFEEULL)), 0xDEADBEEF00C0FFEEULL);
}

}  // namespace
