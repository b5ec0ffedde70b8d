// A loopback UDP server for the request/response example: the "real peer"
// the driver talks to. Host-side code on wskemu's network layer; no WDK types.
#pragma once

#include <cstdint>
#include <memory>

namespace wskemu::example {

/// Binds 127.0.0.1 or ::1, port 0, and answers every request of the
/// example's format ({id, length, question}) with {id, length, the question
/// reversed}. To exercise a client's retries it can ignore the first copy of
/// every `drop_every`-th request (0: none), and answer each request twice
/// (the second answer arrives late, as a stale one).
class udp_responder {
public:
    explicit udp_responder(bool ipv6 = false, unsigned drop_every = 0, bool answer_twice = false);
    ~udp_responder();
    udp_responder(const udp_responder&) = delete;
    udp_responder& operator=(const udp_responder&) = delete;

    /// False if the loopback address of that family is not available.
    bool listening() const noexcept;
    /// The port it answers on, in host byte order.
    std::uint16_t port() const noexcept;
    /// Requests answered so far, and requests ignored on purpose.
    unsigned answered() const noexcept;
    unsigned dropped() const noexcept;

private:
    struct state;
    std::shared_ptr<state> state_;
};

}  // namespace wskemu::example
