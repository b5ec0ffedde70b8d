// wskemu tests: a loopback UDP peer for the WSK datagram conformance tests, on
// src/net's neutral interface (no Asio or OS headers here: this binary sees
// include/wdk). It binds 127.0.0.1 or ::1 (or the wildcard), port 0, and
// either echoes every datagram to its sender or keeps what it receives for
// the test to take; it can also send. Every wait has a timeout.
#pragma once

#include "net/udp_socket.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace wskemu::test {

using namespace std::chrono_literals;

/// One datagram a peer received.
struct peer_datagram {
    std::vector<unsigned char> bytes;
    net::endpoint source;
};

class datagram_peer {
public:
    enum class mode { keep, echo };

    /// Binds the loopback address of `family` (or `bind_to`), port 0.
    explicit datagram_peer(net::address_family family, mode m = mode::keep,
                           std::optional<net::endpoint> bind_to = std::nullopt)
        : state_(std::make_shared<state>()) {
        state_->echo = m == mode::echo;
        const net::endpoint local = bind_to ? *bind_to : net::endpoint::loopback(family, 0);
        ok_ = state_->socket.open(family) == net::error::none && state_->socket.bind(local) == net::error::none &&
              state_->socket.set_option(net::socket_option::receive_buffer_size, 1 << 21) == net::error::none &&
              state_->socket.local_endpoint(endpoint_) == net::error::none;
        if (ok_) {
            state::receive(state_);
        }
    }

    ~datagram_peer() { state_->socket.close(); }
    datagram_peer(const datagram_peer&) = delete;
    datagram_peer& operator=(const datagram_peer&) = delete;

    /// False if the address of this family is not available.
    bool ok() const { return ok_; }
    /// Where the peer is bound.
    const net::endpoint& endpoint() const { return endpoint_; }
    /// The host socket (options, multicast).
    net::udp_socket& socket() { return state_->socket; }

    /// Sends one datagram to `to`; true if the host took all of it.
    bool send_to(const void* data, std::size_t size, const net::endpoint& to) {
        const net::const_buffer buffer{data, size};
        const net::io_result r = state_->socket.try_send_to(std::span(&buffer, 1), to);
        return r.err == net::error::none && r.bytes == size;
    }

    /// The next datagram received (keep mode), or nullopt after `timeout`.
    std::optional<peer_datagram> receive(std::chrono::milliseconds timeout = 5s) {
        std::unique_lock lock(state_->mutex);
        if (!state_->cv.wait_for(lock, timeout, [&] { return !state_->kept.empty(); })) {
            return std::nullopt;
        }
        peer_datagram d = std::move(state_->kept.front());
        state_->kept.pop_front();
        return d;
    }

    /// Datagrams echoed so far (echo mode).
    std::size_t echoed() const {
        std::lock_guard lock(state_->mutex);
        return state_->echoed;
    }

private:
    struct state {
        net::udp_socket socket;
        std::vector<unsigned char> buffer = std::vector<unsigned char>(65536);
        bool echo = false;
        mutable std::mutex mutex;
        std::condition_variable cv;
        std::deque<peer_datagram> kept;
        std::size_t echoed = 0;

        // A receive loop: each handler takes its datagram and posts the next receive.
        static void receive(const std::shared_ptr<state>& self) {
            const net::mutable_buffer into{self->buffer.data(), self->buffer.size()};
            self->socket.async_receive_from(std::span(&into, 1), [self](const net::datagram_result& r) {
                if (r.err == net::error::cancelled || r.err == net::error::not_connected) {
                    return;  // closed
                }
                if (r.err == net::error::none) {
                    if (self->echo) {
                        {
                            std::lock_guard lock(self->mutex);
                            ++self->echoed;  // counted before the sender can see the echo
                        }
                        const net::const_buffer back{self->buffer.data(), r.bytes};
                        self->socket.try_send_to(std::span(&back, 1), r.source);
                    } else {
                        std::lock_guard lock(self->mutex);
                        self->kept.push_back(
                            {std::vector<unsigned char>(self->buffer.begin(),
                                                        self->buffer.begin() + static_cast<std::ptrdiff_t>(r.bytes)),
                             r.source});
                        self->cv.notify_all();
                    }
                }
                receive(self);
            });
        }
    };

    std::shared_ptr<state> state_;
    net::endpoint endpoint_{};
    bool ok_ = false;
};

}  // namespace wskemu::test
