// Builds the SOCKADDR a driver talks to, for the example hosts.
#pragma once

#include <ntddk.h>
#include <wsk.h>

#include <cstdint>

namespace wskemu::example {

/// 127.0.0.1 or ::1 with @p port, as a driver would fill it.
inline SOCKADDR_STORAGE loopback_sockaddr(bool ipv6, std::uint16_t port) {
    SOCKADDR_STORAGE storage{};
    if (ipv6) {
        auto* in6 = reinterpret_cast<SOCKADDR_IN6*>(&storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = RtlUshortByteSwap(port);
        in6->sin6_addr.u.Byte[15] = 1;
    } else {
        auto* in = reinterpret_cast<SOCKADDR_IN*>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = RtlUshortByteSwap(port);
        in->sin_addr.s_addr = RtlUlongByteSwap(INADDR_LOOPBACK);
    }
    return storage;
}

}  // namespace wskemu::example
