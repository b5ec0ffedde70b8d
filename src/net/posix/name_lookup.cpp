// wskemu host side: blocking name lookups on POSIX hosts (getaddrinfo,
// getnameinfo; UTF-8 names as they are).
#include "../name_lookup.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace wskemu::net::detail {

namespace {

error from_eai(int code) {
    switch (code) {
    case EAI_NONAME:
    case EAI_SERVICE:
#if defined(EAI_NODATA)
    case EAI_NODATA:
#endif
#if defined(EAI_ADDRFAMILY)
    case EAI_ADDRFAMILY:
#endif
        return error::name_not_found;
    case EAI_AGAIN:
    case EAI_FAIL: return error::name_server_failure;
    case EAI_FAMILY:
    case EAI_SOCKTYPE: return error::not_supported;
    case EAI_BADFLAGS: return error::invalid_argument;
    case EAI_MEMORY:
    case EAI_OVERFLOW: return error::no_buffers;
    case EAI_SYSTEM:
        return from_error_code(boost::system::error_code(errno, boost::system::system_category()));
    default:
        log().warn("net: unmapped getaddrinfo/getnameinfo error {} ({}), reported as 'other'", code,
                   ::gai_strerror(code));
        return error::other;
    }
}

}  // namespace

resolve_result lookup_addresses(const resolve_query& query) {
    addrinfo hints{};
    hints.ai_flags = host_resolve_flags(query.flags);
    hints.ai_family = !query.family ? AF_UNSPEC : *query.family == address_family::ipv4 ? AF_INET : AF_INET6;
    hints.ai_socktype = host_socket_type(query.kind);
    hints.ai_protocol = host_protocol(query.protocol);
    addrinfo* list = nullptr;
    resolve_result result;
    const int code = ::getaddrinfo(query.host.empty() ? nullptr : query.host.c_str(),
                                   query.service.empty() ? nullptr : query.service.c_str(), &hints, &list);
    if (code != 0) {
        result.err = from_eai(code);
        return result;
    }
    collect_addresses(list, result, [](const char* name) { return std::string(name); });
    ::freeaddrinfo(list);
    return result;
}

name_result lookup_name(const endpoint& address, unsigned flags, bool want_host, bool want_service) {
    const tcp::endpoint ep = to_asio(address);
    char host[NI_MAXHOST] = {};
    char service[NI_MAXSERV] = {};
    name_result result;
    const int code = ::getnameinfo(ep.data(), static_cast<socklen_t>(ep.size()), want_host ? host : nullptr,
                                   want_host ? sizeof(host) : 0, want_service ? service : nullptr,
                                   want_service ? sizeof(service) : 0, host_name_flags(flags));
    if (code != 0) {
        result.err = from_eai(code);
        return result;
    }
    result.host = want_host ? host : "";
    result.service = want_service ? service : "";
    return result;
}

}  // namespace wskemu::net::detail
