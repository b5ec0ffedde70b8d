// wskemu: file objects, the open instances of a device: IRP_MJ_CREATE when
// opened, IRP_MJ_CLEANUP when the handle closes, IRP_MJ_CLOSE when the last
// reference goes.
#pragma once

#include <wdm.h>

#include <string_view>

namespace wskemu::kernel {

/// Opens @p name as NtCreateFile would (FILE_OPEN, synchronous, read and
/// write access): resolves it to a device, creates a file object holding one
/// reference, and sends IRP_MJ_CREATE from @p requestor_mode. On failure
/// nothing is left and the status says why (the name lookup's, or the
/// driver's).
NTSTATUS open_file(std::wstring_view name, ACCESS_MASK desired_access, KPROCESSOR_MODE requestor_mode,
                   PFILE_OBJECT* file);

/// Closes the handle to @p file: IRP_MJ_CLEANUP, then drops the handle's
/// reference (IRP_MJ_CLOSE follows once no driver holds one either).
void close_file_handle(PFILE_OBJECT file);

}  // namespace wskemu::kernel
