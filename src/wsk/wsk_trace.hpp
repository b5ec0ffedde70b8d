// wskemu: the connection and datagram sockets' calls into the capture
// (src/trace/hooks.hpp), one line at each place where bytes really moved.
// Each tests capture_on() inline, so with no capture running it costs one
// relaxed load.
//
// Callers hold the socket's mutex, so that records reach the capture in the
// order of the stream.
#pragma once

#include "trace/hooks.hpp"
#include "wsk/wsk_datagram.hpp"
#include "wsk/wsk_socket.hpp"

#include <span>
#include <vector>

namespace wskemu::wsk {

// The slow paths (wsk_trace.cpp).
void record_connected(connection_socket& socket);
void record_sent(connection_socket& socket, std::span<const net::const_buffer> pieces, std::size_t bytes,
                 net::error ended);
void record_received(connection_socket& socket, std::span<const net::const_buffer> pieces, std::size_t bytes,
                     net::error ended);
void record_received(connection_socket& socket, std::span<const net::mutable_buffer> pieces, std::size_t bytes,
                     net::error ended);

/// The connect completed with `result`: on success the handshake, and the
/// timeline's track learns the endpoints.
inline void trace_connected(connection_socket& socket, net::error result) {
    if (result == net::error::none && (trace::capture_on() || trace::timeline_on())) {
        record_connected(socket);
    }
}

/// The first `bytes` of `pieces` went to the peer; the host operation ended
/// with `ended` (a reset from the peer shows as its RST).
inline void trace_sent(connection_socket& socket, std::span<const net::const_buffer> pieces, std::size_t bytes,
                       net::error ended = net::error::none) {
    if (trace::capture_on()) {
        record_sent(socket, pieces, bytes, ended);
    }
}

/// The first `bytes` of `pieces` came from the peer; `ended`: end_of_stream
/// is its FIN, connection_reset its RST.
inline void trace_received(connection_socket& socket, std::span<const net::mutable_buffer> pieces,
                           std::size_t bytes, net::error ended = net::error::none) {
    if (trace::capture_on()) {
        record_received(socket, pieces, bytes, ended);
    }
}

/// A pending receive's host operation finished with `bytes` and `ended`: the
/// bytes are in its pieces, or (WSK_FLAG_DRAIN) in its drain buffer.
template <typename ReceiveOperation>
void trace_receive_finished(connection_socket& socket, const ReceiveOperation& op, std::size_t bytes,
                            net::error ended) {
    if (trace::capture_on()) {
        if (op.drain_buffer) {
            const net::const_buffer scratch{op.drain_buffer.get(), bytes};
            record_received(socket, std::span(&scratch, 1), bytes, ended);
        } else {
            trace_received(socket, std::span<const net::mutable_buffer>(op.pieces), bytes, ended);
        }
    }
}

/// Keeps a pending send's pieces for trace_sent at its completion (nothing
/// is kept with no capture running).
inline void keep_for_trace(std::vector<net::const_buffer>& kept, const std::vector<net::const_buffer>& pieces) {
    if (trace::capture_on()) {
        kept = pieces;
    }
}

/// Our FIN went.
inline void trace_fin_sent(const connection_socket& socket) {
    if (trace::capture_on()) {
        trace::tcp_fin_sent(socket.key());
    }
}

/// Our side reset the connection.
inline void trace_reset(const connection_socket& socket) {
    if (trace::capture_on()) {
        trace::tcp_reset(socket.key());
    }
}

// ---- datagram sockets ----------------------------------------------------------------

void record_datagram_sent(datagram_socket& socket, const net::endpoint& to, std::span<const net::const_buffer> pieces,
                          std::size_t bytes);
void record_datagram_received(datagram_socket& socket, const net::datagram_result& received,
                              std::span<const net::mutable_buffer> pieces);

/// The host took a datagram of `bytes` (the first bytes of `pieces`) for `to`.
inline void trace_datagram_sent(datagram_socket& socket, const net::endpoint& to,
                                std::span<const net::const_buffer> pieces, std::size_t bytes) {
    if (trace::capture_on()) {
        record_datagram_sent(socket, to, pieces, bytes);
    }
}

/// A datagram for the driver came in: `received.bytes` of it in `pieces`
/// (of a truncated one, what was kept), from `received.source`.
inline void trace_datagram_received(datagram_socket& socket, const net::datagram_result& received,
                                    std::span<const net::mutable_buffer> pieces) {
    if (trace::capture_on()) {
        record_datagram_received(socket, received, pieces);
    }
}

}  // namespace wskemu::wsk
