// Tests of opening and closing devices (src/kernel/io_file.cpp, the name
// lookup of src/kernel/io_device.cpp) through include/wskemu/device.hpp,
// with the C test drivers in tests/drivers.
#include <gtest/gtest.h>

#include <ntddk.h>

#include <wskemu/device.hpp>
#include <wskemu/driver.hpp>

#include "drivers/bare_driver.h"
#include "drivers/device_driver.h"
#include "drivers/ioctl_driver.h"
#include "support/device_test_support.hpp"
#include "support/kernel_fixture.hpp"

#include <string>

namespace {

using wskemu::test::query;

using DeviceOpenTest = wskemu::test::kernel_test;

TEST_F(DeviceOpenTest, UnknownAndMalformedNamesFail) {
    EXPECT_EQ(wskemu::open_device(L"\\Device\\WskemuNowhere").status, STATUS_OBJECT_NAME_NOT_FOUND);
    EXPECT_EQ(wskemu::open_device(L"\\DosDevices\\WskemuNowhere").status, STATUS_OBJECT_NAME_NOT_FOUND);
    EXPECT_EQ(wskemu::open_device(L"\\\\.\\WskemuNowhere").status, STATUS_OBJECT_NAME_NOT_FOUND);
    EXPECT_EQ(wskemu::open_device(L"WskemuIoctl").status, STATUS_OBJECT_NAME_INVALID);
    EXPECT_EQ(wskemu::open_device(L"").status, STATUS_OBJECT_NAME_INVALID);
    auto opened = wskemu::open_device("\\Device\\WskemuNowhere");
    EXPECT_EQ(opened.status, STATUS_OBJECT_NAME_NOT_FOUND);
    EXPECT_FALSE(opened.handle.is_open());
}

TEST_F(DeviceOpenTest, EveryFormOfTheNameReachesTheDevice) {
    wskemu::driver driver(IoctlDriverEntry, "wskemu_ioctl");
    ASSERT_EQ(driver.start(), STATUS_SUCCESS);
    for (const wchar_t* name : {L"\\Device\\WskemuIoctl", L"\\DosDevices\\WskemuIoctl", L"\\??\\WskemuIoctl",
                                L"\\\\.\\WskemuIoctl", L"\\GLOBAL??\\WskemuIoctl",
                                L"\\DosDevices\\Global\\WskemuIoctl", L"\\device\\WSKEMUIOCTL"}) {
        auto opened = wskemu::open_device(name);
        EXPECT_EQ(opened.status, STATUS_SUCCESS) << std::wstring(name).size();
        EXPECT_TRUE(opened.handle.is_open());
    }
    auto narrow = wskemu::open_device("\\\\.\\WskemuIoctl");
    ASSERT_EQ(narrow.status, STATUS_SUCCESS);
    const auto stats = query<IOCTL_DRIVER_STATS>(narrow.handle, IOCTL_WSKEMU_STATS);
    EXPECT_EQ(stats.Creates, 8u);
    EXPECT_EQ(stats.Cleanups, 7u);
    EXPECT_EQ(stats.Closes, 7u);
    narrow.handle.close();
    EXPECT_EQ(driver.unload(), wskemu::driver::unload_result::unloaded);
}

TEST_F(DeviceOpenTest, CreateCleanupAndCloseReachTheDriver) {
    wskemu::driver driver(IoctlDriverEntry, "wskemu_ioctl");
    ASSERT_EQ(driver.start(), STATUS_SUCCESS);
    auto control = wskemu::open_device(IOCTL_DRIVER_LINK_NAME);
    ASSERT_EQ(control.status, STATUS_SUCCESS);
    auto stats = query<IOCTL_DRIVER_STATS>(control.handle, IOCTL_WSKEMU_STATS);
    EXPECT_EQ(stats.Creates, 1u);
    EXPECT_EQ(stats.LastFileNameBytes, 0u);
    EXPECT_EQ(stats.LastCreateAccess & (FILE_READ_DATA | FILE_WRITE_DATA), ULONG{FILE_READ_DATA | FILE_WRITE_DATA});
    EXPECT_EQ(stats.LastRequestorMode, ULONG{UserMode});
    EXPECT_EQ(stats.LastFileObject, reinterpret_cast<ULONG_PTR>(control.handle.file_object()));

    // The rest of the name past the device is the file object's FileName.
    auto sub = wskemu::open_device(L"\\??\\WskemuIoctl\\sub\\file");
    ASSERT_EQ(sub.status, STATUS_SUCCESS);
    stats = query<IOCTL_DRIVER_STATS>(sub.handle, IOCTL_WSKEMU_STATS);
    EXPECT_EQ(stats.Creates, 2u);
    EXPECT_EQ(stats.LastFileNameBytes, std::wstring(L"\\sub\\file").size() * sizeof(WCHAR));
    EXPECT_EQ(std::wstring(stats.LastFileName), L"\\sub\\file");
    EXPECT_EQ(stats.LastFileObject, reinterpret_cast<ULONG_PTR>(sub.handle.file_object()));
    EXPECT_NE(sub.handle.file_object(), control.handle.file_object());
    auto* file = static_cast<PFILE_OBJECT>(sub.handle.file_object());
    EXPECT_EQ(file->Type, IO_TYPE_FILE);
    EXPECT_EQ(file->DeviceObject, static_cast<PDRIVER_OBJECT>(driver.driver_object())->DeviceObject);
    EXPECT_EQ(file->DeviceObject->ReferenceCount, 2);

    sub.handle.close();
    EXPECT_FALSE(sub.handle.is_open());
    stats = query<IOCTL_DRIVER_STATS>(control.handle, IOCTL_WSKEMU_STATS);
    EXPECT_EQ(stats.Cleanups, 1u);
    EXPECT_EQ(stats.Closes, 1u);
    control.handle.close();
    EXPECT_EQ(driver.unload(), wskemu::driver::unload_result::unloaded);
}

TEST_F(DeviceOpenTest, ADriverWithoutACreateRoutineRefusesOpens) {
    wskemu::driver driver(BareDriverEntry, "wskemu_bare");
    ASSERT_EQ(driver.start(), STATUS_SUCCESS);
    auto opened = wskemu::open_device(BARE_DRIVER_DEVICE_NAME);
    EXPECT_EQ(opened.status, STATUS_INVALID_DEVICE_REQUEST);
    EXPECT_FALSE(opened.handle.is_open());
    EXPECT_EQ(driver.unload(), wskemu::driver::unload_result::unloaded);
    EXPECT_TRUE(driver.leftovers().empty());
}

TEST_F(DeviceOpenTest, ADriverWithoutADeviceControlRoutineRefusesIoctls) {
    wskemu::driver driver(DeviceDriverEntry, "wskemu_device");
    ASSERT_EQ(driver.start(), STATUS_SUCCESS);
    auto opened = wskemu::open_device(L"\\\\.\\WskemuTest");
    ASSERT_EQ(opened.status, STATUS_SUCCESS);
    const auto reply = wskemu::test::ioctl(opened.handle, IOCTL_WSKEMU_REVERSE, "abc", 8);
    EXPECT_EQ(reply.result.status, STATUS_INVALID_DEVICE_REQUEST);
    EXPECT_EQ(reply.result.information, 0u);
    EXPECT_EQ(reply.output, std::string(8, '\xAA'));
    opened.handle.close();
    EXPECT_EQ(driver.unload(), wskemu::driver::unload_result::unloaded);
}

TEST_F(DeviceOpenTest, InitialisingAndExclusiveDevicesRefuseOpens) {
    wskemu::driver driver(DeviceDriverEntry, "wskemu_device");
    ASSERT_EQ(driver.start(), STATUS_SUCCESS);
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\WskemuExclusive");
    PDEVICE_OBJECT device = nullptr;
    ASSERT_EQ(IoCreateDevice(static_cast<PDRIVER_OBJECT>(driver.driver_object()), 0, &name, FILE_DEVICE_UNKNOWN, 0,
                             TRUE, &device),
              STATUS_SUCCESS);
    // Created after DriverEntry: the driver has to clear the flag itself.
    EXPECT_EQ(wskemu::open_device(L"\\Device\\WskemuExclusive").status, STATUS_NO_SUCH_DEVICE);
    device->Flags &= ~DO_DEVICE_INITIALIZING;
    {
        auto first = wskemu::open_device(L"\\Device\\WskemuExclusive");
        ASSERT_EQ(first.status, STATUS_SUCCESS);
        EXPECT_EQ(wskemu::open_device(L"\\Device\\WskemuExclusive").status, STATUS_ACCESS_DENIED);
    }
    auto again = wskemu::open_device(L"\\Device\\WskemuExclusive");
    EXPECT_EQ(again.status, STATUS_SUCCESS);
    again.handle.close();
    IoDeleteDevice(device);
    EXPECT_EQ(driver.unload(), wskemu::driver::unload_result::unloaded);
}

TEST_F(DeviceOpenTest, ADeviceDeletedWhileOpenLivesUntilTheLastClose) {
    wskemu::driver driver(DeviceDriverEntry, "wskemu_device");
    ASSERT_EQ(driver.start(), STATUS_SUCCESS);
    auto opened = wskemu::open_device(L"\\Device\\WskemuTest");
    ASSERT_EQ(opened.status, STATUS_SUCCESS);
    // As the driver would in an IRP_MJ_... path: the name goes at once.
    IoDeleteDevice(static_cast<PDRIVER_OBJECT>(driver.driver_object())->DeviceObject);
    EXPECT_EQ(wskemu::open_device(L"\\Device\\WskemuTest").status, STATUS_OBJECT_NAME_NOT_FOUND);
    // The open file still reaches the driver (AddressSanitizer checks the
    // device is still there), and the close frees it.
    EXPECT_EQ(wskemu::test::ioctl(opened.handle, IOCTL_WSKEMU_STATS, "", 4).result.status,
              STATUS_INVALID_DEVICE_REQUEST);
    opened.handle.close();
    EXPECT_EQ(driver.unload(), wskemu::driver::unload_result::unloaded);
}

TEST_F(DeviceOpenTest, AClosedHandleIsRefused) {
    wskemu::device_handle closed;
    std::byte out[4];
    EXPECT_EQ(wskemu::device_io_control(closed, IOCTL_WSKEMU_STATS, {}, out).status, STATUS_INVALID_HANDLE);
}

}  // namespace
