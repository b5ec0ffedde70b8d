// wskemu host side: endpoint conversions to and from Asio.
#include "asio_glue.hpp"

#include <fmt/format.h>

#include <cstring>

namespace wskemu::net {

endpoint endpoint::any(address_family family, std::uint16_t port) noexcept {
    endpoint ep;
    ep.family = family;
    ep.port = port;
    return ep;
}

endpoint endpoint::loopback(address_family family, std::uint16_t port) noexcept {
    endpoint ep = any(family, port);
    if (family == address_family::ipv4) {
        ep.address[0] = 127;
        ep.address[3] = 1;
    } else {
        ep.address[15] = 1;
    }
    return ep;
}

std::optional<endpoint> endpoint::parse(std::string_view address, std::uint16_t port) {
    boost::system::error_code ec;
    auto parsed = asio::ip::make_address(std::string(address), ec);
    if (ec) {
        return std::nullopt;
    }
    return from_asio(tcp::endpoint(parsed, port));
}

tcp::endpoint to_asio(const endpoint& ep) {
    if (ep.family == address_family::ipv4) {
        asio::ip::address_v4::bytes_type bytes;
        std::memcpy(bytes.data(), ep.address.data(), bytes.size());
        return {asio::ip::address_v4(bytes), ep.port};
    }
    asio::ip::address_v6::bytes_type bytes;
    std::memcpy(bytes.data(), ep.address.data(), bytes.size());
    tcp::endpoint result(asio::ip::address_v6(bytes, ep.scope_id), ep.port);
    // Asio has no setter for the flow label; the storage is a sockaddr_in6.
    reinterpret_cast<sockaddr_in6*>(result.data())->sin6_flowinfo = htonl(ep.flow_info);
    return result;
}

endpoint from_asio(const tcp::endpoint& ep) {
    endpoint result;
    result.port = ep.port();
    if (ep.address().is_v4()) {
        result.family = address_family::ipv4;
        auto bytes = ep.address().to_v4().to_bytes();
        std::memcpy(result.address.data(), bytes.data(), bytes.size());
    } else {
        result.family = address_family::ipv6;
        auto v6 = ep.address().to_v6();
        auto bytes = v6.to_bytes();
        std::memcpy(result.address.data(), bytes.data(), bytes.size());
        result.scope_id = static_cast<std::uint32_t>(v6.scope_id());
        result.flow_info = ntohl(reinterpret_cast<const sockaddr_in6*>(ep.data())->sin6_flowinfo);
    }
    return result;
}

// The two protocols' endpoints hold the same sockaddr: copied whole, so the
// IPv6 flow label and scope survive.
udp::endpoint to_asio_udp(const endpoint& ep) {
    const tcp::endpoint t = to_asio(ep);
    udp::endpoint u;
    std::memcpy(u.data(), t.data(), t.size());
    u.resize(t.size());
    return u;
}

endpoint from_asio(const udp::endpoint& ep) {
    tcp::endpoint t;
    std::memcpy(t.data(), ep.data(), ep.size());
    t.resize(ep.size());
    return from_asio(t);
}

tcp protocol_of(address_family family) noexcept {
    return family == address_family::ipv4 ? tcp::v4() : tcp::v6();
}

udp udp_protocol_of(address_family family) noexcept {
    return family == address_family::ipv4 ? udp::v4() : udp::v6();
}

std::string to_string(const endpoint& ep) {
    auto asio_ep = to_asio(ep);
    if (ep.family == address_family::ipv4) {
        return fmt::format("{}:{}", asio_ep.address().to_string(), ep.port);
    }
    return fmt::format("[{}]:{}", asio_ep.address().to_string(), ep.port);
}

}  // namespace wskemu::net
