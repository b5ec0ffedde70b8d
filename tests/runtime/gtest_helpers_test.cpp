// The GoogleTest helpers and formatters for driver tests
// (include/wskemu/gtest.hpp, format.hpp, describe.hpp): matchers and
// printers that name statuses, the driver_test fixture's end-of-test checks.
#include <gtest/gtest-spi.h>

#include <wskemu/format.hpp>
#include <wskemu/gtest.hpp>

#include <wsk.h>

#include <sstream>

namespace {

using ::testing::Not;
using wskemu::testing::CompletedWith;
using wskemu::testing::CompletedWithStatus;
using wskemu::testing::IsStatus;

template <typename Matcher, typename Value>
std::string explain(const Matcher& matcher, const Value& value) {
    ::testing::StringMatchResultListener listener;
    ::testing::Matcher<Value> m = matcher;
    m.MatchAndExplain(value, &listener);
    return ::testing::DescribeMatcher<Value>(matcher) + " / " + listener.str();
}

TEST(StatusMatchers, NameBothTheExpectedAndTheActualStatus) {
    EXPECT_THAT(STATUS_PENDING, IsStatus(STATUS_PENDING));
    EXPECT_THAT(STATUS_SUCCESS, Not(IsStatus(STATUS_PENDING)));
    const std::string text = explain(IsStatus(STATUS_PENDING), NTSTATUS{STATUS_SUCCESS});
    EXPECT_NE(text.find("is STATUS_PENDING (0x00000103)"), std::string::npos) << text;
    EXPECT_NE(text.find("which is STATUS_SUCCESS (0x00000000)"), std::string::npos) << text;
}

TEST(IrpMatchers, MatchStatusAndInformationAndPrintTheIrp) {
    PIRP irp = IoAllocateIrp(1, FALSE);
    irp->IoStatus.Status = STATUS_SUCCESS;
    irp->IoStatus.Information = 4096;
    EXPECT_THAT(irp, CompletedWith(STATUS_SUCCESS, 4096));
    EXPECT_THAT(irp, Not(CompletedWith(STATUS_SUCCESS, 4095)));
    EXPECT_THAT(*irp, CompletedWithStatus(STATUS_SUCCESS));
    const std::string text = explain(CompletedWith(STATUS_CANCELLED, 0), irp);
    EXPECT_NE(text.find("completed with STATUS_CANCELLED (0xC0000120) and Information 0"), std::string::npos) << text;
    EXPECT_NE(text.find("Information 4096"), std::string::npos) << text;
    EXPECT_NE(::testing::PrintToString(*irp).find("Status STATUS_SUCCESS"), std::string::npos)
        << ::testing::PrintToString(*irp);
    EXPECT_EQ(::testing::PrintToString(wskemu::ntstatus{STATUS_TIMEOUT}), "STATUS_TIMEOUT (0x00000102)");
    IoFreeIrp(irp);
}

TEST(Formatters, NameStatusesAndDescribeIrpsBuffersMdlsAndAddresses) {
    EXPECT_EQ(fmt::format("{}", wskemu::ntstatus{STATUS_PENDING}), "STATUS_PENDING (0x00000103)");
    EXPECT_EQ(fmt::format("{}", wskemu::ntstatus{static_cast<NTSTATUS>(0xC0001234)}), "0xC0001234");
    PIRP irp = IoAllocateIrp(1, FALSE);
    const std::string irp_text = fmt::format("{}", *irp);
    EXPECT_NE(irp_text.find("stack 0 of 1 in use"), std::string::npos) << irp_text;
    IoFreeIrp(irp);
    static UCHAR buffer[100];
    PMDL mdl = IoAllocateMdl(buffer, sizeof(buffer), FALSE, FALSE, nullptr);
    MmBuildMdlForNonPagedPool(mdl);
    EXPECT_NE(fmt::format("{}", *mdl).find("100 bytes"), std::string::npos);
    const WSK_BUF wsk_buf{mdl, 4, 96};
    EXPECT_NE(fmt::format("{}", wsk_buf).find("Offset 4, Length 96"), std::string::npos);
    IoFreeMdl(mdl);
    SOCKADDR_IN in{};
    in.sin_family = AF_INET;
    in.sin_port = RtlUshortByteSwap(80);
    in.sin_addr.s_addr = RtlUlongByteSwap(0x7F000001);
    EXPECT_EQ(fmt::format("{}", in), "127.0.0.1:80");
    SOCKADDR_IN6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = RtlUshortByteSwap(443);
    in6.sin6_addr.u.Byte[15] = 1;
    EXPECT_EQ(fmt::format("{}", in6), "[::1]:443");
    SOCKADDR other{};
    other.sa_family = 99;
    EXPECT_EQ(fmt::format("{}", other), "family 99");
}

// The fixture's checks, run by hand so that the failures they raise can be
// observed.
class fixture_probe : public wskemu::testing::driver_test {
public:
    void TestBody() override {}
    using driver_test::SetUp;
    using driver_test::TearDown;
};

TEST(DriverTestFixture, FailsATestThatLeavesAKernelObjectAlive) {
    fixture_probe probe;
    probe.SetUp();
    PIRP leaked = IoAllocateIrp(1, FALSE);
    EXPECT_NONFATAL_FAILURE(probe.TearDown(), "kernel objects allocated by the test are still alive");
    IoFreeIrp(leaked);
}

TEST(DriverTestFixture, ResetsTheRuntimeBetweenTests) {
    fixture_probe probe;
    wskemu::runtime::instance().set_policy(wskemu::completion_policy::hold);
    probe.SetUp();
    EXPECT_EQ(wskemu::runtime::instance().policy(wskemu::operation::send), wskemu::completion_policy::natural);
    wskemu::runtime::instance().set_policy(wskemu::completion_policy::always_pending);
    probe.TearDown();
    EXPECT_EQ(wskemu::runtime::instance().policy(wskemu::operation::send), wskemu::completion_policy::natural);
}

TEST(DriverTestFixture, ClearFixtureRaisesNoFailure) {
    fixture_probe probe;
    probe.SetUp();
    PIRP irp = IoAllocateIrp(1, FALSE);
    IoFreeIrp(irp);
    probe.TearDown();
    EXPECT_FALSE(::testing::Test::HasFailure());
}

}  // namespace
