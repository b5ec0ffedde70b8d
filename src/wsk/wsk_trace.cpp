// wskemu: the sockets' records for the capture and the timeline
// (wsk_trace.hpp): endpoints come from the host socket, and a connection the
// capture has not seen (started after the connect) joins it mid-stream.
#include "wsk/wsk_trace.hpp"

namespace wskemu::wsk {

namespace {

bool endpoints_of(connection_socket& socket, net::endpoint& local, net::endpoint& remote) {
    return socket.host_socket().local_endpoint(local) == net::error::none &&
           socket.host_socket().remote_endpoint(remote) == net::error::none;
}

// Makes sure the capture knows the connection before its bytes are recorded.
void join(connection_socket& socket) {
    if (trace::tcp_known(socket.key())) {
        return;
    }
    net::endpoint local;
    net::endpoint remote;
    if (endpoints_of(socket, local, remote)) {
        trace::tcp_joined(socket.key(), local, remote);
    }
}

template <typename Piece>
void received(connection_socket& socket, std::span<const Piece> pieces, std::size_t bytes, net::error ended) {
    if (bytes == 0 && ended != net::error::connection_reset && ended != net::error::end_of_stream) {
        return;
    }
    join(socket);
    trace::tcp_received(socket.key(), pieces, bytes, ended);
}

}  // namespace

void record_connected(connection_socket& socket) {
    net::endpoint local;
    net::endpoint remote;
    if (!endpoints_of(socket, local, remote)) {
        return;
    }
    trace::socket_endpoints(socket.key(), local, remote);
    if (trace::capture_on()) {
        trace::tcp_connected(socket.key(), local, remote);
    }
}

void record_sent(connection_socket& socket, std::span<const net::const_buffer> pieces, std::size_t bytes,
                 net::error ended) {
    if (bytes == 0 && ended != net::error::connection_reset) {
        return;
    }
    join(socket);
    trace::tcp_sent(socket.key(), pieces, bytes, ended);
}

void record_received(connection_socket& socket, std::span<const net::const_buffer> pieces, std::size_t bytes,
                     net::error ended) {
    received(socket, pieces, bytes, ended);
}

void record_received(connection_socket& socket, std::span<const net::mutable_buffer> pieces, std::size_t bytes,
                     net::error ended) {
    received(socket, pieces, bytes, ended);
}

void record_datagram_sent(datagram_socket& socket, const net::endpoint& to, std::span<const net::const_buffer> pieces,
                          std::size_t bytes) {
    net::endpoint local;
    if (socket.host_socket().local_endpoint(local) == net::error::none) {
        trace::udp_sent(socket.key(), local, to, pieces, bytes);
    }
}

void record_datagram_received(datagram_socket& socket, const net::datagram_result& received,
                              std::span<const net::mutable_buffer> pieces) {
    net::endpoint local;
    if (socket.host_socket().local_endpoint(local) == net::error::none) {
        trace::udp_received(socket.key(), local, received.source, pieces, received.bytes);
    }
}

}  // namespace wskemu::wsk
