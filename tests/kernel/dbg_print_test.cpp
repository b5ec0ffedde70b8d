// Tests for src/kernel/dbg_print.cpp: DbgPrint* formatting and routing, and
// the C test driver tests/drivers/rtl_driver.c, which uses the Rtl functions
// and DbgPrint the way a driver does.
#include <gtest/gtest.h>

#include <wdm.h>

#include "drivers/rtl_driver.h"
#include "kernel/dbg_print.hpp"
#include "support/kernel_fixture.hpp"

#include <cstring>
#include <string>
#include <vector>

namespace {

struct captured {
    ULONG component;
    ULONG level;
    std::string text;
};

// Installs a capturing sink for the test's lifetime, restoring the old one.
class DbgPrintTest : public ::testing::Test {
protected:
    void SetUp() override {
        previous_ = wskemu::kernel::set_debug_output_sink(
            [this](ULONG component, ULONG level, std::string_view text) {
                messages_.push_back({component, level, std::string(text)});
            });
    }
    void TearDown() override { wskemu::kernel::set_debug_output_sink(std::move(previous_)); }

    std::vector<captured> messages_;

private:
    wskemu::kernel::debug_output_sink previous_;
};

TEST_F(DbgPrintTest, FormatsAndStripsOneTrailingNewline) {
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\Tcp");
    const ULONG bytes = 4000000000u;
    EXPECT_EQ(DbgPrint("opened %wZ, %lu bytes\n", &name, bytes), static_cast<ULONG>(STATUS_SUCCESS));
    ASSERT_EQ(messages_.size(), 1u);
    EXPECT_EQ(messages_[0].text, "opened \\Device\\Tcp, 4000000000 bytes");
    EXPECT_EQ(messages_[0].component, static_cast<ULONG>(DPFLTR_DEFAULT_ID));
    EXPECT_EQ(messages_[0].level, static_cast<ULONG>(DPFLTR_INFO_LEVEL));
    DbgPrint("two\n\n");
    ASSERT_EQ(messages_.size(), 2u);
    EXPECT_EQ(messages_[1].text, "two\n");
}

TEST_F(DbgPrintTest, DbgPrintExCarriesComponentAndLevel) {
    EXPECT_EQ(DbgPrintEx(DPFLTR_IHVNETWORK_ID, DPFLTR_ERROR_LEVEL, "err %d", -3), static_cast<ULONG>(STATUS_SUCCESS));
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, 0x40, "mask level %I64x", 0x1234567890ULL);
    ASSERT_EQ(messages_.size(), 2u);
    EXPECT_EQ(messages_[0].component, static_cast<ULONG>(DPFLTR_IHVNETWORK_ID));
    EXPECT_EQ(messages_[0].level, static_cast<ULONG>(DPFLTR_ERROR_LEVEL));
    EXPECT_EQ(messages_[0].text, "err -3");
    EXPECT_EQ(messages_[1].level, 0x40u);
    EXPECT_EQ(messages_[1].text, "mask level 1234567890");
}

ULONG call_vdbgprintex(const char* prefix, const char* format, ...) {
    va_list args;
    va_start(args, format);
    const ULONG status = prefix == nullptr
                             ? vDbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_WARNING_LEVEL, format, args)
                             : vDbgPrintExWithPrefix(prefix, DPFLTR_IHVDRIVER_ID, DPFLTR_TRACE_LEVEL, format, args);
    va_end(args);
    return status;
}

TEST_F(DbgPrintTest, VariantsTakeAVaListAndAPrefix) {
    EXPECT_EQ(call_vdbgprintex(nullptr, "%s=%u", "x", 5u), static_cast<ULONG>(STATUS_SUCCESS));
    EXPECT_EQ(call_vdbgprintex("mydrv: ", "%ws", L"ready"), static_cast<ULONG>(STATUS_SUCCESS));
    ASSERT_EQ(messages_.size(), 2u);
    EXPECT_EQ(messages_[0].text, "x=5");
    EXPECT_EQ(messages_[0].level, static_cast<ULONG>(DPFLTR_WARNING_LEVEL));
    EXPECT_EQ(messages_[1].text, "mydrv: ready");
    EXPECT_EQ(messages_[1].level, static_cast<ULONG>(DPFLTR_TRACE_LEVEL));
}

TEST_F(DbgPrintTest, MessagesAreCutTo512Bytes) {
    const std::string longer(600, 'x');
    DbgPrint("%s", longer.c_str());
    ASSERT_EQ(messages_.size(), 1u);
    EXPECT_EQ(messages_[0].text, std::string(wskemu::kernel::debug_message_limit, 'x'));
}

TEST_F(DbgPrintTest, RemovedSinkReceivesNothing) {
    auto mine = wskemu::kernel::set_debug_output_sink({});
    DbgPrint("to the log only\n");
    wskemu::kernel::set_debug_output_sink(std::move(mine));
    EXPECT_TRUE(messages_.empty());
    DbgPrint("back\n");
    EXPECT_EQ(messages_.size(), 1u);
}

}  // namespace

// ---- the C test driver -------------------------------------------------------

namespace {

class RtlDriverTest : public wskemu::test::kernel_test {
protected:
    void SetUp() override {
        kernel_test::SetUp();
        previous_ = wskemu::kernel::set_debug_output_sink(
            [this](ULONG, ULONG level, std::string_view text) { messages_.push_back({0, level, std::string(text)}); });
    }
    void TearDown() override {
        wskemu::kernel::set_debug_output_sink(std::move(previous_));
        kernel_test::TearDown();
    }

    std::vector<captured> messages_;

private:
    wskemu::kernel::debug_output_sink previous_;
};

TEST_F(RtlDriverTest, DescribesAnEndpointWithWindowsFormatting) {
    char output[128];
    std::memset(output, '#', sizeof(output));
    ASSERT_EQ(RtlDriverDescribeEndpoint("10.1.2.3:8080", output, sizeof(output)), STATUS_SUCCESS);
    EXPECT_STREQ(output, "\\Device\\RtlDriver tcp 10.1.2.3 port 8080");
    ASSERT_EQ(messages_.size(), 1u);
    EXPECT_EQ(messages_[0].text, "rtl_driver: \\Device\\RtlDriver tcp 10.1.2.3 port 8080");
}

TEST_F(RtlDriverTest, ReportsABadAddressThroughDbgPrintEx) {
    char output[128] = "untouched";
    EXPECT_EQ(RtlDriverDescribeEndpoint("10.1.2:80", output, sizeof(output)), STATUS_INVALID_PARAMETER);
    EXPECT_STREQ(output, "untouched");
    ASSERT_EQ(messages_.size(), 1u);
    EXPECT_EQ(messages_[0].level, static_cast<ULONG>(DPFLTR_ERROR_LEVEL));
    EXPECT_EQ(messages_[0].text, "rtl_driver: bad address 10.1.2:80 (c000000d)");
}

TEST_F(RtlDriverTest, TruncatedOutputIsReported) {
    char output[12];
    EXPECT_EQ(RtlDriverDescribeEndpoint("1.2.3.4:1", output, sizeof(output)), STATUS_BUFFER_OVERFLOW);
    EXPECT_STREQ(output, "\\Device\\Rtl");
    EXPECT_TRUE(messages_.empty());
}

TEST_F(RtlDriverTest, NormalizesIpv6ThroughPoolStrings) {
    char output[64];
    ASSERT_EQ(RtlDriverNormalizeIpv6("2001:0DB8:0000:0000:0000:0000:0000:0001", output, sizeof(output)),
              STATUS_SUCCESS);
    EXPECT_STREQ(output, "2001:db8::1");
    EXPECT_EQ(RtlDriverNormalizeIpv6("2001:db8::1 trailing", output, sizeof(output)), STATUS_INVALID_PARAMETER);
}

}  // namespace
