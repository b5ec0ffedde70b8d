// wskemu: building IP frames for the packet capture (frames.hpp).
// Header layouts: RFC 791 (IPv4), RFC 8200 (IPv6), RFC 9293 (TCP), RFC 768
// (UDP); options: RFC 9293 (MSS), RFC 7323 (window scale).
#include "trace/frames.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace wskemu::trace {

namespace {

constexpr std::uint8_t protocol_tcp = 6;
constexpr std::uint8_t protocol_udp = 17;
constexpr std::uint8_t hop_limit = 64;

void put16(std::uint8_t* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}

void put32(std::uint8_t* p, std::uint32_t v) noexcept {
    put16(p, static_cast<std::uint16_t>(v >> 16));
    put16(p + 2, static_cast<std::uint16_t>(v));
}

bool is_v6(const net::endpoint& ep) noexcept { return ep.family == net::address_family::ipv6; }

std::size_t ip_header_size(const net::endpoint& ep) noexcept { return is_v6(ep) ? 40 : 20; }

// Copies the payload's bytes to `out`.
void gather(const payload_view& payload, std::uint8_t* out) noexcept {
    std::size_t skip = payload.offset;
    std::size_t left = payload.length;
    for (const net::const_buffer& piece : payload.pieces) {
        if (left == 0) {
            break;
        }
        if (skip >= piece.size) {
            skip -= piece.size;
            continue;
        }
        const std::size_t n = std::min(piece.size - skip, left);
        std::memcpy(out, static_cast<const std::uint8_t*>(piece.data) + skip, n);
        out += n;
        left -= n;
        skip = 0;
    }
}

// The IP header for `transport_size` bytes of `protocol`, at the frame's start.
void write_ip_header(std::uint8_t* p, const net::endpoint& source, const net::endpoint& destination,
                     std::uint8_t protocol, std::size_t transport_size, std::uint16_t ip_id) noexcept {
    if (is_v6(source)) {
        put32(p, 0x60000000u);  // version 6, traffic class 0, flow label 0
        put16(p + 4, static_cast<std::uint16_t>(transport_size));
        p[6] = protocol;
        p[7] = hop_limit;
        std::memcpy(p + 8, source.address.data(), 16);
        std::memcpy(p + 24, destination.address.data(), 16);
        return;
    }
    p[0] = 0x45;  // version 4, 5 words
    p[1] = 0;
    put16(p + 2, static_cast<std::uint16_t>(20 + transport_size));
    put16(p + 4, ip_id);
    put16(p + 6, 0x4000);  // don't fragment
    p[8] = hop_limit;
    p[9] = protocol;
    put16(p + 10, 0);
    std::memcpy(p + 12, source.address.data(), 4);
    std::memcpy(p + 16, destination.address.data(), 4);
    put16(p + 10, finish_checksum(add_checksum(0, std::span<const std::uint8_t>(p, 20))));
}

// The transport checksum: pseudo header, then the segment (checksum field 0).
std::uint16_t transport_checksum(const net::endpoint& source, const net::endpoint& destination,
                                 std::uint8_t protocol, std::span<const std::uint8_t> segment) noexcept {
    std::array<std::uint8_t, 40> pseudo{};
    std::size_t size;
    if (is_v6(source)) {
        std::memcpy(pseudo.data(), source.address.data(), 16);
        std::memcpy(pseudo.data() + 16, destination.address.data(), 16);
        put32(pseudo.data() + 32, static_cast<std::uint32_t>(segment.size()));
        pseudo[39] = protocol;
        size = 40;
    } else {
        std::memcpy(pseudo.data(), source.address.data(), 4);
        std::memcpy(pseudo.data() + 4, destination.address.data(), 4);
        pseudo[9] = protocol;
        put16(pseudo.data() + 10, static_cast<std::uint16_t>(segment.size()));
        size = 12;
    }
    std::uint32_t sum = add_checksum(0, std::span<const std::uint8_t>(pseudo.data(), size));
    return finish_checksum(add_checksum(sum, segment));
}

}  // namespace

std::uint32_t add_checksum(std::uint32_t sum, std::span<const std::uint8_t> bytes) noexcept {
    std::size_t i = 0;
    for (; i + 1 < bytes.size(); i += 2) {
        sum += static_cast<std::uint32_t>(bytes[i] << 8 | bytes[i + 1]);
        if (sum >= 0x80000000u) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
    }
    if (i < bytes.size()) {
        sum += static_cast<std::uint32_t>(bytes[i] << 8);  // an odd byte is padded with zero
    }
    return sum;
}

std::uint16_t finish_checksum(std::uint32_t sum) noexcept {
    while ((sum >> 16) != 0) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

void build_tcp_frame(std::vector<std::uint8_t>& out, const net::endpoint& source, const net::endpoint& destination,
                     const tcp_fields& fields, const payload_view& payload, std::uint16_t ip_id) {
    const bool syn = (fields.flags & tcp_syn) != 0;
    const std::size_t header = syn ? 28 : 20;
    const std::size_t ip = ip_header_size(source);
    const std::size_t segment = header + payload.length;
    out.assign(ip + segment, 0);
    std::uint8_t* t = out.data() + ip;
    put16(t, source.port);
    put16(t + 2, destination.port);
    put32(t + 4, fields.seq);
    put32(t + 8, (fields.flags & tcp_ack) != 0 ? fields.ack : 0);
    t[12] = static_cast<std::uint8_t>((header / 4) << 4);
    t[13] = fields.flags;
    put16(t + 14, fields.window);
    if (syn) {
        t[20] = 2;  // MSS
        t[21] = 4;
        put16(t + 22, syn_mss);
        t[24] = 1;  // NOP, then window scale
        t[25] = 3;
        t[26] = 3;
        t[27] = syn_window_scale;
    }
    gather(payload, t + header);
    put16(t + 16, transport_checksum(source, destination, protocol_tcp, std::span<const std::uint8_t>(t, segment)));
    write_ip_header(out.data(), source, destination, protocol_tcp, segment, ip_id);
}

void build_udp_frame(std::vector<std::uint8_t>& out, const net::endpoint& source, const net::endpoint& destination,
                     const payload_view& payload, std::uint16_t ip_id) {
    const std::size_t ip = ip_header_size(source);
    const std::size_t segment = 8 + payload.length;
    out.assign(ip + segment, 0);
    std::uint8_t* u = out.data() + ip;
    put16(u, source.port);
    put16(u + 2, destination.port);
    put16(u + 4, static_cast<std::uint16_t>(segment));
    gather(payload, u + 8);
    std::uint16_t checksum =
        transport_checksum(source, destination, protocol_udp, std::span<const std::uint8_t>(u, segment));
    put16(u + 6, checksum == 0 ? 0xFFFF : checksum);  // 0 means "none" in UDP
    write_ip_header(out.data(), source, destination, protocol_udp, segment, ip_id);
}

}  // namespace wskemu::trace
