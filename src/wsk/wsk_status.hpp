// wskemu: the one table from host-side errors (net::error) to NTSTATUS.
#pragma once

#include <wdm.h>

#include "net/error.hpp"

namespace wskemu::wsk {

/// The NTSTATUS a WSK IRP completes with for a host-side result. `none` is
/// STATUS_SUCCESS; an unmapped error is STATUS_UNSUCCESSFUL (logged once per
/// value). Receives treat end_of_stream themselves (success, bytes so far).
NTSTATUS to_ntstatus(net::error e) noexcept;

/// True for errors after which the connection cannot work any more (reset,
/// abort, timeout, unreachable): later calls fail with
/// STATUS_FILE_FORCED_CLOSED until the driver closes the socket.
bool is_connection_fatal(net::error e) noexcept;

/// The NTSTATUS counterpart of is_connection_fatal: an injected failure with
/// one of these statuses breaks the connection as that host error would.
bool breaks_connection(NTSTATUS status) noexcept;

}  // namespace wskemu::wsk
