// wskemu: CMSGHDR lists for datagram sockets, in the Windows layout.
#include "wsk/wsk_control_info.hpp"

#include <cstring>

namespace wskemu::wsk {

namespace {

constexpr ULONG header_space = WSA_CMSGDATA_ALIGN(sizeof(WSACMSGHDR));

bool is_v4_mapped(const net::endpoint& ep) noexcept {
    static constexpr unsigned char prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return ep.family == net::address_family::ipv6 && std::memcmp(ep.address.data(), prefix, 12) == 0;
}

// Appends one message if it fits whole.
void append(unsigned char* out, ULONG capacity, ULONG& used, bool& truncated, INT level, INT type, const void* data,
            ULONG size) {
    const ULONG space = static_cast<ULONG>(WSA_CMSG_SPACE(size));
    if (truncated || capacity - used < space) {
        truncated = true;
        return;
    }
    WSACMSGHDR header;
    std::memset(out + used, 0, space);
    header.cmsg_len = WSA_CMSG_LEN(size);
    header.cmsg_level = level;
    header.cmsg_type = type;
    std::memcpy(out + used, &header, sizeof(header));
    std::memcpy(out + used + header_space, data, size);
    used += space;
}

}  // namespace

ULONG write_control_info(const net::datagram_result& facts, net::address_family socket_family, bool ip, bool ipv6,
                         void* out, ULONG capacity, bool& truncated) noexcept {
    truncated = false;
    if (!facts.has_packet_info || out == nullptr) {
        return 0;
    }
    auto* bytes = static_cast<unsigned char*>(out);
    ULONG used = 0;
    const net::endpoint& to = facts.destination.address;
    const bool v4 = to.family == net::address_family::ipv4;
    if (ip && (v4 || is_v4_mapped(to))) {
        IN_PKTINFO info;
        std::memset(&info, 0, sizeof(info));
        std::memcpy(&info.ipi_addr, to.address.data() + (v4 ? 0 : 12), 4);
        info.ipi_ifindex = facts.destination.interface_index;
        append(bytes, capacity, used, truncated, IPPROTO_IP, IP_PKTINFO, &info, sizeof(info));
    }
    if (ipv6 && socket_family == net::address_family::ipv6) {
        IN6_PKTINFO info;
        std::memset(&info, 0, sizeof(info));
        if (v4) {
            // An IPv6 socket reports IPv4 destinations v4-mapped.
            info.ipi6_addr.u.Byte[10] = 0xff;
            info.ipi6_addr.u.Byte[11] = 0xff;
            std::memcpy(&info.ipi6_addr.u.Byte[12], to.address.data(), 4);
        } else {
            std::memcpy(&info.ipi6_addr, to.address.data(), 16);
        }
        info.ipi6_ifindex = facts.destination.interface_index;
        append(bytes, capacity, used, truncated, IPPROTO_IPV6, IPV6_PKTINFO, &info, sizeof(info));
    }
    return used;
}

NTSTATUS read_send_control_info(net::address_family socket_family, const void* control, ULONG length,
                                std::optional<net::packet_info>& source) noexcept {
    source.reset();
    if (length == 0) {
        return STATUS_SUCCESS;
    }
    if (control == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    const auto* bytes = static_cast<const unsigned char*>(control);
    ULONG at = 0;
    while (at < length) {
        WSACMSGHDR header;
        if (length - at < sizeof(header)) {
            return STATUS_INVALID_PARAMETER;
        }
        std::memcpy(&header, bytes + at, sizeof(header));
        if (header.cmsg_len < header_space || header.cmsg_len > length - at) {
            return STATUS_INVALID_PARAMETER;
        }
        const SIZE_T data_size = header.cmsg_len - header_space;
        const unsigned char* data = bytes + at + header_space;
        net::packet_info info;
        if (header.cmsg_level == IPPROTO_IP && header.cmsg_type == IP_PKTINFO) {
            IN_PKTINFO in;
            if (data_size < sizeof(in) || socket_family != net::address_family::ipv4) {
                return STATUS_INVALID_PARAMETER;
            }
            std::memcpy(&in, data, sizeof(in));
            info.address = net::endpoint::any(net::address_family::ipv4);
            std::memcpy(info.address.address.data(), &in.ipi_addr, 4);
            info.interface_index = in.ipi_ifindex;
        } else if (header.cmsg_level == IPPROTO_IPV6 && header.cmsg_type == IPV6_PKTINFO) {
            IN6_PKTINFO in6;
            if (data_size < sizeof(in6) || socket_family != net::address_family::ipv6) {
                return STATUS_INVALID_PARAMETER;
            }
            std::memcpy(&in6, data, sizeof(in6));
            info.address = net::endpoint::any(net::address_family::ipv6);
            std::memcpy(info.address.address.data(), &in6.ipi6_addr, 16);
            info.interface_index = in6.ipi6_ifindex;
        } else {
            return STATUS_NOT_SUPPORTED;
        }
        source = info;
        const SIZE_T step = WSA_CMSGHDR_ALIGN(header.cmsg_len);
        if (step >= length - at) {
            break;
        }
        at += static_cast<ULONG>(step);
    }
    return STATUS_SUCCESS;
}

}  // namespace wskemu::wsk
