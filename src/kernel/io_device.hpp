// wskemu: the object namespace of the device model: device names, symbolic
// links, and the references open files hold on devices.
#pragma once

#include <wdm.h>

#include <string>
#include <string_view>
#include <vector>

namespace wskemu::kernel {

/// A device found by name, with the part of the name past the device (the
/// file name an IRP_MJ_CREATE carries, "" or starting with a backslash).
struct named_device {
    PDEVICE_OBJECT device = nullptr;
    std::wstring remaining_name;
};

/// Resolves @p name as the object manager does (a device name such as
/// \Device\X, a symbolic link \DosDevices\X, \??\X, \GLOBAL??\X, or the Win32
/// form \\.\X; case-insensitive) and takes a reference on the device for an
/// open file. Fails with STATUS_OBJECT_NAME_INVALID, STATUS_OBJECT_NAME_NOT_FOUND,
/// STATUS_NO_SUCH_DEVICE (still initialising) or STATUS_ACCESS_DENIED
/// (exclusive and already open).
NTSTATUS reference_device_by_name(std::wstring_view name, named_device& found);

/// Drops a reference taken by reference_device_by_name; frees a device that
/// IoDeleteDevice deleted while files were open on it.
void release_device_reference(PDEVICE_OBJECT device);

/// The name a device was created with ("" for an unnamed device).
std::wstring device_name(PDEVICE_OBJECT device);

/// The symbolic links (as created) that point at @p device_name.
std::vector<std::wstring> links_to(std::wstring_view device_name);

}  // namespace wskemu::kernel
