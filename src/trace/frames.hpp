// wskemu: synthesised IPv4 / IPv6 frames carrying TCP segments and UDP
// datagrams, with correct lengths and checksums, for the packet capture
// (LINKTYPE_RAW: a frame starts with its IP header).
#pragma once

#include "net/buffer.hpp"
#include "net/endpoint.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace wskemu::trace {

/// TCP flag bits.
enum tcp_flag : std::uint8_t {
    tcp_fin = 0x01,
    tcp_syn = 0x02,
    tcp_rst = 0x04,
    tcp_psh = 0x08,
    tcp_ack = 0x10,
};

/// The options every synthesised SYN carries: MSS and window scale.
inline constexpr std::uint16_t syn_mss = 65495;       // loopback's MTU (65,536) less 40 bytes of headers
inline constexpr std::uint8_t syn_window_scale = 7;   // 65,535 << 7: about 8 MiB in flight
/// The largest payload of one synthesised TCP segment.
inline constexpr std::size_t max_segment_payload = 65483;
/// The largest UDP payload IPv4 can carry (65,535 - 20 - 8).
inline constexpr std::size_t max_datagram_payload = 65507;

/// A run of bytes inside a list of pieces: `length` bytes from `offset`.
struct payload_view {
    std::span<const net::const_buffer> pieces;
    std::size_t offset = 0;
    std::size_t length = 0;
};

/// What a TCP segment's header says.
struct tcp_fields {
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;
    std::uint16_t window = 0xFFFF;
};

/// Builds into `out` (replacing its contents) an IP frame from `source` to
/// `destination` (one family) carrying a TCP segment; SYNs carry the MSS
/// and window scale options.
void build_tcp_frame(std::vector<std::uint8_t>& out, const net::endpoint& source, const net::endpoint& destination,
                     const tcp_fields& fields, const payload_view& payload, std::uint16_t ip_id);

/// The same for a UDP datagram.
void build_udp_frame(std::vector<std::uint8_t>& out, const net::endpoint& source, const net::endpoint& destination,
                     const payload_view& payload, std::uint16_t ip_id);

/// The Internet checksum (RFC 1071) of `bytes`, continuing from `sum`
/// (an unfolded 32-bit accumulator); fold with finish_checksum().
std::uint32_t add_checksum(std::uint32_t sum, std::span<const std::uint8_t> bytes) noexcept;
std::uint16_t finish_checksum(std::uint32_t sum) noexcept;

}  // namespace wskemu::trace
