// wskemu: talking to a driver's device the way a user-mode program does
// (CreateFile, DeviceIoControl, CloseHandle), for tests and the host program.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace wskemu {

/// @brief How a request to a device ended: the IRP's final IoStatus.
struct io_result {
    std::int32_t status;      ///< IoStatus.Status, an NTSTATUS
    std::size_t information;  ///< IoStatus.Information: for an IOCTL, the bytes returned
};

struct opened_device;

/// @brief An open handle to a device (a file object on it). Closing it sends
/// IRP_MJ_CLEANUP, then IRP_MJ_CLOSE once no driver holds a reference to the
/// file object either. Move-only; the destructor closes.
/// @par Thread Safety One handle may be used by several threads at once for
/// requests; close it once no request on it is under way.
class device_handle {
public:
    device_handle() noexcept = default;
    device_handle(device_handle&& other) noexcept : file_(other.file_) { other.file_ = nullptr; }
    device_handle& operator=(device_handle&& other) noexcept;
    device_handle(const device_handle&) = delete;
    device_handle& operator=(const device_handle&) = delete;
    ~device_handle();

    /// True until close().
    bool is_open() const noexcept { return file_ != nullptr; }
    explicit operator bool() const noexcept { return is_open(); }

    /// Closes the handle now (IRP_MJ_CLEANUP, then IRP_MJ_CLOSE); does nothing
    /// if it is not open.
    void close();

    /// The FILE_OBJECT the driver sees in IoGetCurrentIrpStackLocation(Irp)->
    /// FileObject, for tests that check it; NULL when closed.
    void* file_object() const noexcept { return file_; }

private:
    friend opened_device open_device(std::wstring_view name);
    explicit device_handle(void* file) noexcept : file_(file) {}
    void* file_ = nullptr;
};

/// @brief What open_device returns: the status of the open and, on success,
/// the handle.
struct opened_device {
    std::int32_t status;  ///< STATUS_SUCCESS, the name lookup's error, or the driver's IRP_MJ_CREATE status
    device_handle handle;
};

/// @brief Opens a device by name as CreateFile does for a program: a device
/// name (\\Device\\Echo), a symbolic link (\\DosDevices\\Echo, \\??\\Echo,
/// \\GLOBAL??\\Echo) or the Win32 form (\\\\.\\Echo), compared without regard
/// to case; anything after the device's name reaches the driver as the file
/// object's FileName. The driver gets IRP_MJ_CREATE from UserMode, with read
/// and write access asked for, on the calling thread at PASSIVE_LEVEL.
/// @return STATUS_OBJECT_NAME_NOT_FOUND for an unknown name,
/// STATUS_OBJECT_NAME_INVALID for a name not starting with a backslash,
/// STATUS_NO_SUCH_DEVICE for a device still initialising,
/// STATUS_ACCESS_DENIED for an exclusive device already open,
/// STATUS_INVALID_DEVICE_REQUEST if the driver has no IRP_MJ_CREATE routine,
/// or whatever status the driver completes IRP_MJ_CREATE with.
opened_device open_device(std::wstring_view name);

/// @brief open_device with a UTF-8 name.
opened_device open_device(std::string_view name);

/// @brief Sends IRP_MJ_DEVICE_CONTROL as DeviceIoControl does, with the
/// buffers the code's transfer method calls for: METHOD_BUFFERED copies
/// @p input into a system buffer and copies IoStatus.Information bytes of it
/// back into @p output on completion (unless the status is an error);
/// METHOD_IN_DIRECT and METHOD_OUT_DIRECT buffer the input and describe
/// @p output with a locked MDL (Irp->MdlAddress); METHOD_NEITHER passes both
/// addresses as they are (Type3InputBuffer, Irp->UserBuffer). Waits for a
/// request the driver pends. With @p cancel_after, one still pending after
/// that long is cancelled with IoCancelIrp (as CancelIoEx would) and waited
/// for.
/// @return The IRP's final status and information; STATUS_INVALID_HANDLE for
/// a closed handle, STATUS_INVALID_DEVICE_REQUEST if the driver has no
/// IRP_MJ_DEVICE_CONTROL routine.
/// @note A dispatch routine that breaks the pending rules (returns a status
/// without completing the IRP, returns STATUS_PENDING without marking it,
/// returns another status than it completed with) is a bug check 0xC9.
io_result device_io_control(const device_handle& device, std::uint32_t code, std::span<const std::byte> input,
                            std::span<std::byte> output,
                            std::optional<std::chrono::milliseconds> cancel_after = std::nullopt);

}  // namespace wskemu
