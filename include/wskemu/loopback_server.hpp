// wskemu: loopback TCP servers for tests of driver code: the real peers a
// driver's sockets talk to. They run on wskemu's network engine, so in the
// deterministic mode the driving thread runs them too. No WDK or OS headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace wskemu {

/// @brief What a loopback server does with each connection.
enum class server_behaviour {
    echo,  ///< sends back every byte it receives, until the client closes
    sink,  ///< keeps every byte it receives (bytes()), until the client closes
};

/// @brief A TCP server on 127.0.0.1 or ::1, port 0, serving every connection
/// it accepts until destroyed (then it resets the connections still open).
class loopback_server {
public:
    explicit loopback_server(server_behaviour behaviour, bool ipv6 = false);
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
    struct state;
    std::shared_ptr<state> state_;
};

}  // namespace wskemu
