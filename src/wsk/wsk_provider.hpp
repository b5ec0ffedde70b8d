// wskemu: the client-level provider functions (WSK_PROVIDER_DISPATCH), which
// WskCaptureProviderNPI hands to the driver.
#pragma once

#include <wsk.h>

namespace wskemu::wsk {

/// The NPI version this provider implements and reports: 1.0, the only one
/// Windows documents.
inline constexpr USHORT provider_version = MAKE_WSK_VERSION(1, 0);

/// The WSK_PROVIDER_DISPATCH of every registration, Version 1.0, members in
/// WDK order.
const WSK_PROVIDER_DISPATCH& provider_dispatch() noexcept;

/// WSK_TRANSPORT.ProviderId of every transport WSK_TRANSPORT_LIST_QUERY
/// reports: one emulated TCP/IP stack, {57534B45-4D55-4000-8000-544350495000}
/// ("WSKEMU", "TCPIP" in the last bytes). Windows' own value is not
/// documented.
extern const GUID transport_provider_id;

}  // namespace wskemu::wsk
