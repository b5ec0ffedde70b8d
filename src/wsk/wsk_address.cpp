// wskemu: SOCKADDR <-> net::endpoint. Ports are network byte order on the
// Windows side and host order in net::endpoint.
#include "wsk/wsk_address.hpp"

#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_status.hpp"

#include <cstring>

namespace wskemu::wsk {

namespace {

// Bytes of a network-order USHORT/ULONG as stored in memory, to host values.
std::uint16_t port_from_network(USHORT stored) noexcept {
    unsigned char bytes[2];
    std::memcpy(bytes, &stored, 2);
    return static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1]);
}

USHORT port_to_network(std::uint16_t port) noexcept {
    const unsigned char bytes[2] = {static_cast<unsigned char>(port >> 8), static_cast<unsigned char>(port)};
    USHORT stored;
    std::memcpy(&stored, bytes, 2);
    return stored;
}

}  // namespace

std::optional<net::address_family> to_net_family(ADDRESS_FAMILY family) noexcept {
    switch (family) {
    case AF_INET: return net::address_family::ipv4;
    case AF_INET6: return net::address_family::ipv6;
    default: return std::nullopt;
    }
}

NTSTATUS from_sockaddr(const SOCKADDR* address, net::endpoint& out) noexcept {
    if (address == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    net::endpoint ep;
    if (address->sa_family == AF_INET) {
        SOCKADDR_IN in;
        std::memcpy(&in, address, sizeof(in));
        ep.family = net::address_family::ipv4;
        std::memcpy(ep.address.data(), &in.sin_addr, 4);
        ep.port = port_from_network(in.sin_port);
    } else if (address->sa_family == AF_INET6) {
        SOCKADDR_IN6 in6;
        std::memcpy(&in6, address, sizeof(in6));
        ep.family = net::address_family::ipv6;
        std::memcpy(ep.address.data(), &in6.sin6_addr, 16);
        ep.port = port_from_network(in6.sin6_port);
        ep.scope_id = in6.sin6_scope_id;
        // sin6_flowinfo is network order on the wire and in the structure.
        unsigned char flow[4];
        std::memcpy(flow, &in6.sin6_flowinfo, 4);
        ep.flow_info = (std::uint32_t{flow[0]} << 24) | (std::uint32_t{flow[1]} << 16) |
                       (std::uint32_t{flow[2]} << 8) | flow[3];
    } else {
        return STATUS_INVALID_PARAMETER;
    }
    out = ep;
    return STATUS_SUCCESS;
}

NTSTATUS from_sockaddr_of(const SOCKADDR* address, net::address_family family, net::endpoint& out) noexcept {
    net::endpoint ep;
    const NTSTATUS status = from_sockaddr(address, ep);
    if (!NT_SUCCESS(status) || ep.family != family) {
        return STATUS_INVALID_PARAMETER;
    }
    out = ep;
    return STATUS_SUCCESS;
}

void to_sockaddr(const net::endpoint& ep, SOCKADDR* out) noexcept {
    if (ep.family == net::address_family::ipv4) {
        SOCKADDR_IN in;
        std::memset(&in, 0, sizeof(in));
        in.sin_family = AF_INET;
        in.sin_port = port_to_network(ep.port);
        std::memcpy(&in.sin_addr, ep.address.data(), 4);
        std::memcpy(out, &in, sizeof(in));
        return;
    }
    SOCKADDR_IN6 in6;
    std::memset(&in6, 0, sizeof(in6));
    in6.sin6_family = AF_INET6;
    in6.sin6_port = port_to_network(ep.port);
    const unsigned char flow[4] = {static_cast<unsigned char>(ep.flow_info >> 24),
                                   static_cast<unsigned char>(ep.flow_info >> 16),
                                   static_cast<unsigned char>(ep.flow_info >> 8),
                                   static_cast<unsigned char>(ep.flow_info)};
    std::memcpy(&in6.sin6_flowinfo, flow, 4);
    std::memcpy(&in6.sin6_addr, ep.address.data(), 16);
    in6.sin6_scope_id = ep.scope_id;
    std::memcpy(out, &in6, sizeof(in6));
}

NTSTATUS complete_address_query(PIRP irp, NTSTATUS status, bool available, net::error host, const net::endpoint& ep,
                                PSOCKADDR out) {
    if (NT_SUCCESS(status) && !available) {
        status = STATUS_INVALID_DEVICE_STATE;
    }
    if (NT_SUCCESS(status) && out == nullptr) {
        status = STATUS_INVALID_PARAMETER;
    }
    if (NT_SUCCESS(status)) {
        status = to_ntstatus(host);
    }
    if (NT_SUCCESS(status)) {
        to_sockaddr(ep, out);
    }
    return complete_irp(irp, status, 0);
}

}  // namespace wskemu::wsk
