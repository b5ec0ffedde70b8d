// wskemu: driver objects as the I/O manager creates them.
#pragma once

#include <wdm.h>

namespace wskemu::kernel {

/// The I/O manager's default dispatch routine, in every MajorFunction slot
/// before DriverEntry runs: fails the IRP with STATUS_INVALID_DEVICE_REQUEST.
NTSTATUS NTAPI invalid_device_request(PDEVICE_OBJECT device, PIRP irp);

}  // namespace wskemu::kernel
