// Tests of device objects and symbolic links (src/kernel/io_device.cpp),
// through a driver's DriverEntry and DriverUnload.
#include <gtest/gtest.h>

#include <wdm.h>

#include <wskemu/bug_check.hpp>

#include "drivers/device_driver.h"
#include "support/kernel_fixture.hpp"

namespace {

using IoCreateDeviceTest = wskemu::test::kernel_test;

TEST_F(IoCreateDeviceTest, DriverEntryCreatesADeviceAndUnloadDeletesIt) {
    DRIVER_OBJECT driver{};
    UNICODE_STRING registry = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\t");
    ASSERT_EQ(DeviceDriverEntry(&driver, &registry), STATUS_SUCCESS);
    PDEVICE_OBJECT device = driver.DeviceObject;
    ASSERT_NE(device, nullptr);
    EXPECT_EQ(device->Type, IO_TYPE_DEVICE);
    EXPECT_EQ(device->DriverObject, &driver);
    EXPECT_EQ(device->DeviceType, static_cast<DEVICE_TYPE>(FILE_DEVICE_UNKNOWN));
    EXPECT_EQ(device->StackSize, 1);
    EXPECT_EQ(device->Flags & DO_DEVICE_INITIALIZING, 0u);
    EXPECT_NE(device->Flags & DO_BUFFERED_IO, 0u);
    EXPECT_EQ(*static_cast<ULONG*>(device->DeviceExtension), 0x57534B45u);
    EXPECT_EQ(driver.DriverUnload, &DeviceDriverUnload);

    // A second driver asking for the same name collides.
    DRIVER_OBJECT other{};
    EXPECT_EQ(DeviceDriverEntry(&other, &registry), STATUS_OBJECT_NAME_COLLISION);
    EXPECT_EQ(other.DeviceObject, nullptr);

    driver.DriverUnload(&driver);
    EXPECT_EQ(driver.DeviceObject, nullptr);
    // The name is free again.
    ASSERT_EQ(DeviceDriverEntry(&other, &registry), STATUS_SUCCESS);
    other.DriverUnload(&other);
}

TEST_F(IoCreateDeviceTest, UnnamedDevicesChainOnTheDriver) {
    DRIVER_OBJECT driver{};
    PDEVICE_OBJECT first = nullptr;
    PDEVICE_OBJECT second = nullptr;
    ASSERT_EQ(IoCreateDevice(&driver, 0, nullptr, FILE_DEVICE_NETWORK, 0, TRUE, &first), STATUS_SUCCESS);
    ASSERT_EQ(IoCreateDevice(&driver, 16, nullptr, FILE_DEVICE_NETWORK, 0, FALSE, &second), STATUS_SUCCESS);
    EXPECT_EQ(driver.DeviceObject, second);
    EXPECT_EQ(second->NextDevice, first);
    EXPECT_EQ(first->DeviceExtension, nullptr);
    EXPECT_NE(first->Flags & DO_EXCLUSIVE, 0u);
    IoDeleteDevice(first);
    EXPECT_EQ(driver.DeviceObject, second);
    EXPECT_EQ(second->NextDevice, nullptr);
    IoDeleteDevice(second);
    EXPECT_EQ(driver.DeviceObject, nullptr);
}

TEST_F(IoCreateDeviceTest, SymbolicLinksAreUniqueUntilDeleted) {
    UNICODE_STRING link = RTL_CONSTANT_STRING(L"\\DosDevices\\WskemuLink");
    UNICODE_STRING target = RTL_CONSTANT_STRING(L"\\Device\\WskemuLinkTarget");
    EXPECT_EQ(IoCreateSymbolicLink(&link, &target), STATUS_SUCCESS);
    EXPECT_EQ(IoCreateSymbolicLink(&link, &target), STATUS_OBJECT_NAME_COLLISION);
    EXPECT_EQ(IoDeleteSymbolicLink(&link), STATUS_SUCCESS);
    EXPECT_EQ(IoDeleteSymbolicLink(&link), STATUS_OBJECT_NAME_NOT_FOUND);
}

TEST_F(IoCreateDeviceTest, DeletingADeviceOfAnotherDriverIsABugCheck) {
    DRIVER_OBJECT driver{};
    PDEVICE_OBJECT device = nullptr;
    ASSERT_EQ(IoCreateDevice(&driver, 0, nullptr, FILE_DEVICE_UNKNOWN, 0, FALSE, &device), STATUS_SUCCESS);
    device->DriverObject = nullptr;
    DRIVER_OBJECT stranger{};
    device->DriverObject = &stranger;
    EXPECT_THROW(wskemu::catch_bug_check([&] { IoDeleteDevice(device); }), wskemu::bug_check_error);
    device->DriverObject = &driver;
    IoDeleteDevice(device);
}

}  // namespace
