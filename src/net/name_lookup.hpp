// wskemu host side, internal: the blocking host lookups behind resolver
// (getaddrinfo/getnameinfo on POSIX, GetAddrInfoW/GetNameInfoW on Windows), in
// same-named files posix/name_lookup.cpp and win/name_lookup.cpp. Run only on
// resolver threads.
#pragma once

#include "asio_glue.hpp"
#include "resolver.hpp"

#include <cstring>

namespace wskemu::net::detail {

// Host socket type and protocol numbers for a query (SOCK_*, IPPROTO_* have
// the same values on POSIX and Windows), and back.
inline int host_socket_type(socket_kind kind) noexcept {
    return kind == socket_kind::stream ? SOCK_STREAM : kind == socket_kind::datagram ? SOCK_DGRAM : 0;
}
inline int host_protocol(transport_protocol protocol) noexcept {
    return protocol == transport_protocol::tcp ? IPPROTO_TCP : protocol == transport_protocol::udp ? IPPROTO_UDP : 0;
}

// Host AI_* flags for resolve_flag bits. Windows' AI_FQDN has no POSIX twin:
// there the canonical name is the nearest.
inline int host_resolve_flags(unsigned flags) noexcept {
#if defined(AI_FQDN)
    constexpr int fully_qualified = AI_FQDN;
#else
    constexpr int fully_qualified = AI_CANONNAME;
#endif
    int result = 0;
    result |= (flags & resolve_flag::passive) != 0 ? AI_PASSIVE : 0;
    result |= (flags & resolve_flag::canonical_name) != 0 ? AI_CANONNAME : 0;
    result |= (flags & resolve_flag::numeric_host) != 0 ? AI_NUMERICHOST : 0;
    result |= (flags & resolve_flag::numeric_service) != 0 ? AI_NUMERICSERV : 0;
    result |= (flags & resolve_flag::all) != 0 ? AI_ALL : 0;
    result |= (flags & resolve_flag::address_config) != 0 ? AI_ADDRCONFIG : 0;
    result |= (flags & resolve_flag::v4_mapped) != 0 ? AI_V4MAPPED : 0;
    result |= (flags & resolve_flag::fully_qualified) != 0 ? fully_qualified : 0;
    return result;
}

// Host NI_* flags for name_flag bits.
inline int host_name_flags(unsigned flags) noexcept {
    int result = 0;
    result |= (flags & name_flag::no_fqdn) != 0 ? NI_NOFQDN : 0;
    result |= (flags & name_flag::numeric_host) != 0 ? NI_NUMERICHOST : 0;
    result |= (flags & name_flag::name_required) != 0 ? NI_NAMEREQD : 0;
    result |= (flags & name_flag::numeric_service) != 0 ? NI_NUMERICSERV : 0;
    result |= (flags & name_flag::datagram) != 0 ? NI_DGRAM : 0;
    return result;
}

// Appends the IPv4 and IPv6 entries of a host answer (an addrinfo or ADDRINFOW
// list); `canonical(ai_canonname)` gives the name as UTF-8. An answer with no
// such entry is name_not_found.
template <typename Info, typename Canonical>
void collect_addresses(const Info* list, resolve_result& result, Canonical canonical) {
    for (const Info* a = list; a != nullptr; a = a->ai_next) {
        if (a->ai_family != AF_INET && a->ai_family != AF_INET6) {
            continue;
        }
        if (a->ai_canonname != nullptr && result.canonical_name.empty()) {
            result.canonical_name = canonical(a->ai_canonname);
        }
        tcp::endpoint ep;
        std::memcpy(ep.data(), a->ai_addr, a->ai_addrlen);
        ep.resize(a->ai_addrlen);
        resolved_address entry;
        entry.address = from_asio(ep);
        entry.kind = a->ai_socktype == SOCK_STREAM   ? socket_kind::stream
                     : a->ai_socktype == SOCK_DGRAM ? socket_kind::datagram
                                                    : socket_kind::any;
        entry.protocol = a->ai_protocol == IPPROTO_TCP   ? transport_protocol::tcp
                         : a->ai_protocol == IPPROTO_UDP ? transport_protocol::udp
                                                         : transport_protocol::any;
        result.addresses.push_back(entry);
    }
    if (result.addresses.empty()) {
        result.err = error::name_not_found;
    }
}

// One forward lookup, as the host answers it (one entry per address and
// socket type: resolver merges them).
resolve_result lookup_addresses(const resolve_query& query);

// One reverse lookup.
name_result lookup_name(const endpoint& address, unsigned flags, bool want_host, bool want_service);

}  // namespace wskemu::net::detail
