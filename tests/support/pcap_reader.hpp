// wskemu tests: a reader of classic pcap files of raw IPv4/IPv6 frames
// carrying TCP and UDP, and a TCP reassembler that checks what a dissector
// relies on (sequence and acknowledgement numbers, checksums). Written from
// the formats' specifications (pcap file format, RFC 791, 8200, 9293, 768),
// apart from the capture's writer.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace wskemu::test::pcap {

struct frame {
    std::uint32_t seconds = 0;
    std::uint32_t microseconds = 0;
    int ip_version = 0;
    std::array<std::uint8_t, 16> source{};       // IPv4: the first 4 bytes
    std::array<std::uint8_t, 16> destination{};
    std::uint8_t protocol = 0;                   // 6 TCP, 17 UDP
    bool ip_checksum_ok = true;                  // IPv4 header checksum (IPv6 has none)
    bool transport_checksum_ok = false;
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    // TCP only
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;                      // FIN 1, SYN 2, RST 4, PSH 8, ACK 16
    std::uint16_t window = 0;
    std::vector<std::uint8_t> options;
    std::vector<std::uint8_t> payload;
};

struct file {
    std::uint16_t version_major = 0;
    std::uint16_t version_minor = 0;
    std::uint32_t snaplen = 0;
    std::uint32_t linktype = 0;
    std::vector<frame> frames;
    std::string error;  // empty if the whole file parsed
};

namespace detail {

inline std::uint32_t le32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}
inline std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
inline std::uint32_t be32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]};
}

// The ones' complement sum of 16-bit words, folded.
inline std::uint32_t ones_sum(const std::uint8_t* p, std::size_t n, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i + 1 < n; i += 2) {
        sum += be16(p + i);
    }
    if (n % 2 != 0) {
        sum += std::uint32_t{p[n - 1]} << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return sum;
}

// A frame from its IP header on; empty string if it is well formed.
inline std::string parse_frame(const std::uint8_t* p, std::size_t n, frame& f) {
    if (n < 1) {
        return "empty frame";
    }
    f.ip_version = p[0] >> 4;
    std::size_t ip_header = 0;
    std::size_t transport_size = 0;
    std::vector<std::uint8_t> pseudo;
    if (f.ip_version == 4) {
        ip_header = std::size_t{p[0] & 0x0Fu} * 4;
        if (n < 20 || ip_header < 20 || n < ip_header) {
            return "short IPv4 header";
        }
        const std::size_t total = be16(p + 2);
        if (total != n) {
            return "IPv4 total length " + std::to_string(total) + " but the frame has " + std::to_string(n);
        }
        f.ip_checksum_ok = ones_sum(p, ip_header) == 0xFFFF;
        f.protocol = p[9];
        std::copy(p + 12, p + 16, f.source.begin());
        std::copy(p + 16, p + 20, f.destination.begin());
        transport_size = total - ip_header;
        pseudo.assign(p + 12, p + 20);
        pseudo.push_back(0);
        pseudo.push_back(f.protocol);
        pseudo.push_back(static_cast<std::uint8_t>(transport_size >> 8));
        pseudo.push_back(static_cast<std::uint8_t>(transport_size));
    } else if (f.ip_version == 6) {
        ip_header = 40;
        if (n < 40) {
            return "short IPv6 header";
        }
        transport_size = be16(p + 4);
        if (transport_size + 40 != n) {
            return "IPv6 payload length does not match the frame";
        }
        f.protocol = p[6];
        std::copy(p + 8, p + 24, f.source.begin());
        std::copy(p + 24, p + 40, f.destination.begin());
        pseudo.assign(p + 8, p + 40);
        for (int shift = 24; shift >= 0; shift -= 8) {
            pseudo.push_back(static_cast<std::uint8_t>(transport_size >> shift));
        }
        pseudo.insert(pseudo.end(), {0, 0, 0, f.protocol});
    } else {
        return "IP version " + std::to_string(f.ip_version);
    }
    const std::uint8_t* t = p + ip_header;
    f.transport_checksum_ok =
        ones_sum(t, transport_size, ones_sum(pseudo.data(), pseudo.size())) == 0xFFFF;
    if (f.protocol == 6) {
        if (transport_size < 20) {
            return "short TCP header";
        }
        const std::size_t header = static_cast<std::size_t>(t[12] >> 4) * 4;
        if (header < 20 || header > transport_size) {
            return "bad TCP data offset";
        }
        f.source_port = be16(t);
        f.destination_port = be16(t + 2);
        f.seq = be32(t + 4);
        f.ack = be32(t + 8);
        f.flags = t[13];
        f.window = be16(t + 14);
        f.options.assign(t + 20, t + header);
        f.payload.assign(t + header, t + transport_size);
    } else if (f.protocol == 17) {
        if (transport_size < 8 || be16(t + 4) != transport_size) {
            return "bad UDP length";
        }
        f.source_port = be16(t);
        f.destination_port = be16(t + 2);
        f.payload.assign(t + 8, t + transport_size);
    } else {
        return "protocol " + std::to_string(f.protocol);
    }
    return {};
}

}  // namespace detail

/// Reads a classic pcap file (little-endian, microsecond timestamps).
inline file read_file(const std::string& path) {
    file out;
    std::ifstream in(path, std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() < 24) {
        out.error = "no pcap header";
        return out;
    }
    if (detail::le32(bytes.data()) != 0xA1B2C3D4) {
        out.error = "not a little-endian microsecond pcap file";
        return out;
    }
    out.version_major = static_cast<std::uint16_t>(bytes[4] | bytes[5] << 8);
    out.version_minor = static_cast<std::uint16_t>(bytes[6] | bytes[7] << 8);
    out.snaplen = detail::le32(bytes.data() + 16);
    out.linktype = detail::le32(bytes.data() + 20);
    std::size_t at = 24;
    while (at < bytes.size()) {
        if (bytes.size() - at < 16) {
            out.error = "truncated record header at " + std::to_string(at);
            return out;
        }
        frame f;
        f.seconds = detail::le32(bytes.data() + at);
        f.microseconds = detail::le32(bytes.data() + at + 4);
        const std::size_t captured = detail::le32(bytes.data() + at + 8);
        const std::size_t original = detail::le32(bytes.data() + at + 12);
        at += 16;
        if (captured != original || captured > out.snaplen || bytes.size() - at < captured) {
            out.error = "bad record lengths at " + std::to_string(at);
            return out;
        }
        if (f.microseconds >= 1000000) {
            out.error = "bad microseconds at " + std::to_string(at);
            return out;
        }
        if (std::string problem = detail::parse_frame(bytes.data() + at, captured, f); !problem.empty()) {
            out.error = "frame " + std::to_string(out.frames.size() + 1) + ": " + problem;
            return out;
        }
        out.frames.push_back(std::move(f));
        at += captured;
    }
    return out;
}

/// One direction of a TCP connection, as a dissector reassembles it.
struct tcp_direction {
    bool started = false;  // a frame of this direction was seen
    bool syn = false;
    bool fin = false;
    bool rst = false;
    std::uint32_t isn = 0;
    std::uint32_t next = 0;  // the next sequence number expected
    std::vector<std::uint8_t> bytes;
    std::size_t data_segments = 0;
    std::size_t largest_segment = 0;
    std::optional<std::uint32_t> last_ack;
};

/// A TCP connection: `client` sent the first frame (the SYN, if captured).
struct tcp_connection {
    std::array<std::uint8_t, 16> client_address{};
    std::array<std::uint8_t, 16> server_address{};
    std::uint16_t client_port = 0;
    std::uint16_t server_port = 0;
    tcp_direction from_client;
    tcp_direction from_server;
    std::vector<std::string> problems;  // every inconsistency found
    std::vector<const frame*> frames;   // in file order
};

/// Groups TCP frames into connections and checks each: checksums, a
/// handshake where there is a SYN, every segment starting at the next
/// sequence number, acknowledgements never ahead of what the other side sent
/// and never going back, and nothing after a RST.
inline std::vector<tcp_connection> reassemble(const file& capture) {
    std::vector<tcp_connection> connections;
    using key = std::tuple<std::array<std::uint8_t, 16>, std::uint16_t, std::array<std::uint8_t, 16>, std::uint16_t>;
    std::map<key, std::size_t> index;
    for (const frame& f : capture.frames) {
        if (f.protocol != 6) {
            continue;
        }
        const key forward{f.source, f.source_port, f.destination, f.destination_port};
        const key backward{f.destination, f.destination_port, f.source, f.source_port};
        bool from_client = true;
        std::size_t i;
        if (auto it = index.find(forward); it != index.end()) {
            i = it->second;
        } else if (auto back = index.find(backward); back != index.end()) {
            i = back->second;
            from_client = false;
        } else {
            i = connections.size();
            index[forward] = i;
            tcp_connection c;
            c.client_address = f.source;
            c.client_port = f.source_port;
            c.server_address = f.destination;
            c.server_port = f.destination_port;
            connections.push_back(c);
        }
        tcp_connection& c = connections[i];
        c.frames.push_back(&f);
        tcp_direction& d = from_client ? c.from_client : c.from_server;
        tcp_direction& other = from_client ? c.from_server : c.from_client;
        const std::string where = "frame seq " + std::to_string(f.seq) + " flags " + std::to_string(f.flags);
        if (!f.ip_checksum_ok || !f.transport_checksum_ok) {
            c.problems.push_back(where + ": bad checksum");
        }
        if (d.rst || other.rst) {
            c.problems.push_back(where + ": after a RST");
        }
        const bool syn = (f.flags & 0x02) != 0;
        if (syn) {
            if (d.syn) {
                c.problems.push_back(where + ": a second SYN");
            }
            d.syn = true;
            d.isn = f.seq;
            d.next = f.seq + 1;
            if (!f.payload.empty()) {
                c.problems.push_back(where + ": data on a SYN");
            }
        } else {
            if (!d.started) {
                d.next = f.seq;  // joined mid-stream
                d.isn = f.seq - 1;
            }
            if (f.seq != d.next) {
                c.problems.push_back(where + ": expected sequence number " + std::to_string(d.next));
            }
            if (!f.payload.empty()) {
                if (d.fin) {
                    c.problems.push_back(where + ": data after FIN");
                }
                d.bytes.insert(d.bytes.end(), f.payload.begin(), f.payload.end());
                ++d.data_segments;
                d.largest_segment = std::max(d.largest_segment, f.payload.size());
                d.next += static_cast<std::uint32_t>(f.payload.size());
            }
            if ((f.flags & 0x01) != 0) {
                d.fin = true;
                d.next += 1;
            }
            if ((f.flags & 0x04) != 0) {
                d.rst = true;
            }
        }
        d.started = true;
        if ((f.flags & 0x10) != 0) {
            // Not ahead of what the other side sent (when known), not behind an earlier acknowledgement.
            if (other.started && static_cast<std::int32_t>(f.ack - other.next) > 0) {
                c.problems.push_back(where + ": acknowledges " + std::to_string(f.ack) + ", beyond " +
                                     std::to_string(other.next));
            }
            if (d.last_ack && static_cast<std::int32_t>(f.ack - *d.last_ack) < 0) {
                c.problems.push_back(where + ": acknowledgement goes back");
            }
            d.last_ack = f.ack;
        }
    }
    return connections;
}

}  // namespace wskemu::test::pcap
