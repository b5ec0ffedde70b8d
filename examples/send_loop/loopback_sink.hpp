// A loopback TCP sink for the send loop example: the real peer the driver
// sends to. Host-side code on wskemu's network layer; no WDK types.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace wskemu {
class loopback_server;
}

namespace wskemu::example {

namespace detail {
struct sink_state;
}

/// Listens on 127.0.0.1 or ::1, port 0, accepts every connection, reads all
/// it is sent, and checks that each connection carries the send loop's
/// messages in order: @p message_size bytes each, a 64-bit little-endian
/// sequence number from 0, then bytes (sequence + i) for i from 8. Stops when
/// destroyed.
class loopback_sink {
public:
    explicit loopback_sink(std::size_t message_size, bool ipv6 = false);
    ~loopback_sink();
    loopback_sink(const loopback_sink&) = delete;
    loopback_sink& operator=(const loopback_sink&) = delete;

    /// False if the loopback address of that family is not available.
    bool listening() const noexcept;
    /// The port it listens on, in host byte order.
    std::uint16_t port() const noexcept;

    /// Bytes received, over every connection.
    std::uint64_t bytes_received() const;
    /// Connections accepted, and those whose peer has closed (end of stream).
    std::size_t connections() const;
    std::size_t closed_connections() const;
    /// False once any byte received differed from the message format.
    bool payload_ok() const;

    /// Waits until at least @p bytes arrived; false on timeout.
    bool wait_for_bytes(std::uint64_t bytes, std::chrono::milliseconds timeout) const;
    /// Waits until every accepted connection (at least one) was closed by
    /// its peer; false on timeout.
    bool wait_until_all_closed(std::chrono::milliseconds timeout) const;

private:
    std::shared_ptr<detail::sink_state> state_;
    std::unique_ptr<wskemu::loopback_server> server_;
};

}  // namespace wskemu::example
