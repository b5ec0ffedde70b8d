// wskemu: control information (ancillary data) of datagram sockets, in the
// Windows layout: a list of CMSGHDR { SIZE_T cmsg_len; INT cmsg_level; INT
// cmsg_type; } each followed by its data at WSA_CMSGDATA_ALIGN(sizeof
// (CMSGHDR)), the next header at WSA_CMSGHDR_ALIGN(cmsg_len) (ws2def.h).
#pragma once

#include <wsk.h>

#include "net/udp_socket.hpp"

#include <optional>

namespace wskemu::wsk {

/// The most control information a received datagram gets: IP_PKTINFO and
/// IPV6_PKTINFO (a v4-mapped destination on a dual-stack socket can have both).
inline constexpr ULONG max_control_info = WSA_CMSG_SPACE(sizeof(IN_PKTINFO)) + WSA_CMSG_SPACE(sizeof(IN6_PKTINFO));

/// Writes the control messages of a received datagram to `out` (`capacity`
/// bytes): IP_PKTINFO (IN_PKTINFO: destination address, interface) when `ip`
/// is on and the destination is IPv4 or v4-mapped; IPV6_PKTINFO (IN6_PKTINFO)
/// when `ipv6` is on and the socket is IPv6. Whole messages only: one that
/// does not fit is left out and `truncated` set. Returns the bytes written,
/// each message taking WSA_CMSG_SPACE of its data.
ULONG write_control_info(const net::datagram_result& facts, net::address_family socket_family, bool ip, bool ipv6,
                         void* out, ULONG capacity, bool& truncated) noexcept;

/// Reads the control information of a send: IP_PKTINFO (IPv4 sockets) or
/// IPV6_PKTINFO (IPv6 sockets) choose the source address and interface.
/// STATUS_INVALID_PARAMETER for a NULL list with a length, a header that
/// runs past the length or is shorter than a header, data too short for its
/// type, or a packet-info message of the other family's level;
/// STATUS_NOT_SUPPORTED for any other (level, type).
NTSTATUS read_send_control_info(net::address_family socket_family, const void* control, ULONG length,
                                std::optional<net::packet_info>& source) noexcept;

}  // namespace wskemu::wsk
