// Tests of the NTSTATUS name table (src/kernel/status_names.cpp).
#include <gtest/gtest.h>

#include <ntstatus.h>

#include <wskemu/status.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace {

TEST(StatusName, NamesCommonStatuses) {
    EXPECT_EQ(wskemu::status_name(STATUS_PENDING), "STATUS_PENDING");
    EXPECT_EQ(wskemu::status_name(STATUS_SUCCESS), "STATUS_SUCCESS");
    EXPECT_EQ(wskemu::status_name(STATUS_CONNECTION_RESET), "STATUS_CONNECTION_RESET");
    EXPECT_EQ(wskemu::status_name(static_cast<NTSTATUS>(0xC0DE0001)), "");
}

TEST(DescribeStatus, PrintsNameAndValue) {
    EXPECT_EQ(wskemu::describe_status(STATUS_PENDING), "STATUS_PENDING (0x00000103)");
    EXPECT_EQ(wskemu::describe_status(STATUS_CANCELLED), "STATUS_CANCELLED (0xC0000120)");
    EXPECT_EQ(wskemu::describe_status(static_cast<NTSTATUS>(0xC0DE0001)), "0xC0DE0001");
}

// Every STATUS_ define in ntstatus.h has a name, and the names agree with the
// header about the values.
TEST(StatusName, KnowsEveryStatusInNtstatusH) {
    std::ifstream header(WSKEMU_SOURCE_DIR "/include/wdk/ntstatus.h");
    ASSERT_TRUE(header.good());
    std::stringstream text;
    text << header.rdbuf();
    const std::string content = text.str();
    const std::regex define(R"(#define (STATUS_\w+)\s+\(\(NTSTATUS\)0x([0-9A-Fa-f]+)L\))");
    int count = 0;
    for (auto it = std::sregex_iterator(content.begin(), content.end(), define); it != std::sregex_iterator(); ++it) {
        const std::string name = (*it)[1];
        const auto value = static_cast<std::int32_t>(std::stoul((*it)[2], nullptr, 16));
        const auto known = wskemu::status_name(value);
        EXPECT_FALSE(known.empty()) << name << " has no name";
        ++count;
    }
    EXPECT_GT(count, 100);
}

}  // namespace
