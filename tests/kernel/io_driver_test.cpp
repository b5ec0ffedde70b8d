// Tests of driver objects (src/kernel/io_driver.cpp, include/wskemu/driver.hpp):
// DriverEntry and DriverUnload as the I/O manager calls them, what a driver
// leaves behind, and drivers layered with IoGetDeviceObjectPointer and
// IoCallDriver (tests/drivers/forward_driver.c over ioctl_driver.c).
#include <gtest/gtest.h>

#include <ntddk.h>

#include <wskemu/bug_check.hpp>
#include <wskemu/device.hpp>
#include <wskemu/driver.hpp>

#include "drivers/forward_driver.h"
#include "drivers/ioctl_driver.h"
#include "support/device_test_support.hpp"
#include "support/kernel_fixture.hpp"

#include <string>

namespace {

using wskemu::test::ioctl;
using wskemu::test::query;
using unload_result = wskemu::driver::unload_result;

using DriverObjectTest = wskemu::test::kernel_test;

std::wstring text_of(const UNICODE_STRING& s) { return std::wstring(s.Buffer, s.Length / sizeof(WCHAR)); }

// What DriverEntry saw.
struct entry_view {
    PDRIVER_OBJECT object;
    std::wstring registry_path;
    KIRQL irql;
    bool every_major_function_set;
} seen;

NTSTATUS NTAPI looking_entry(PDRIVER_OBJECT driver, PUNICODE_STRING registry_path) {
    seen.object = driver;
    seen.registry_path = text_of(*registry_path);
    seen.irql = KeGetCurrentIrql();
    seen.every_major_function_set = true;
    for (auto* routine : driver->MajorFunction) {
        seen.every_major_function_set = seen.every_major_function_set && routine != nullptr;
    }
    return STATUS_SUCCESS;
}

TEST_F(DriverObjectTest, DriverEntryGetsItsObjectAndRegistryPathAtPassiveLevel) {
    wskemu::driver driver(looking_entry, "wskemu_look");
    seen = {};
    ASSERT_EQ(driver.start(), STATUS_SUCCESS);
    auto* object = static_cast<PDRIVER_OBJECT>(driver.driver_object());
    EXPECT_EQ(seen.object, object);
    EXPECT_EQ(seen.registry_path, L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\wskemu_look");
    EXPECT_EQ(seen.irql, PASSIVE_LEVEL);
    EXPECT_TRUE(seen.every_major_function_set);
    EXPECT_EQ(object->Type, IO_TYPE_DRIVER);
    EXPECT_EQ(text_of(object->DriverName), L"\\Driver\\wskemu_look");
    EXPECT_EQ(object->DriverInit, &looking_entry);
    ASSERT_NE(object->DriverExtension, nullptr);
    EXPECT_EQ(object->DriverExtension->DriverObject, object);
    EXPECT_EQ(text_of(object->DriverExtension->ServiceKeyName), L"wskemu_look");
    EXPECT_TRUE(driver.running());
    EXPECT_FALSE(driver.has_unload_routine());
    // No DriverUnload: the driver cannot be unloaded, as on Windows.
    EXPECT_EQ(driver.unload(), unload_result::no_unload_routine);
    EXPECT_TRUE(driver.running());
}

TEST_F(DriverObjectTest, DevicesCreatedInDriverEntryAreReadyOnceItReturns) {
    wskemu::driver driver(IoctlDriverEntry, "wskemu_ioctl");
    ASSERT_EQ(driver.start(), STATUS_SUCCESS);
    PDEVICE_OBJECT device = static_cast<PDRIVER_OBJECT>(driver.driver_object())->DeviceObject;
    ASSERT_NE(device, nullptr);
    EXPECT_EQ(device->Flags & DO_DEVICE_INITIALIZING, 0u);
    const auto devices = driver.devices();
    ASSERT_EQ(devices.size(), 1u);
    EXPECT_EQ(devices[0].name, "\\Device\\WskemuIoctl");
    EXPECT_EQ(devices[0].links, std::vector<std::string>{"\\DosDevices\\WskemuIoctl"});
    EXPECT_EQ(driver.unload(), unload_result::unloaded);
    EXPECT_FALSE(driver.running());
    EXPECT_TRUE(driver.leftovers().empty());
    EXPECT_EQ(driver.unload(), unload_result::not_running);
}

NTSTATUS NTAPI failing_entry(PDRIVER_OBJECT, PUNICODE_STRING) { return STATUS_DEVICE_NOT_READY; }

TEST_F(DriverObjectTest, AFailedDriverEntryLeavesTheDriverStopped) {
    wskemu::driver driver(failing_entry, "wskemu_failing");
    EXPECT_EQ(driver.start(), STATUS_DEVICE_NOT_READY);
    EXPECT_FALSE(driver.running());
    EXPECT_EQ(driver.unload(), unload_result::not_running);
    EXPECT_TRUE(driver.leftovers().empty());
    EXPECT_EQ(driver.start(), STATUS_INVALID_DEVICE_STATE);
}

NTSTATUS NTAPI sloppy_failing_entry(PDRIVER_OBJECT driver, PUNICODE_STRING) {
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\WskemuSloppy");
    UNICODE_STRING link = RTL_CONSTANT_STRING(L"\\DosDevices\\WskemuSloppy");
    PDEVICE_OBJECT device = nullptr;
    IoCreateDevice(driver, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
    IoCreateSymbolicLink(&link, &name);
    return STATUS_INSUFFICIENT_RESOURCES;  // without deleting either
}

TEST_F(DriverObjectTest, WhatAFailedDriverEntryLeftIsReportedAndRemoved) {
    {
        wskemu::driver driver(sloppy_failing_entry, "wskemu_sloppy");
        EXPECT_EQ(driver.start(), STATUS_INSUFFICIENT_RESOURCES);
        EXPECT_EQ(driver.leftovers(),
                  (std::vector<std::string>{"device \\Device\\WskemuSloppy was not deleted",
                                            "symbolic link \\DosDevices\\WskemuSloppy -> \\Device\\WskemuSloppy was "
                                            "not deleted"}));
    }
    // The destructor removed both: the names are free again.
    wskemu::driver again(sloppy_failing_entry, "wskemu_sloppy");
    EXPECT_EQ(again.start(), STATUS_INSUFFICIENT_RESOURCES);
    EXPECT_EQ(again.leftovers().size(), 2u);
}

void NTAPI unload_forgetting_link(PDRIVER_OBJECT driver) { IoDeleteDevice(driver->DeviceObject); }

NTSTATUS NTAPI entry_with_link(PDRIVER_OBJECT driver, PUNICODE_STRING) {
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"\\Device\\WskemuForgetful");
    UNICODE_STRING link = RTL_CONSTANT_STRING(L"\\??\\WskemuForgetful");
    PDEVICE_OBJECT device = nullptr;
    NTSTATUS status = IoCreateDevice(driver, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device);
    if (NT_SUCCESS(status)) {
        status = IoCreateSymbolicLink(&link, &name);
    }
    driver->DriverUnload = unload_forgetting_link;
    return status;
}

TEST_F(DriverObjectTest, ALinkLeftByDriverUnloadIsReported) {
    wskemu::driver driver(entry_with_link, "wskemu_forgetful");
    ASSERT_EQ(driver.start(), STATUS_SUCCESS);
    EXPECT_EQ(driver.unload(), unload_result::unloaded);
    EXPECT_EQ(driver.leftovers(), std::vector<std::string>{"symbolic link \\??\\WskemuForgetful -> "
                                                           "\\Device\\WskemuForgetful was not deleted"});
}

TEST_F(DriverObjectTest, UnloadWaitsUntilNoFileIsOpen) {
    wskemu::driver driver(IoctlDriverEntry, "wskemu_ioctl");
    ASSERT_EQ(driver.start(), STATUS_SUCCESS);
    auto opened = wskemu::open_device(IOCTL_DRIVER_DEVICE_NAME);
    ASSERT_EQ(opened.status, STATUS_SUCCESS);
    EXPECT_EQ(driver.unload(), unload_result::handles_open);
    EXPECT_TRUE(driver.running());
    opened.handle.close();
    EXPECT_EQ(driver.unload(), unload_result::unloaded);
}

NTSTATUS NTAPI bug_checking_entry(PDRIVER_OBJECT, PUNICODE_STRING) {
    KeBugCheckEx(0xDEAD, 1, 2, 3, 4);
    return STATUS_SUCCESS;
}

TEST_F(DriverObjectTest, ABugCheckInDriverEntryReachesTheCaller) {
    wskemu::driver driver(bug_checking_entry, "wskemu_bug_check");
    EXPECT_THROW(wskemu::catch_bug_check([&] { driver.start(); }), wskemu::bug_check_error);
    EXPECT_FALSE(driver.running());
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

NTSTATUS NTAPI raising_entry(PDRIVER_OBJECT, PUNICODE_STRING) {
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    return STATUS_SUCCESS;
}

TEST_F(DriverObjectTest, DriverEntryReturningAtAnotherIrqlIsABugCheck) {
    wskemu::driver driver(raising_entry, "wskemu_raising");
    try {
        wskemu::catch_bug_check([&] { driver.start(); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), 0xAu);
    }
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

// ---- layered drivers --------------------------------------------------------

TEST_F(DriverObjectTest, AnUpperDriverForwardsIrpsWithIoCallDriver) {
    wskemu::driver lower(IoctlDriverEntry, "wskemu_ioctl");
    ASSERT_EQ(lower.start(), STATUS_SUCCESS);
    {
        wskemu::driver upper(ForwardDriverEntry, "wskemu_forward");
        ASSERT_EQ(upper.start(), STATUS_SUCCESS);
        auto opened = wskemu::open_device(FORWARD_DRIVER_DEVICE_NAME);
        ASSERT_EQ(opened.status, STATUS_SUCCESS);

        // Completed inline by the lower driver.
        auto reply = ioctl(opened.handle, IOCTL_WSKEMU_REVERSE, "abc", 3);
        EXPECT_EQ(reply.result.status, STATUS_SUCCESS);
        EXPECT_EQ(reply.output, "cba");
        // Pended by the lower driver: the completion routine propagates it.
        reply = ioctl(opened.handle, IOCTL_WSKEMU_LATER, "abc", 3);
        EXPECT_EQ(reply.result.status, STATUS_SUCCESS);
        EXPECT_EQ(reply.output, "bcd");
        // Direct I/O: the MDL travels with the IRP.
        reply = ioctl(opened.handle, IOCTL_WSKEMU_FILL, "\x01", 16);
        EXPECT_EQ(reply.result.information, 16u);
        EXPECT_EQ(reply.output[15], '\x10');

        const auto stats = query<FORWARD_DRIVER_STATS>(opened.handle, IOCTL_FORWARD_STATS);
        EXPECT_EQ(stats.Forwarded, 3u);
        EXPECT_EQ(stats.PendingReturned, 1u);
        EXPECT_EQ(stats.StackSize, stats.LowerStackSize + 1);
        // IoGetDeviceObjectPointer opened the lower device and closed its handle.
        EXPECT_EQ(stats.Lower.Creates, 1u);
        EXPECT_EQ(stats.Lower.Cleanups, 1u);
        EXPECT_EQ(stats.Lower.Closes, 0u);
        EXPECT_EQ(stats.Lower.LastRequestorMode, ULONG{KernelMode});
        opened.handle.close();
        EXPECT_EQ(upper.unload(), unload_result::unloaded);
        EXPECT_TRUE(upper.leftovers().empty());
    }
    // The upper driver's ObDereferenceObject sent the lower one IRP_MJ_CLOSE.
    auto direct = wskemu::open_device(IOCTL_DRIVER_DEVICE_NAME);
    ASSERT_EQ(direct.status, STATUS_SUCCESS);
    const auto stats = query<IOCTL_DRIVER_STATS>(direct.handle, IOCTL_WSKEMU_STATS);
    EXPECT_EQ(stats.Creates, 2u);
    EXPECT_EQ(stats.Closes, 1u);
    direct.handle.close();
    EXPECT_EQ(lower.unload(), unload_result::unloaded);
}

TEST_F(DriverObjectTest, AnUpperDriverNeedsItsLowerDevice) {
    wskemu::driver upper(ForwardDriverEntry, "wskemu_forward");
    EXPECT_EQ(upper.start(), STATUS_OBJECT_NAME_NOT_FOUND);
    EXPECT_TRUE(upper.leftovers().empty());
}

}  // namespace
