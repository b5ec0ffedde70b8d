// wskemu host side: a UDP socket over a host socket.
#pragma once

#include "buffer.hpp"
#include "callback.hpp"
#include "endpoint.hpp"
#include "error.hpp"
#include "io_engine.hpp"
#include "socket_option.hpp"
#include "transfer.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace wskemu::net {

// Where a datagram was addressed, as the host's packet information tells
// (IP_PKTINFO / IPV6_PKTINFO): the destination address (port 0) and the
// receiving interface. On a send: the source address and interface to use.
struct packet_info {
    endpoint address;
    std::uint32_t interface_index = 0;
};

// One received datagram, or why none was.
struct datagram_result {
    error err = error::none;
    std::size_t bytes = 0;     // copied into the buffers
    bool truncated = false;    // the datagram was longer than the buffers; the rest is gone
    endpoint source;           // the sender (an IPv4 sender on a dual-stack socket: v4-mapped)
    bool has_packet_info = false;
    packet_info destination;   // where it was sent (when has_packet_info)
    bool broadcast = false;    // sent to a broadcast address
    bool multicast = false;    // sent to a multicast group
};

// Receive handler: runs exactly once, on an engine thread, never inside the
// call that started it.
using datagram_handler = callback<void(const datagram_result&)>;

// A multicast group membership (IP_ADD_MEMBERSHIP / IPV6_ADD_MEMBERSHIP).
struct multicast_membership {
    endpoint group;                  // the group address (port ignored)
    endpoint interface_address;      // IPv4: the local interface's address (0.0.0.0 = any)
    std::uint32_t interface_index = 0;  // IPv6: the interface index (0 = any)
};

namespace detail {
struct udp_state;
}

// A UDP socket. Move-only handle; destroying an open one closes it. Every
// member is safe to call from several threads at once and concurrently with
// running handlers (a per-socket mutex; docs/net.md).
//
// Each receive takes exactly one datagram; each send sends exactly one. Sends
// queue per socket and complete in submission order, receives likewise.
// Buffers are never copied: the memory they describe must stay valid until
// the handler runs (the descriptor array itself may go right after the call).
// Packet information is always requested from the host, so every received
// datagram carries its destination address when the host reports it.
class udp_socket {
public:
    // An unopened socket on the process-wide engine.
    udp_socket();
    // An unopened socket on `engine`.
    explicit udp_socket(io_engine& engine);
    ~udp_socket();

    udp_socket(udp_socket&&) noexcept;
    udp_socket& operator=(udp_socket&&) noexcept;
    udp_socket(const udp_socket&) = delete;
    udp_socket& operator=(const udp_socket&) = delete;

    // True between a successful open() and close().
    bool is_open() const noexcept;

    // Creates the host socket (non-blocking, packet information on). IPv6
    // sockets start IPv6-only (v6_only = 1), as on Windows.
    error open(address_family family);
    error set_option(socket_option option, int value);
    error get_option(socket_option option, int& value) const;
    error bind(const endpoint& local);
    error local_endpoint(endpoint& out) const;

    // Joins or leaves a multicast group.
    error join_group(const multicast_membership& membership);
    error leave_group(const multicast_membership& membership);
    // The interface multicast sends leave by: an IPv4 address, or (IPv6) an
    // interface index.
    error set_multicast_interface(const endpoint& ipv4_address, std::uint32_t ipv6_index);
    error get_multicast_interface(endpoint& ipv4_address, std::uint32_t& ipv6_index) const;

    // The largest datagram payload the socket's family can carry to
    // `destination` (65,507 bytes over IPv4 and to v4-mapped addresses,
    // 65,527 over IPv6).
    static std::size_t max_datagram_size(const endpoint& destination) noexcept;

    // Non-blocking send of one datagram on the calling thread: {none, n},
    // {would_block, 0} when the host buffer is full or async sends are queued
    // (so a datagram never overtakes them), or {error, 0}. `source` chooses
    // the source address and interface (nullptr: the host's choice).
    io_result try_send_to(std::span<const const_buffer> buffers, const endpoint& destination,
                          const packet_info* source = nullptr);
    // Sends one datagram, waiting for room if needed; `handler(error, bytes)`.
    op_id async_send_to(std::span<const const_buffer> buffers, const endpoint& destination,
                        const packet_info* source, transfer_handler handler);

    // Non-blocking receive of one datagram on the calling thread: a result
    // with err = none, or would_block when no datagram is waiting or async
    // receives are queued (they get datagrams first).
    datagram_result try_receive_from(std::span<const mutable_buffer> buffers);
    // Receives the next datagram; `handler(result)`.
    op_id async_receive_from(std::span<const mutable_buffer> buffers, datagram_handler handler);

    // Every pending operation completes once with cancelled; the socket stays
    // usable.
    void cancel();
    // Cancels one pending send or receive: it completes with cancelled and
    // consumed or sent nothing. False if it is no longer pending (its
    // completion is under way: the natural result wins).
    bool cancel(op_id id);
    // Cancels pending operations, then closes. Later calls fail with
    // not_connected.
    void close();

private:
    std::shared_ptr<detail::udp_state> state_;
};

}  // namespace wskemu::net
