// A loopback TCP echo server for the echo client example: the "real peer" the
// driver talks to. Host-side code on wskemu's network layer; no WDK types.
#pragma once

#include <cstdint>
#include <memory>

namespace wskemu::example {

/// Listens on 127.0.0.1 or ::1, port 0, and echoes every byte of every
/// connection until the client closes it. Stops when destroyed.
class echo_peer {
public:
    explicit echo_peer(bool ipv6 = false);
    ~echo_peer();
    echo_peer(const echo_peer&) = delete;
    echo_peer& operator=(const echo_peer&) = delete;

    /// False if the loopback address of that family is not available.
    bool listening() const noexcept;
    /// The port it listens on, in host byte order.
    std::uint16_t port() const noexcept;

private:
    struct state;
    std::shared_ptr<state> state_;
};

}  // namespace wskemu::example
