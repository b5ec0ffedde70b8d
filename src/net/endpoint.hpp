// wskemu host side: an IP endpoint as a plain value (no OS types).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wskemu::net {

// Address family of an endpoint or socket.
enum class address_family : std::uint8_t { ipv4, ipv6 };

// An IPv4 or IPv6 address and port. IPv4 uses the first 4 address bytes.
struct endpoint {
    address_family family = address_family::ipv4;
    std::array<std::uint8_t, 16> address{};  // network byte order
    std::uint16_t port = 0;                  // host byte order
    std::uint32_t scope_id = 0;              // IPv6 only
    std::uint32_t flow_info = 0;             // IPv6 only, host byte order

    // The unspecified address (0.0.0.0 or ::) with the given port.
    static endpoint any(address_family family, std::uint16_t port = 0) noexcept;
    // 127.0.0.1 or ::1 with the given port.
    static endpoint loopback(address_family family, std::uint16_t port = 0) noexcept;
    // Parses a numeric address ("10.0.0.1", "fe80::1%2"); nullopt if it is not one.
    static std::optional<endpoint> parse(std::string_view address, std::uint16_t port = 0);

    friend bool operator==(const endpoint&, const endpoint&) = default;
};

// "127.0.0.1:80", "[::1]:80", "[fe80::1%2]:80".
std::string to_string(const endpoint& ep);

}  // namespace wskemu::net
