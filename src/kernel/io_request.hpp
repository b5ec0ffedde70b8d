// wskemu: IRPs the I/O manager builds for a caller (device I/O control with
// its three transfer methods, create, cleanup and close), their buffers, and
// sending one synchronously the way NtDeviceIoControlFile does.
#pragma once

#include <wdm.h>

#include <chrono>
#include <optional>

namespace wskemu::kernel {

/// A METHOD_BUFFERED request completed with more Information than its
/// output buffer holds (Windows would copy past the end of that buffer).
struct buffered_overrun {
    const void* irp = nullptr;
    ULONG_PTR information = 0;
    ULONG output_length = 0;
    explicit operator bool() const noexcept { return irp != nullptr; }
};

/// The I/O manager's last step for an IRP whose completion reached the top:
/// copies METHOD_BUFFERED output back to the caller's buffer (no more than
/// fits), frees the system buffer, unlocks and frees the MDL chain. Nothing to
/// do for IRPs a driver allocated itself (no buffer flags). Returns the
/// overrun to report once the IRP is gone.
buffered_overrun release_irp_buffers(PIRP irp);

/// Reports an overrun found by release_irp_buffers: bug check 0xC4 (P1 0x1003).
void report_overrun(const buffered_overrun& overrun);

/// True if @p irp belongs to a synchronous request whose issuing thread
/// finishes it (as the completion APC does on Windows): the issuer is woken
/// and the IRP is left to it. False for any other IRP.
bool hand_irp_to_issuer(PIRP irp);

/// The body of IoBuildDeviceIoControlRequest: an IRP for @p device whose next
/// stack location holds an IRP_MJ_(INTERNAL_)DEVICE_CONTROL, with the buffers
/// set up for the code's transfer method. NULL when out of memory.
PIRP build_device_control_irp(ULONG code, PDEVICE_OBJECT device, PVOID input, ULONG input_length, PVOID output,
                              ULONG output_length, bool internal, KPROCESSOR_MODE requestor_mode);

/// An IRP with no buffers for @p device, its next stack location holding
/// @p major_function for @p file (create, cleanup, close).
PIRP build_file_irp(UCHAR major_function, PDEVICE_OBJECT device, PFILE_OBJECT file);

/// How a synchronous request ended.
struct request_result {
    NTSTATUS status;
    ULONG_PTR information;
};

/// Sends @p irp (built above, for a caller in user mode) to @p device, waits
/// for its completion, checks that the dispatch routine kept the pending rules
/// (bug check 0xC9 with P1 0x224, 0x226, 0x23D or 0x23E otherwise), then
/// finishes and frees it. With @p cancel_after, an IRP still pending after
/// that long is cancelled (IoCancelIrp) and waited for, as CancelIoEx would.
request_result send_synchronous_request(PIRP irp, PDEVICE_OBJECT device,
                                        std::optional<std::chrono::milliseconds> cancel_after = std::nullopt);

}  // namespace wskemu::kernel
