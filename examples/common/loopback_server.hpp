// The examples' loopback peers (the echo server, the send loop's sink) share
// this: a TCP server on 127.0.0.1 or ::1, port 0, that hands each accepted
// connection to a session of the example's own. Host-side code on wskemu's
// network layer; no WDK types.
#pragma once

#include "net/tcp_socket.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

namespace wskemu::example {

/// One accepted connection; the example's session derives from it and
/// starts its first receive in start().
struct loopback_session {
    explicit loopback_session(net::tcp_socket connected) : socket(std::move(connected)) {}
    virtual ~loopback_session() = default;
    virtual void start() = 0;

    net::tcp_socket socket;
};

/// Listens and accepts until destroyed; then closes the listener and resets
/// every session's connection.
class loopback_server {
public:
    /// Makes the session for a new connection.
    using session_factory = std::function<std::shared_ptr<loopback_session>(net::tcp_socket)>;

    loopback_server(bool ipv6, session_factory make_session);
    ~loopback_server();
    loopback_server(const loopback_server&) = delete;
    loopback_server& operator=(const loopback_server&) = delete;

    /// False if the loopback address of that family is not available.
    bool listening() const noexcept;
    /// The port it listens on, in host byte order.
    std::uint16_t port() const noexcept;
    /// Connections accepted so far.
    std::size_t connections() const;

private:
    struct state;
    std::shared_ptr<state> state_;
};

}  // namespace wskemu::example
