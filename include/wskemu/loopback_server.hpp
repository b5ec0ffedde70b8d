// wskemu: loopback TCP servers for tests of driver code: the real peers a
// driver's sockets talk to. They run on wskemu's network engine, so in the
// deterministic mode the driving thread runs them too. No WDK or OS headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace wskemu {

/// @brief What a loopback server does with each connection.
enum class server_behaviour {
    echo,  ///< sends back every byte it receives, until the client closes
    sink,  ///< keeps every byte it receives (bytes()), until the client closes
};

/// @brief What a sink that hands its bytes on sees: each piece a connection
/// receives, on the engine's thread (connections count from 0 in accept
/// order), then `size` 0 when the client closes it or it fails.
using connection_observer = std::function<void(std::size_t connection, const unsigned char* data, std::size_t size)>;

/// @brief A TCP server on 127.0.0.1 or ::1, port 0, serving every connection
/// it accepts until destroyed (then it resets the connections still open).
class loopback_server {
public:
    explicit loopback_server(server_behaviour behaviour, bool ipv6 = false);
    /// @brief A sink that keeps nothing and hands every piece to @p observer
    /// (a peer that checks a long stream as it goes).
    explicit loopback_server(connection_observer observer, bool ipv6 = false);
    ~loopback_server();
    loopback_server(const loopback_server&) = delete;
    loopback_server& operator=(const loopback_server&) = delete;

    /// @brief False if the loopback address of that family is not available.
    bool listening() const noexcept;
    /// @brief The port it listens on, in host byte order.
    std::uint16_t port() const noexcept;
    /// @brief Connections accepted so far.
    std::size_t connections() const;
    /// @brief Connections whose client closed gracefully (FIN) so far.
    std::size_t finished_connections() const;
    /// @brief A sink's bytes from every connection, in arrival order per connection, connections in accept order.
    std::vector<unsigned char> bytes() const;
    /// @brief Bytes received over all connections so far.
    std::size_t byte_count() const;

private:
    void start(bool ipv6);
    struct state;
    std::shared_ptr<state> state_;
};

}  // namespace wskemu
