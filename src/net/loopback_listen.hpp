// wskemu host side: a listener on the loopback address, for the test servers
// (loopback_server.cpp, the examples' servers).
#pragma once

#include "endpoint.hpp"
#include "tcp_socket.hpp"

#include <cstdint>

namespace wskemu::net {

// Opens `listener` on 127.0.0.1 or ::1, port 0, and listens: the port the
// host chose, or 0 if any step failed (no loopback address of that family).
inline std::uint16_t listen_on_loopback(tcp_listener& listener, bool ipv6) {
    const address_family family = ipv6 ? address_family::ipv6 : address_family::ipv4;
    endpoint bound;
    if (listener.open(family) != error::none || listener.bind(endpoint::loopback(family)) != error::none ||
        listener.listen() != error::none || listener.local_endpoint(bound) != error::none) {
        return 0;
    }
    return bound.port;
}

}  // namespace wskemu::net
