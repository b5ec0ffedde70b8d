// wskemu: device objects and symbolic links, the part of the device model
// that DriverEntry code calls. Sending IRPs to them from user mode belongs to
// the host program (docs/kernel.md).
#include <wdm.h>

#include "bug_check.hpp"
#include "log.hpp"

#include <fmt/format.h>

#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <string>

namespace {

struct device_names {
    std::mutex lock;
    std::map<std::wstring, PDEVICE_OBJECT> devices;
    std::map<std::wstring, std::wstring> links;
};

device_names& names() {
    static device_names* const instance = new device_names();
    return *instance;
}

std::wstring to_wstring(PCUNICODE_STRING name) {
    return std::wstring(name->Buffer, name->Length / sizeof(WCHAR));
}

// The block behind a DEVICE_OBJECT: the object, then its extension, then the
// name (so that IoDeleteDevice can drop it from the namespace).
struct device_block {
    DEVICE_OBJECT device;
    std::wstring name;
};

}  // namespace

/* IoCreateDevice (ntoskrnl) */
extern "C" NTSTATUS NTAPI IoCreateDevice(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize,
                                         PUNICODE_STRING DeviceName, DEVICE_TYPE DeviceType,
                                         ULONG DeviceCharacteristics, BOOLEAN Exclusive,
                                         PDEVICE_OBJECT* DeviceObject) {
    if (DriverObject == nullptr || DeviceObject == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    std::wstring name = DeviceName != nullptr ? to_wstring(DeviceName) : std::wstring();
    auto& n = names();
    std::lock_guard guard(n.lock);
    if (!name.empty() && n.devices.count(name) != 0) {
        return STATUS_OBJECT_NAME_COLLISION;
    }
    auto* block = new (std::nothrow) device_block{};
    void* extension = DeviceExtensionSize != 0 ? ::operator new(DeviceExtensionSize, std::nothrow) : nullptr;
    if (block == nullptr || (DeviceExtensionSize != 0 && extension == nullptr)) {
        delete block;
        ::operator delete(extension);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    if (extension != nullptr) {
        std::memset(extension, 0, DeviceExtensionSize);
    }
    PDEVICE_OBJECT device = &block->device;
    device->Type = IO_TYPE_DEVICE;
    device->Size = static_cast<USHORT>(sizeof(DEVICE_OBJECT) + DeviceExtensionSize);
    device->ReferenceCount = 0;
    device->DriverObject = DriverObject;
    device->DeviceType = DeviceType;
    device->Characteristics = DeviceCharacteristics;
    device->Flags = DO_DEVICE_INITIALIZING | (Exclusive ? DO_EXCLUSIVE : 0);
    device->DeviceExtension = extension;
    device->StackSize = 1;
    device->AlignmentRequirement = 0;
    device->SectorSize = 0;
    KeInitializeEvent(&device->DeviceLock, SynchronizationEvent, TRUE);
    device->NextDevice = DriverObject->DeviceObject;
    DriverObject->DeviceObject = device;
    block->name = name;
    if (!name.empty()) {
        n.devices.emplace(name, device);
    }
    *DeviceObject = device;
    return STATUS_SUCCESS;
}

/* IoDeleteDevice (ntoskrnl) */
extern "C" VOID NTAPI IoDeleteDevice(PDEVICE_OBJECT DeviceObject) {
    auto* block = reinterpret_cast<device_block*>(DeviceObject);
    auto& n = names();
    std::lock_guard guard(n.lock);
    PDRIVER_OBJECT driver = DeviceObject->DriverObject;
    PDEVICE_OBJECT* link = &driver->DeviceObject;
    while (*link != nullptr && *link != DeviceObject) {
        link = &(*link)->NextDevice;
    }
    if (*link == nullptr) {
        wskemu::kernel::raise_bug_check(
            DRIVER_VERIFIER_DETECTED_VIOLATION, 0x1002, reinterpret_cast<ULONG_PTR>(DeviceObject), 0, 0,
            fmt::format("IoDeleteDevice: {} is not a device of driver {}", static_cast<void*>(DeviceObject),
                        static_cast<void*>(driver)));
    }
    *link = DeviceObject->NextDevice;
    if (!block->name.empty()) {
        n.devices.erase(block->name);
    }
    ::operator delete(DeviceObject->DeviceExtension);
    delete block;
}

/* IoCreateSymbolicLink (ntoskrnl) */
extern "C" NTSTATUS NTAPI IoCreateSymbolicLink(PUNICODE_STRING SymbolicLinkName, PUNICODE_STRING DeviceName) {
    if (SymbolicLinkName == nullptr || DeviceName == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    auto& n = names();
    std::lock_guard guard(n.lock);
    auto [it, inserted] = n.links.emplace(to_wstring(SymbolicLinkName), to_wstring(DeviceName));
    (void)it;
    return inserted ? STATUS_SUCCESS : STATUS_OBJECT_NAME_COLLISION;
}

/* IoDeleteSymbolicLink (ntoskrnl) */
extern "C" NTSTATUS NTAPI IoDeleteSymbolicLink(PUNICODE_STRING SymbolicLinkName) {
    if (SymbolicLinkName == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    auto& n = names();
    std::lock_guard guard(n.lock);
    return n.links.erase(to_wstring(SymbolicLinkName)) != 0 ? STATUS_SUCCESS : STATUS_OBJECT_NAME_NOT_FOUND;
}
