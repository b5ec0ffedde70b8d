// wskemu host side, internal: the system calls behind udp_socket that Asio
// does not wrap (recvmsg/sendmsg with packet information and the truncation
// flag). Same-named implementations in posix/datagram_io.cpp and
// win/datagram_io.cpp; included only by src/net.
#pragma once

#include "asio_glue.hpp"
#include "udp_socket.hpp"

#include <span>

namespace wskemu::net::detail {

// More buffers than this in one datagram is refused (invalid_argument): the
// host takes a datagram in one call, and IOV_MAX is 1024 on Linux.
inline constexpr std::size_t max_datagram_buffers = 1024;

// Host settings every datagram socket gets at open: packet information on
// receive and, on Windows, no connection resets reported on receives
// (SIO_UDP_CONNRESET off).
error prepare_datagram_socket(udp::socket& socket, address_family family);

// One non-blocking receive of one datagram: err = none with the datagram,
// would_block if none waits, or the host's error.
datagram_result receive_datagram(udp::socket& socket, std::span<const mutable_buffer> buffers);

// One non-blocking send of one datagram; `source` (may be null) chooses the
// source address and interface.
io_result send_datagram(udp::socket& socket, std::span<const const_buffer> buffers, const endpoint& destination,
                        const packet_info* source);

// True if a read (or write) would not block now. Checked right after a wait
// is armed: an edge-triggered reactor (epoll) does not announce readiness
// that arrived while no wait was queued.
bool ready_now(udp::socket& socket, bool for_write);

// The broadcast/multicast flags from the destination address: multicast
// groups (224.0.0.0/4, ff00::/8, and v4-mapped groups) and the limited
// broadcast address; `host_broadcast` adds what the host reported itself.
void classify_destination(datagram_result& result, bool host_broadcast) noexcept;

}  // namespace wskemu::net::detail
