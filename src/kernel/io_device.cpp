// wskemu: device objects, symbolic links and name lookup, the part of the
// device model that DriverEntry code calls and that opening a device uses.
#include "io_device.hpp"

#include "bug_check.hpp"

#include <fmt/format.h>

#include <cstring>
#include <map>
#include <mutex>
#include <new>

namespace {

struct device_namespace {
    std::mutex lock;
    std::map<std::wstring, PDEVICE_OBJECT> devices;  // by folded name
    struct link {
        std::wstring name;  // as created
        std::wstring target;
    };
    std::map<std::wstring, link> links;  // by canonical folded name
};

device_namespace& names() {
    static device_namespace* const instance = new device_namespace();
    return *instance;
}

std::wstring to_wstring(PCUNICODE_STRING name) {
    return std::wstring(name->Buffer, name->Length / sizeof(WCHAR));
}

// Object names compare case-insensitively (ASCII letters are enough for the
// names drivers use).
std::wstring fold(std::wstring_view name) {
    std::wstring folded(name);
    for (auto& c : folded) {
        if (c >= L'a' && c <= L'z') {
            c = static_cast<wchar_t>(c - L'a' + L'A');
        }
    }
    return folded;
}

bool starts_with_folded(const std::wstring& folded, std::wstring_view prefix) {
    return folded.compare(0, prefix.size(), prefix) == 0;
}

// \DosDevices, \DosDevices\Global, \GLOBAL??, \??\Global and the Win32
// prefix \\.\ all name the one \?? directory (there is one session here).
std::wstring canonical(std::wstring_view name) {
    static constexpr std::wstring_view aliases[] = {L"\\\\.\\", L"\\DOSDEVICES\\GLOBAL\\", L"\\DOSDEVICES\\",
                                                    L"\\GLOBAL??\\", L"\\??\\GLOBAL\\"};
    std::wstring path(name);
    const std::wstring folded = fold(path);
    for (const auto alias : aliases) {
        if (starts_with_folded(folded, alias)) {
            return L"\\??\\" + path.substr(alias.size());
        }
    }
    return path;
}

// The block behind a DEVICE_OBJECT: the object, then what IoDeleteDevice and
// the last close need.
struct device_block {
    DEVICE_OBJECT device;
    std::wstring name;
    bool delete_pending = false;  // deleted while files were open on it
};

device_block* block_of(PDEVICE_OBJECT device) { return reinterpret_cast<device_block*>(device); }

void free_device(PDEVICE_OBJECT device) {
    ::operator delete(device->DeviceExtension);
    delete block_of(device);
}

}  // namespace

namespace wskemu::kernel {

NTSTATUS reference_device_by_name(std::wstring_view name, named_device& found) {
    auto& n = names();
    std::lock_guard guard(n.lock);
    std::wstring path = canonical(name);
    // A link may name another link; a loop ends here.
    for (int depth = 0; depth < 16; ++depth) {
        if (path.empty() || path[0] != L'\\') {
            return STATUS_OBJECT_NAME_INVALID;
        }
        const std::wstring folded = fold(path);
        if (starts_with_folded(folded, L"\\??\\")) {
            const auto end = folded.find(L'\\', 4);
            const auto link = n.links.find(folded.substr(0, end));
            if (link == n.links.end()) {
                return STATUS_OBJECT_NAME_NOT_FOUND;
            }
            path = canonical(link->second.target) + (end == std::wstring::npos ? L"" : path.substr(end));
            continue;
        }
        // The object manager's parse stops at the first device on the path;
        // the rest is the file name.
        for (auto end = folded.find(L'\\', 1);; end = folded.find(L'\\', end + 1)) {
            const auto device = n.devices.find(folded.substr(0, end));
            if (device != n.devices.end()) {
                PDEVICE_OBJECT d = device->second;
                if (d->Flags & DO_DEVICE_INITIALIZING) {
                    return STATUS_NO_SUCH_DEVICE;
                }
                if ((d->Flags & DO_EXCLUSIVE) && d->ReferenceCount != 0) {
                    return STATUS_ACCESS_DENIED;
                }
                ++d->ReferenceCount;
                found.device = d;
                found.remaining_name = end == std::wstring::npos ? L"" : path.substr(end);
                return STATUS_SUCCESS;
            }
            if (end == std::wstring::npos) {
                return STATUS_OBJECT_NAME_NOT_FOUND;
            }
        }
    }
    return STATUS_OBJECT_NAME_NOT_FOUND;
}

void release_device_reference(PDEVICE_OBJECT device) {
    auto& n = names();
    bool free_it = false;
    {
        std::lock_guard guard(n.lock);
        free_it = --device->ReferenceCount == 0 && block_of(device)->delete_pending;
    }
    if (free_it) {
        free_device(device);
    }
}

std::wstring device_name(PDEVICE_OBJECT device) {
    auto& n = names();
    std::lock_guard guard(n.lock);
    return block_of(device)->name;
}

std::vector<std::wstring> links_to(std::wstring_view device_name) {
    auto& n = names();
    std::lock_guard guard(n.lock);
    const std::wstring folded = fold(canonical(device_name));
    std::vector<std::wstring> links;
    for (const auto& [key, link] : n.links) {
        if (fold(canonical(link.target)) == folded) {
            links.push_back(link.name);
        }
    }
    return links;
}

}  // namespace wskemu::kernel

/* IoCreateDevice (ntoskrnl) */
extern "C" NTSTATUS NTAPI IoCreateDevice(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize,
                                         PUNICODE_STRING DeviceName, DEVICE_TYPE DeviceType,
                                         ULONG DeviceCharacteristics, BOOLEAN Exclusive,
                                         PDEVICE_OBJECT* DeviceObject) {
    if (DriverObject == nullptr || DeviceObject == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    std::wstring name = DeviceName != nullptr ? to_wstring(DeviceName) : std::wstring();
    const std::wstring key = fold(name);
    auto& n = names();
    std::lock_guard guard(n.lock);
    if (!name.empty() && n.devices.count(key) != 0) {
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
        n.devices.emplace(key, device);
    }
    *DeviceObject = device;
    return STATUS_SUCCESS;
}

/* IoDeleteDevice (ntoskrnl): a device with files still open on it leaves the
 * namespace and its driver's list now and is freed by the last close. */
extern "C" VOID NTAPI IoDeleteDevice(PDEVICE_OBJECT DeviceObject) {
    auto* block = block_of(DeviceObject);
    auto& n = names();
    {
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
            n.devices.erase(fold(block->name));
        }
        if (DeviceObject->ReferenceCount != 0) {
            block->delete_pending = true;
            return;
        }
    }
    free_device(DeviceObject);
}

/* IoCreateSymbolicLink (ntoskrnl) */
extern "C" NTSTATUS NTAPI IoCreateSymbolicLink(PUNICODE_STRING SymbolicLinkName, PUNICODE_STRING DeviceName) {
    if (SymbolicLinkName == nullptr || DeviceName == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    auto& n = names();
    std::lock_guard guard(n.lock);
    const std::wstring name = to_wstring(SymbolicLinkName);
    const bool inserted = n.links.try_emplace(fold(canonical(name)), device_namespace::link{name, to_wstring(DeviceName)}).second;
    return inserted ? STATUS_SUCCESS : STATUS_OBJECT_NAME_COLLISION;
}

/* IoDeleteSymbolicLink (ntoskrnl) */
extern "C" NTSTATUS NTAPI IoDeleteSymbolicLink(PUNICODE_STRING SymbolicLinkName) {
    if (SymbolicLinkName == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    auto& n = names();
    std::lock_guard guard(n.lock);
    return n.links.erase(fold(canonical(to_wstring(SymbolicLinkName)))) != 0 ? STATUS_SUCCESS
                                                                              : STATUS_OBJECT_NAME_NOT_FOUND;
}
