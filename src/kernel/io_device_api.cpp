// wskemu: the user-mode view of devices (include/wskemu/device.hpp): open,
// DeviceIoControl and close, through the I/O manager's own IRP paths.
#include <wskemu/device.hpp>

#include <wdm.h>

#include "io_file.hpp"
#include "io_request.hpp"
#include "windows_format.hpp"

#include <limits>

namespace wskemu {

device_handle& device_handle::operator=(device_handle&& other) noexcept {
    if (this != &other) {
        close();
        file_ = other.file_;
        other.file_ = nullptr;
    }
    return *this;
}

device_handle::~device_handle() { close(); }

void device_handle::close() {
    if (file_ != nullptr) {
        auto* file = static_cast<PFILE_OBJECT>(file_);
        file_ = nullptr;
        kernel::close_file_handle(file);
    }
}

opened_device open_device(std::wstring_view name) {
    PFILE_OBJECT file = nullptr;
    // What CreateFile(GENERIC_READ | GENERIC_WRITE) asks for once mapped.
    constexpr ACCESS_MASK access = STANDARD_RIGHTS_READ | STANDARD_RIGHTS_WRITE | SYNCHRONIZE | FILE_READ_DATA |
                                   FILE_WRITE_DATA;
    const NTSTATUS status = kernel::open_file(name, access, UserMode, &file);
    return opened_device{status, device_handle(NT_SUCCESS(status) ? file : nullptr)};
}

opened_device open_device(std::string_view name) { return open_device(kernel::utf8_to_wide(name)); }

io_result device_io_control(const device_handle& device, std::uint32_t code, std::span<const std::byte> input,
                            std::span<std::byte> output, std::optional<std::chrono::milliseconds> cancel_after) {
    auto* file = static_cast<PFILE_OBJECT>(device.file_object());
    if (file == nullptr) {
        return {STATUS_INVALID_HANDLE, 0};
    }
    constexpr auto max_length = std::numeric_limits<ULONG>::max();
    if (input.size() > max_length || output.size() > max_length) {
        return {STATUS_INVALID_PARAMETER, 0};
    }
    PIRP irp = kernel::build_device_control_irp(
        code, file->DeviceObject, const_cast<std::byte*>(input.data()), static_cast<ULONG>(input.size()),
        output.data(), static_cast<ULONG>(output.size()), false, UserMode);
    if (irp == nullptr) {
        return {STATUS_INSUFFICIENT_RESOURCES, 0};
    }
    IoGetNextIrpStackLocation(irp)->FileObject = file;
    const auto result = kernel::send_synchronous_request(irp, file->DeviceObject, cancel_after);
    return {result.status, result.information};
}

}  // namespace wskemu
