// wskemu: the packet capture's internals (capture.cpp), as the rest of
// src/trace sees them.
#pragma once

#include <string>
#include <string_view>

namespace wskemu::trace::detail {

/// The capture's part of socket_closed(): a connection not closed both ways
/// ends with our RST; the socket's flow is forgotten.
void capture_socket_closed(const void* socket);

/// The file of the running capture, or "".
std::string capture_path();

}  // namespace wskemu::trace::detail
