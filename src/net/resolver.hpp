// wskemu host side: name resolution (the host's getaddrinfo/getnameinfo) in
// neutral types. Lookups block in the host library, so they run on resolver
// threads of their own, never on the engine's completion threads; their
// handlers then run on an engine thread like every other completion.
#pragma once

#include "callback.hpp"
#include "endpoint.hpp"
#include "error.hpp"
#include "io_engine.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wskemu::net {

// The socket type a forward lookup asks for or an address suits.
enum class socket_kind : std::uint8_t { any, stream, datagram };

// The transport protocol a forward lookup asks for or an address suits.
enum class transport_protocol : std::uint8_t { any, tcp, udp };

// Forward-lookup flags (getaddrinfo's AI_* in neutral terms).
namespace resolve_flag {
inline constexpr unsigned passive = 1u << 0;          // no host: the wildcard address, for bind
inline constexpr unsigned canonical_name = 1u << 1;   // report the host's canonical name
inline constexpr unsigned numeric_host = 1u << 2;     // the host must be a numeric address: no lookup
inline constexpr unsigned numeric_service = 1u << 3;  // the service must be a port number
inline constexpr unsigned all = 1u << 4;              // with v4_mapped: IPv6 and mapped IPv4 addresses
inline constexpr unsigned address_config = 1u << 5;  // only families the host has a (non-loopback) address of
inline constexpr unsigned v4_mapped = 1u << 6;        // IPv6 asked, none found: IPv4 addresses as v4-mapped
inline constexpr unsigned fully_qualified = 1u << 7;  // report the fully qualified name (Windows' AI_FQDN)
}  // namespace resolve_flag

// Reverse-lookup flags (getnameinfo's NI_* in neutral terms).
namespace name_flag {
inline constexpr unsigned no_fqdn = 1u << 0;          // local hosts: the short name
inline constexpr unsigned numeric_host = 1u << 1;     // the address as text, no lookup
inline constexpr unsigned name_required = 1u << 2;    // fail (name_not_found) rather than give the address as text
inline constexpr unsigned numeric_service = 1u << 3;  // the port as a number
inline constexpr unsigned datagram = 1u << 4;         // the service is a UDP one
}  // namespace name_flag

// What a forward lookup asks.
struct resolve_query {
    std::string host;                      // UTF-8; empty = none
    std::string service;                   // UTF-8; empty = none
    std::optional<address_family> family;  // nullopt = any
    socket_kind kind = socket_kind::any;
    transport_protocol protocol = transport_protocol::any;
    unsigned flags = 0;                    // resolve_flag bits
};

// One address a forward lookup found.
struct resolved_address {
    endpoint address;  // port from the service (0 if none)
    socket_kind kind = socket_kind::any;
    transport_protocol protocol = transport_protocol::any;
};

// The answer to a forward lookup. When neither a socket kind nor a protocol
// was asked for, each address appears once, with kind and protocol `any` (as
// Windows answers; glibc would list it once per socket type).
struct resolve_result {
    error err = error::none;
    std::vector<resolved_address> addresses;  // in the host's order
    std::string canonical_name;               // UTF-8, when asked for and known
};

// The answer to a reverse lookup.
struct name_result {
    error err = error::none;
    std::string host;     // UTF-8 (empty when not asked for)
    std::string service;  // UTF-8 (empty when not asked for)
};

using resolve_handler = callback<void(resolve_result)>;
using name_handler = callback<void(name_result)>;

// Names one lookup, for cancel().
using lookup_id = std::uint64_t;

// Starts lookups on the process-wide resolver threads. Cheap to create; every
// member may be called from any thread.
class resolver {
public:
    // Handlers run on `engine` (default: the process-wide engine).
    resolver();
    explicit resolver(io_engine& engine);

    // Forward lookup (getaddrinfo); `handler(result)` runs once.
    lookup_id async_resolve(resolve_query query, resolve_handler handler);
    // Reverse lookup (getnameinfo) of an address and port; `name_flag` bits;
    // `want_host` / `want_service` choose what is looked up (at least one).
    lookup_id async_reverse(const endpoint& address, unsigned flags, bool want_host, bool want_service,
                            name_handler handler);
    // The lookup's handler runs now (posted) with `cancelled`; a host lookup
    // already under way finishes on its thread and its answer is dropped.
    // False if the lookup had completed (or was completing) already.
    bool cancel(lookup_id id);

    // Lookups started and not completed yet, process-wide (for tests).
    static std::size_t pending();

private:
    io_engine* engine_;
};

}  // namespace wskemu::net
