// wskemu: the packet capture (hooks.hpp's capture hooks and the capture half
// of include/wskemu/trace.hpp): each TCP connection a flow with its own
// sequence numbers, each record of bytes moved one or more frames, written
// to a classic pcap file as they happen (docs/traces.md).
//
// The frames are what the two ends would have exchanged, not what the host's
// loopback carried: our side's data as it completes, the peer's as we
// receive it, each acknowledged by the other side once 256 KiB are
// outstanding (data segments acknowledge the other direction as they go),
// FIN and RST where the connection ended that way.
#include "trace/capture.hpp"

#include <wskemu/trace.hpp>

#include "kernel/log.hpp"
#include "trace/exit_lock.hpp"
#include "trace/frames.hpp"
#include "trace/hooks.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <unordered_map>

namespace wskemu::trace {

namespace detail {
std::atomic<bool> capture_enabled{false};
}  // namespace detail

namespace {

constexpr std::uint32_t pcap_magic = 0xA1B2C3D4;  // microsecond timestamps
constexpr std::uint32_t pcap_snaplen = 262144;
constexpr std::uint32_t linktype_raw = 101;       // frames start with the IP header
constexpr std::uint32_t ack_every = 256 * 1024;   // the receiver acknowledges at least this often
constexpr std::size_t file_buffer_size = 1 << 20;

enum class side { local, remote };

struct flow {
    net::endpoint local;
    net::endpoint remote;
    std::uint32_t local_next = 0;   // our next sequence number
    std::uint32_t remote_next = 0;  // the peer's
    std::uint32_t local_acked = 0;  // what our last segment acknowledged of the peer's
    std::uint32_t remote_acked = 0; // what the peer's last segment acknowledged of ours
    bool local_fin = false;
    bool remote_fin = false;
    bool reset = false;

    bool ended() const noexcept { return reset || (local_fin && remote_fin); }
};

struct capture_state {
    std::mutex mutex;
    std::FILE* file = nullptr;
    std::string path;
    std::vector<char> file_buffer;
    bool write_failed = false;
    std::unordered_map<const void*, flow> flows;
    std::uint64_t next_flow = 1;
    std::uint16_t ip_id = 1;
    capture_counts counts;
    std::vector<std::uint8_t> frame;
};

capture_state& the_capture() {
    static auto* c = new capture_state;  // never destroyed: hooks run at exit
    return *c;
}

void put_le32(std::uint8_t* p, std::uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i) {
        p[i] = static_cast<std::uint8_t>(v >> (8 * i));
    }
}

void write_bytes(capture_state& c, const void* data, std::size_t size) {
    if (c.file != nullptr && std::fwrite(data, 1, size, c.file) != size && !c.write_failed) {
        c.write_failed = true;
        kernel::log().error("packet capture: cannot write {}; later frames are lost", c.path);
    }
}

// One pcap record: the frame in c.frame, stamped now.
void write_frame(capture_state& c, std::size_t payload) {
    const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    std::uint8_t header[16];
    put_le32(header, static_cast<std::uint32_t>(now / 1000000));
    put_le32(header + 4, static_cast<std::uint32_t>(now % 1000000));
    put_le32(header + 8, static_cast<std::uint32_t>(c.frame.size()));
    put_le32(header + 12, static_cast<std::uint32_t>(c.frame.size()));
    write_bytes(c, header, sizeof header);
    write_bytes(c, c.frame.data(), c.frame.size());
    ++c.counts.frames;
    c.counts.payload_bytes += payload;
}

bool is_unspecified(const net::endpoint& ep) noexcept {
    const std::size_t size = ep.family == net::address_family::ipv4 ? 4 : 16;
    return std::all_of(ep.address.begin(), ep.address.begin() + static_cast<std::ptrdiff_t>(size),
                       [](std::uint8_t b) { return b == 0; });
}

bool is_loopback(const net::endpoint& ep) noexcept {
    if (ep.family == net::address_family::ipv4) {
        return ep.address[0] == 127;
    }
    return ep.address == net::endpoint::loopback(net::address_family::ipv6).address;
}

// A wildcard local address as a frame's source: the address the host would
// have sent from on loopback.
net::endpoint concrete_local(net::endpoint local, const net::endpoint& remote) {
    if (is_unspecified(local)) {
        local.address = is_loopback(remote) ? remote.address : net::endpoint::loopback(local.family).address;
    }
    return local;
}

void segment(capture_state& c, flow& f, side from, std::uint8_t flags, const payload_view& payload = {}) {
    const bool ours = from == side::local;
    tcp_fields fields;
    fields.seq = ours ? f.local_next : f.remote_next;
    fields.ack = ours ? f.remote_next : f.local_next;
    fields.flags = flags;
    build_tcp_frame(c.frame, ours ? f.local : f.remote, ours ? f.remote : f.local, fields, payload, c.ip_id++);
    write_frame(c, payload.length);
    const std::uint32_t advance =
        static_cast<std::uint32_t>(payload.length) + ((flags & (tcp_syn | tcp_fin)) != 0 ? 1u : 0u);
    if (ours) {
        f.local_next += advance;
        f.local_acked = (flags & tcp_ack) != 0 ? fields.ack : f.local_acked;
    } else {
        f.remote_next += advance;
        f.remote_acked = (flags & tcp_ack) != 0 ? fields.ack : f.remote_acked;
    }
}

// The other side acknowledges what `from` sent, if enough is outstanding (or `always`).
void acknowledge(capture_state& c, flow& f, side from, bool always) {
    const bool ours = from == side::local;
    const std::uint32_t outstanding = ours ? f.local_next - f.remote_acked : f.remote_next - f.local_acked;
    if (outstanding != 0 && (always || outstanding >= ack_every)) {
        segment(c, f, ours ? side::remote : side::local, tcp_ack);
    }
}

void data(capture_state& c, flow& f, side from, std::span<const net::const_buffer> pieces, std::size_t bytes) {
    for (std::size_t offset = 0; offset < bytes;) {
        const std::size_t length = std::min(max_segment_payload, bytes - offset);
        const bool last = offset + length == bytes;
        segment(c, f, from, static_cast<std::uint8_t>(tcp_ack | (last ? tcp_psh : 0)),
                payload_view{pieces, offset, length});
        offset += length;
        acknowledge(c, f, from, false);
    }
}

void finish(capture_state& c, flow& f, side from) {
    bool& fin = from == side::local ? f.local_fin : f.remote_fin;
    if (fin || f.reset) {
        return;
    }
    segment(c, f, from, tcp_fin | tcp_ack);
    fin = true;
    acknowledge(c, f, from, true);
}

void reset(capture_state& c, flow& f, side from) {
    if (f.reset) {
        return;
    }
    segment(c, f, from, tcp_rst | tcp_ack);
    f.reset = true;
}

// How a host operation's end shows on the wire.
void ended_with(capture_state& c, flow& f, net::error ended) {
    if (ended == net::error::end_of_stream) {
        finish(c, f, side::remote);
    } else if (ended == net::error::connection_reset) {
        reset(c, f, side::remote);
    }
}

flow* find_flow(capture_state& c, const void* socket) {
    auto it = c.flows.find(socket);
    return it == c.flows.end() ? nullptr : &it->second;
}

template <typename Piece>
void record_received(const void* socket, std::span<const Piece> pieces, std::size_t bytes, net::error ended) {
    auto& c = the_capture();
    std::lock_guard lock(c.mutex);
    flow* f = find_flow(c, socket);
    if (f == nullptr || f->reset) {
        return;
    }
    std::vector<net::const_buffer> view;
    view.reserve(pieces.size());
    for (const Piece& piece : pieces) {
        view.push_back(net::const_buffer{piece.data, piece.size});
    }
    data(c, *f, side::remote, view, bytes);
    ended_with(c, *f, ended);
}

template <typename Piece>
void record_datagram(bool sent, const net::endpoint& local, const net::endpoint& remote,
                     std::span<const Piece> pieces, std::size_t bytes) {
    auto& c = the_capture();
    std::lock_guard lock(c.mutex);
    if (c.file == nullptr) {
        return;
    }
    std::vector<net::const_buffer> view;
    view.reserve(pieces.size());
    for (const Piece& piece : pieces) {
        view.push_back(net::const_buffer{piece.data, piece.size});
    }
    const net::endpoint here = concrete_local(local, remote);
    const payload_view payload{view, 0, std::min(bytes, max_datagram_payload)};
    build_udp_frame(c.frame, sent ? here : remote, sent ? remote : here, payload, c.ip_id++);
    write_frame(c, payload.length);
}

void close_file(capture_state& c) {
    if (c.file != nullptr) {
        std::fclose(c.file);
        c.file = nullptr;
    }
    c.flows.clear();
}

}  // namespace

// ---- hooks -------------------------------------------------------------------------

void tcp_connected(const void* socket, const net::endpoint& local, const net::endpoint& remote) {
    auto& c = the_capture();
    std::lock_guard lock(c.mutex);
    if (c.file == nullptr) {
        return;
    }
    const std::uint64_t serial = c.next_flow++;
    flow f;
    f.local = concrete_local(local, remote);
    f.remote = remote;
    // Initial sequence numbers: fixed per flow serial, so runs compare.
    const auto isn = static_cast<std::uint32_t>(0x10000000u * (serial % 13 + 1) + serial * 104729u);
    f.local_next = isn;
    f.remote_next = isn ^ 0x5A5A5A5Au;
    segment(c, f, side::local, tcp_syn);
    segment(c, f, side::remote, tcp_syn | tcp_ack);
    segment(c, f, side::local, tcp_ack);
    c.flows[socket] = f;
}

bool tcp_known(const void* socket) {
    auto& c = the_capture();
    std::lock_guard lock(c.mutex);
    return c.file == nullptr || c.flows.count(socket) != 0;
}

void tcp_joined(const void* socket, const net::endpoint& local, const net::endpoint& remote) {
    auto& c = the_capture();
    std::lock_guard lock(c.mutex);
    if (c.file == nullptr || c.flows.count(socket) != 0) {
        return;
    }
    const std::uint64_t serial = c.next_flow++;
    flow f;
    f.local = concrete_local(local, remote);
    f.remote = remote;
    f.local_next = static_cast<std::uint32_t>(0x10000000u * (serial % 13 + 1) + serial * 104729u) + 1;
    f.remote_next = f.local_next ^ 0x5A5A5A5Au;
    f.local_acked = f.remote_next;
    f.remote_acked = f.local_next;
    c.flows[socket] = f;
}

void tcp_sent(const void* socket, std::span<const net::const_buffer> pieces, std::size_t bytes, net::error ended) {
    auto& c = the_capture();
    std::lock_guard lock(c.mutex);
    flow* f = find_flow(c, socket);
    if (f == nullptr || f->reset) {
        return;
    }
    data(c, *f, side::local, pieces, bytes);
    ended_with(c, *f, ended);
}

void tcp_received(const void* socket, std::span<const net::mutable_buffer> pieces, std::size_t bytes,
                  net::error ended) {
    record_received(socket, pieces, bytes, ended);
}

void tcp_received(const void* socket, std::span<const net::const_buffer> pieces, std::size_t bytes,
                  net::error ended) {
    record_received(socket, pieces, bytes, ended);
}

void tcp_fin_sent(const void* socket) {
    auto& c = the_capture();
    std::lock_guard lock(c.mutex);
    if (flow* f = find_flow(c, socket)) {
        finish(c, *f, side::local);
    }
}

void tcp_reset(const void* socket) {
    auto& c = the_capture();
    std::lock_guard lock(c.mutex);
    if (flow* f = find_flow(c, socket)) {
        reset(c, *f, side::local);
    }
}

void udp_sent(const void* socket, const net::endpoint& local, const net::endpoint& remote,
              std::span<const net::const_buffer> pieces, std::size_t bytes) {
    (void)socket;
    record_datagram(true, local, remote, pieces, bytes);
}

void udp_received(const void* socket, const net::endpoint& local, const net::endpoint& remote,
                  std::span<const net::mutable_buffer> pieces, std::size_t bytes) {
    (void)socket;
    record_datagram(false, local, remote, pieces, bytes);
}

void udp_received(const void* socket, const net::endpoint& local, const net::endpoint& remote,
                  std::span<const net::const_buffer> pieces, std::size_t bytes) {
    (void)socket;
    record_datagram(false, local, remote, pieces, bytes);
}

namespace detail {

void capture_socket_closed(const void* socket) {
    auto& c = the_capture();
    std::lock_guard lock(c.mutex);
    auto it = c.flows.find(socket);
    if (it == c.flows.end()) {
        return;
    }
    if (!it->second.ended()) {
        reset(c, it->second, side::local);  // an abortive close
    }
    c.flows.erase(it);
}

std::string capture_path() {
    auto& c = the_capture();
    const auto lock = lock_for_output(c.mutex);
    return lock.owns_lock() && c.file != nullptr ? c.path : std::string{};
}

}  // namespace detail

// ---- control API --------------------------------------------------------------------

bool start_capture(const std::string& path, std::string* error) {
    auto& c = the_capture();
    std::lock_guard lock(c.mutex);
    detail::capture_enabled.store(false, std::memory_order_relaxed);
    close_file(c);
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) {
        if (error != nullptr) {
            *error = "cannot create " + path;
        }
        return false;
    }
    c.file_buffer.assign(file_buffer_size, 0);
    std::setvbuf(file, c.file_buffer.data(), _IOFBF, c.file_buffer.size());
    c.file = file;
    c.path = path;
    c.write_failed = false;
    c.counts = {};
    c.next_flow = 1;
    std::uint8_t header[24];
    put_le32(header, pcap_magic);
    header[4] = 2;  // version 2.4
    header[5] = 0;
    header[6] = 4;
    header[7] = 0;
    put_le32(header + 8, 0);   // GMT
    put_le32(header + 12, 0);  // timestamp accuracy
    put_le32(header + 16, pcap_snaplen);
    put_le32(header + 20, linktype_raw);
    write_bytes(c, header, sizeof header);
    detail::capture_enabled.store(true, std::memory_order_relaxed);
    return true;
}

void stop_capture() {
    auto& c = the_capture();
    std::lock_guard lock(c.mutex);
    detail::capture_enabled.store(false, std::memory_order_relaxed);
    close_file(c);
}

void flush_capture() {
    auto& c = the_capture();
    const auto lock = lock_for_output(c.mutex);
    if (lock.owns_lock() && c.file != nullptr && std::fflush(c.file) != 0 && !c.write_failed) {
        c.write_failed = true;
        kernel::log().error("packet capture: cannot write {}", c.path);
    }
}

bool capturing() noexcept { return capture_on(); }

capture_counts capture_size() {
    auto& c = the_capture();
    const auto lock = lock_for_output(c.mutex);
    return lock.owns_lock() ? c.counts : capture_counts{};
}

}  // namespace wskemu::trace
