// Test helper: GoogleTest printers for src/net values, so failures read
// "connection_reset" instead of a byte dump.
#pragma once

#include "net/endpoint.hpp"
#include "net/error.hpp"

#include <ostream>

namespace wskemu::net {

inline void PrintTo(error e, std::ostream* os) { *os << describe(e); }
inline void PrintTo(address_family f, std::ostream* os) { *os << (f == address_family::ipv4 ? "ipv4" : "ipv6"); }
inline void PrintTo(const endpoint& ep, std::ostream* os) { *os << to_string(ep); }

}  // namespace wskemu::net
