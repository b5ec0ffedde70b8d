// wskemu host side, internal: the one system call behind tcp_socket's
// try_send and try_receive. Same-named implementations in
// posix/stream_io.cpp (send/recv or sendmsg/recvmsg, called directly: Asio's
// synchronous wrappers added about 60 instructions to each call,
// docs/performance.md) and win/stream_io.cpp (Asio); included only by src/net.
#pragma once

#include "asio_glue.hpp"
#include "buffer.hpp"

#include <span>

namespace wskemu::net::detail {

// At most this many non-empty buffers go into one call; the caller sends
// (or receives) the rest with the next.
inline constexpr std::size_t max_stream_buffers = 64;

// One non-blocking send on a connected stream socket: the bytes the host
// took, or 0 with `ec` set (would_block when its buffer is full). Empty
// buffers are skipped; with none left, 0 and no error.
std::size_t send_some(tcp::socket& socket, std::span<const const_buffer> buffers, boost::system::error_code& ec);

// One non-blocking receive: the bytes read, or 0 with `ec` set (would_block
// when nothing waits, asio::error::eof after the peer's FIN).
std::size_t receive_some(tcp::socket& socket, std::span<const mutable_buffer> buffers,
                         boost::system::error_code& ec);

}  // namespace wskemu::net::detail
