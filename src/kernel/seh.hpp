// wskemu: raising structured exceptions into driver code.
#pragma once

#include <ntdef.h>

namespace wskemu::kernel {

/// Raises @p code as a structured exception: into the innermost live C
/// __try frame of this thread if there is one, otherwise as a C++
/// wskemu::seh_exception. Callers must hold no locks and own no RAII objects
/// in their own frame, since a longjmp skips destructors.
[[noreturn]] void raise_structured_exception(NTSTATUS code);

}  // namespace wskemu::kernel
