// Tests of IOCTLs as the I/O manager sends them (src/kernel/io_request.cpp):
// the buffers of each transfer method, pended and cancelled requests, and
// the dispatch routine's rules, with the C test driver tests/drivers/ioctl_driver.c.
#include <gtest/gtest.h>

#include <ntddk.h>

#include <wskemu/bug_check.hpp>
#include <wskemu/device.hpp>
#include <wskemu/driver.hpp>

#include "drivers/ioctl_driver.h"
#include "support/device_test_support.hpp"
#include "support/kernel_fixture.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <thread>

namespace {

using namespace std::chrono_literals;
using wskemu::test::ioctl;
using wskemu::test::query;

// The ioctl driver, started, with a handle open on its device.
class DeviceIoControlTest : public wskemu::test::kernel_test {
protected:
    void SetUp() override {
        kernel_test::SetUp();
        driver_.emplace(IoctlDriverEntry, "wskemu_ioctl");
        ASSERT_EQ(driver_->start(), STATUS_SUCCESS);
        auto opened = wskemu::open_device(IOCTL_DRIVER_LINK_NAME);
        ASSERT_EQ(opened.status, STATUS_SUCCESS);
        device_ = std::move(opened.handle);
    }

    void TearDown() override {
        device_.close();
        if (driver_) {
            EXPECT_EQ(driver_->unload(), wskemu::driver::unload_result::unloaded);
            EXPECT_TRUE(driver_->leftovers().empty());
            driver_.reset();
        }
        kernel_test::TearDown();
    }

    IOCTL_DRIVER_STATS stats() { return query<IOCTL_DRIVER_STATS>(device_, IOCTL_WSKEMU_STATS); }

    std::optional<wskemu::driver> driver_;
    wskemu::device_handle device_;
};

TEST_F(DeviceIoControlTest, BufferedCopiesInformationBytesBackFromTheSystemBuffer) {
    const auto reply = ioctl(device_, IOCTL_WSKEMU_REVERSE, "hello", 8);
    EXPECT_EQ(reply.result.status, STATUS_SUCCESS);
    EXPECT_EQ(reply.result.information, 5u);
    // Only Information bytes come back; the rest of the caller's buffer is untouched.
    EXPECT_EQ(reply.output, std::string("olleh\xAA\xAA\xAA"));
    EXPECT_EQ(stats().LastRequestorMode, ULONG{UserMode});
}

TEST_F(DeviceIoControlTest, BufferedErrorCopiesNothingBack) {
    const auto reply = ioctl(device_, IOCTL_WSKEMU_REVERSE, "hello", 3);
    EXPECT_EQ(reply.result.status, STATUS_BUFFER_TOO_SMALL);
    EXPECT_EQ(reply.result.information, 0u);
    EXPECT_EQ(reply.output, std::string(3, '\xAA'));
}

TEST_F(DeviceIoControlTest, BufferedWithNoBuffersHasNoSystemBuffer) {
    const auto reply = ioctl(device_, IOCTL_WSKEMU_REVERSE, "", 0);
    EXPECT_EQ(reply.result.status, STATUS_SUCCESS);
    EXPECT_EQ(reply.result.information, 0u);
    // The stats query itself is the second request checked.
    EXPECT_EQ(stats().ParametersChecked, 2u);
}

TEST_F(DeviceIoControlTest, InDirectDescribesTheCallersBufferWithAnMdl) {
    std::string data = "compare me";
    auto result = wskemu::device_io_control(device_, IOCTL_WSKEMU_COMPARE, wskemu::test::bytes_of(data),
                                            std::as_writable_bytes(std::span(data.data(), data.size())));
    EXPECT_EQ(result.status, STATUS_SUCCESS);
    EXPECT_EQ(result.information, data.size());
    std::string other = "compare us";
    result = wskemu::device_io_control(device_, IOCTL_WSKEMU_COMPARE, wskemu::test::bytes_of(data),
                                       std::as_writable_bytes(std::span(other.data(), other.size())));
    EXPECT_EQ(result.status, STATUS_DATA_ERROR);
}

TEST_F(DeviceIoControlTest, OutDirectWritesThroughTheMdl) {
    const auto reply = ioctl(device_, IOCTL_WSKEMU_FILL, "\x10", 5000);
    EXPECT_EQ(reply.result.status, STATUS_SUCCESS);
    EXPECT_EQ(reply.result.information, 5000u);
    for (std::size_t i = 0; i < reply.output.size(); ++i) {
        ASSERT_EQ(static_cast<unsigned char>(reply.output[i]), static_cast<unsigned char>(0x10 + i)) << i;
    }
}

TEST_F(DeviceIoControlTest, NeitherPassesTheCallersOwnAddresses) {
    const auto reply = ioctl(device_, IOCTL_WSKEMU_FLIP_CASE, "abc", 4);
    EXPECT_EQ(reply.result.status, STATUS_SUCCESS);
    EXPECT_EQ(reply.result.information, 3u);
    EXPECT_EQ(reply.output, std::string("ABC\xAA"));
}

TEST_F(DeviceIoControlTest, EveryMethodGetsItsBuffersAsTheIoManagerSetsThem) {
    ioctl(device_, IOCTL_WSKEMU_REVERSE, "abcd", 4);
    ioctl(device_, IOCTL_WSKEMU_REVERSE, "abcd", 0);
    ioctl(device_, IOCTL_WSKEMU_COMPARE, "abcd", 4);
    ioctl(device_, IOCTL_WSKEMU_COMPARE, "", 0);
    ioctl(device_, IOCTL_WSKEMU_FILL, "a", 64);
    ioctl(device_, IOCTL_WSKEMU_FLIP_CASE, "ab", 2);
    const auto s = stats();
    EXPECT_EQ(s.ParametersChecked, 7u);
    EXPECT_EQ(s.LastFileObject, reinterpret_cast<ULONG_PTR>(device_.file_object()));
}

TEST_F(DeviceIoControlTest, APendedRequestIsCompletedByTheDriversSystemThread) {
    const auto reply = ioctl(device_, IOCTL_WSKEMU_LATER, "abc", 3);
    EXPECT_EQ(reply.result.status, STATUS_SUCCESS);
    EXPECT_EQ(reply.result.information, 3u);
    EXPECT_EQ(reply.output, "bcd");
    EXPECT_EQ(stats().Pended, 1u);
}

TEST_F(DeviceIoControlTest, PendedRequestsFromSeveralThreadsAllComplete) {
    std::string outputs[4];
    std::thread threads[4];
    for (int i = 0; i < 4; ++i) {
        threads[i] = std::thread([&, i] { outputs[i] = ioctl(device_, IOCTL_WSKEMU_LATER, std::string(3, 'a' + i), 3).output; });
    }
    for (auto& t : threads) {
        t.join();
    }
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(outputs[i], std::string(3, static_cast<char>('b' + i)));
    }
    EXPECT_EQ(stats().Pended, 4u);
}

TEST_F(DeviceIoControlTest, CancelAfterCancelsARequestStillPending) {
    const auto reply = ioctl(device_, IOCTL_WSKEMU_WAIT_FOR_CANCEL, "x", 1, '\xAA', 20ms);
    EXPECT_EQ(reply.result.status, STATUS_CANCELLED);
    EXPECT_EQ(reply.result.information, 0u);
    EXPECT_EQ(reply.output, "\xAA");
    EXPECT_EQ(stats().Cancelled, 1u);
}

TEST_F(DeviceIoControlTest, AnUnknownCodeIsTheDriversToRefuse) {
    const auto reply = ioctl(device_, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x8FF, METHOD_BUFFERED, FILE_ANY_ACCESS), "", 4);
    EXPECT_EQ(reply.result.status, STATUS_INVALID_DEVICE_REQUEST);
}

// ---- dispatch routines that break the rules -------------------------------
// A C++ test driver whose IOCTL code says which rule to break.
constexpr ULONG break_nothing = CTL_CODE(FILE_DEVICE_UNKNOWN, 0xA00, METHOD_BUFFERED, FILE_ANY_ACCESS);
constexpr ULONG return_without_completing = CTL_CODE(FILE_DEVICE_UNKNOWN, 0xA01, METHOD_BUFFERED, FILE_ANY_ACCESS);
constexpr ULONG pending_without_mark = CTL_CODE(FILE_DEVICE_UNKNOWN, 0xA02, METHOD_BUFFERED, FILE_ANY_ACCESS);
constexpr ULONG mark_without_pending = CTL_CODE(FILE_DEVICE_UNKNOWN, 0xA03, METHOD_BUFFERED, FILE_ANY_ACCESS);
constexpr ULONG return_other_status = CTL_CODE(FILE_DEVICE_UNKNOWN, 0xA04, METHOD_BUFFERED, FILE_ANY_ACCESS);
constexpr ULONG information_past_output = CTL_CODE(FILE_DEVICE_UNKNOWN, 0xA05, METHOD_BUFFERED, FILE_ANY_ACCESS);

PIRP kept_irp;

NTSTATUS NTAPI complete_success(PDEVICE_OBJECT, PIRP irp) {
    irp->IoStatus.Status = STATUS_SUCCESS;
    irp->IoStatus.Information = 0;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI misbehave(PDEVICE_OBJECT, PIRP irp) {
    const ULONG code = IoGetCurrentIrpStackLocation(irp)->Parameters.DeviceIoControl.IoControlCode;
    irp->IoStatus.Status = STATUS_SUCCESS;
    irp->IoStatus.Information = 0;
    switch (code) {
    case return_without_completing:
        kept_irp = irp;
        return STATUS_SUCCESS;
    case pending_without_mark:
        IoCompleteRequest(irp, IO_NO_INCREMENT);
        return STATUS_PENDING;
    case mark_without_pending:
        IoMarkIrpPending(irp);
        IoCompleteRequest(irp, IO_NO_INCREMENT);
        return STATUS_SUCCESS;
    case return_other_status:
        IoCompleteRequest(irp, IO_NO_INCREMENT);
        return STATUS_UNSUCCESSFUL;
    case information_past_output:
        irp->IoStatus.Information = 64;
        IoCompleteRequest(irp, IO_NO_INCREMENT);
        return STATUS_SUCCESS;
    default:
        IoCompleteRequest(irp, IO_NO_INCREMENT);
        return STATUS_SUCCESS;
    }
}

void NTAPI misbehaving_unload(PDRIVER_OBJECT driver) { IoDeleteDevice(driver->DeviceObject); }

NTSTATUS NTAPI misbehaving_entry(PDRIVER_OBJECT driver, PUNICODE_STRING) {
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\WskemuMisbehaving");
    PDEVICE_OBJECT device = nullptr;
    const NTSTATUS status = IoCreateDevice(driver, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
    driver->MajorFunction[IRP_MJ_CREATE] = complete_success;
    driver->MajorFunction[IRP_MJ_CLOSE] = complete_success;
    driver->MajorFunction[IRP_MJ_DEVICE_CONTROL] = misbehave;
    driver->DriverUnload = misbehaving_unload;
    return status;
}

class DispatchRulesTest : public wskemu::test::kernel_test,
                          public ::testing::WithParamInterface<std::pair<ULONG, ULONG_PTR>> {};

TEST_P(DispatchRulesTest, BreakingTheRuleIsABugCheckNamingIt) {
    const ULONG code = GetParam().first;
    const ULONG_PTR rule = GetParam().second;
    wskemu::driver driver(misbehaving_entry, "wskemu_misbehaving");
    ASSERT_EQ(driver.start(), STATUS_SUCCESS);
    auto opened = wskemu::open_device(L"\\Device\\WskemuMisbehaving");
    ASSERT_EQ(opened.status, STATUS_SUCCESS);
    EXPECT_EQ(ioctl(opened.handle, break_nothing, "", 4).result.status, STATUS_SUCCESS);
    kept_irp = nullptr;
    try {
        wskemu::catch_bug_check([&] { ioctl(opened.handle, code, "", 8); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), code == information_past_output ? 0xC4u : 0xC9u) << e.what();
        EXPECT_EQ(e.parameters()[0], rule) << e.what();
    }
    if (kept_irp != nullptr) {
        // The driver completes it late; nothing may be left behind.
        kept_irp->IoStatus.Status = STATUS_SUCCESS;
        IoCompleteRequest(kept_irp, IO_NO_INCREMENT);
    }
    opened.handle.close();
    EXPECT_EQ(driver.unload(), wskemu::driver::unload_result::unloaded);
}

INSTANTIATE_TEST_SUITE_P(Rules, DispatchRulesTest,
                         ::testing::Values(std::pair<ULONG, ULONG_PTR>{return_without_completing, 0x226},
                                           std::pair<ULONG, ULONG_PTR>{pending_without_mark, 0x23D},
                                           std::pair<ULONG, ULONG_PTR>{mark_without_pending, 0x23E},
                                           std::pair<ULONG, ULONG_PTR>{return_other_status, 0x224},
                                           std::pair<ULONG, ULONG_PTR>{information_past_output, 0x1003}));

}  // namespace
