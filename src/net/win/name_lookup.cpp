// wskemu host side: blocking name lookups on Windows (GetAddrInfoW,
// GetNameInfoW: names cross as UTF-16, converted from and to UTF-8).
#include "../name_lookup.hpp"

#include <ws2tcpip.h>

#include <cstring>
#include <string>

namespace wskemu::net::detail {

namespace {

std::wstring to_wide(const std::string& text) {
    if (text.empty()) {
        return {};
    }
    const int n = ::MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
    std::wstring wide(static_cast<std::size_t>(n), L'\0');
    ::MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), wide.data(), n);
    return wide;
}

std::string to_utf8(const wchar_t* text) {
    const int n = ::WideCharToMultiByte(CP_UTF8, 0, text, -1, nullptr, 0, nullptr, nullptr);
    if (n <= 1) {
        return {};
    }
    std::string narrow(static_cast<std::size_t>(n), '\0');
    ::WideCharToMultiByte(CP_UTF8, 0, text, -1, narrow.data(), n, nullptr, nullptr);
    narrow.resize(static_cast<std::size_t>(n - 1));
    return narrow;
}

error from_wsa(int code) {
    switch (code) {
    case WSAHOST_NOT_FOUND:
    case WSANO_DATA:
    case WSATYPE_NOT_FOUND: return error::name_not_found;
    case WSATRY_AGAIN:
    case WSANO_RECOVERY: return error::name_server_failure;
    default: return from_error_code(boost::system::error_code(code, boost::system::system_category()));
    }
}

}  // namespace

resolve_result lookup_addresses(const resolve_query& query) {
    ADDRINFOW hints{};
    hints.ai_flags = host_resolve_flags(query.flags);
    hints.ai_family = !query.family ? AF_UNSPEC : *query.family == address_family::ipv4 ? AF_INET : AF_INET6;
    hints.ai_socktype = host_socket_type(query.kind);
    hints.ai_protocol = host_protocol(query.protocol);
    const std::wstring host = to_wide(query.host);
    const std::wstring service = to_wide(query.service);
    ADDRINFOW* list = nullptr;
    resolve_result result;
    const int code = ::GetAddrInfoW(query.host.empty() ? nullptr : host.c_str(),
                                    query.service.empty() ? nullptr : service.c_str(), &hints, &list);
    if (code != 0) {
        result.err = from_wsa(code);
        return result;
    }
    collect_addresses(list, result, [](const wchar_t* name) { return to_utf8(name); });
    ::FreeAddrInfoW(list);
    return result;
}

name_result lookup_name(const endpoint& address, unsigned flags, bool want_host, bool want_service) {
    const tcp::endpoint ep = to_asio(address);
    wchar_t host[NI_MAXHOST] = {};
    wchar_t service[NI_MAXSERV] = {};
    name_result result;
    const int code = ::GetNameInfoW(ep.data(), static_cast<socklen_t>(ep.size()), want_host ? host : nullptr,
                                    want_host ? NI_MAXHOST : 0, want_service ? service : nullptr,
                                    want_service ? NI_MAXSERV : 0, host_name_flags(flags));
    if (code != 0) {
        result.err = from_wsa(::WSAGetLastError() != 0 ? ::WSAGetLastError() : code);
        return result;
    }
    result.host = want_host ? to_utf8(host) : "";
    result.service = want_service ? to_utf8(service) : "";
    return result;
}

}  // namespace wskemu::net::detail
