// wskemu: what every socket category's WskControlSocket shares: the log line
// for a request the provider does not support.
#pragma once

#include <wsk.h>

#include "wsk/wsk_socket_base.hpp"

namespace wskemu::wsk {

/// Logs, once per category and request, that a WskControlSocket request
/// (set/get option or ioctl, level, code) on a socket of `category` is not
/// supported; the caller answers STATUS_NOT_SUPPORTED.
void log_unsupported_control(socket_category category, WSK_CONTROL_SOCKET_TYPE type, ULONG level, ULONG code);

}  // namespace wskemu::wsk
