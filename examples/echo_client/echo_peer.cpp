// The example's echo server, on src/net's neutral interface.
#include "echo_peer.hpp"

#include "net/endpoint.hpp"
#include "net/tcp_socket.hpp"

#include <array>
#include <mutex>
#include <vector>

namespace wskemu::example {

namespace {

// One accepted connection: receive some, send it all back, repeat.
struct session : std::enable_shared_from_this<session> {
    net::tcp_socket socket;
    std::array<unsigned char, 16384> buffer{};

    explicit session(net::tcp_socket connected) : socket(std::move(connected)) {}

    void receive() {
        net::mutable_buffer into{buffer.data(), buffer.size()};
        socket.async_receive(std::span(&into, 1), net::receive_mode::some,
                             [self = shared_from_this()](net::error e, std::size_t bytes) {
                                 if (e != net::error::none || bytes == 0) {
                                     self->socket.close_graceful();
                                     return;
                                 }
                                 self->echo(bytes);
                             });
    }

    void echo(std::size_t bytes) {
        net::const_buffer from{buffer.data(), bytes};
        socket.async_send_all(std::span(&from, 1), [self = shared_from_this()](net::error e, std::size_t) {
            if (e != net::error::none) {
                self->socket.close_abortive();
                return;
            }
            self->receive();
        });
    }
};

}  // namespace

struct echo_peer::state : std::enable_shared_from_this<echo_peer::state> {
    net::tcp_listener listener;
    std::uint16_t port = 0;
    bool listening = false;
    std::mutex lock;
    std::vector<std::shared_ptr<session>> sessions;

    void accept() {
        listener.async_accept([self = shared_from_this()](net::error e, net::tcp_socket connected) {
            if (e != net::error::none) {
                return;  // closed
            }
            auto s = std::make_shared<session>(std::move(connected));
            {
                std::lock_guard guard(self->lock);
                self->sessions.push_back(s);
            }
            s->receive();
            self->accept();
        });
    }
};

echo_peer::echo_peer(bool ipv6) : state_(std::make_shared<state>()) {
    const auto family = ipv6 ? net::address_family::ipv6 : net::address_family::ipv4;
    net::endpoint bound;
    if (state_->listener.open(family) != net::error::none ||
        state_->listener.bind(net::endpoint::loopback(family)) != net::error::none ||
        state_->listener.listen() != net::error::none || state_->listener.local_endpoint(bound) != net::error::none) {
        return;
    }
    state_->port = bound.port;
    state_->listening = true;
    state_->accept();
}

echo_peer::~echo_peer() {
    state_->listener.close();
    std::lock_guard guard(state_->lock);
    for (auto& s : state_->sessions) {
        s->socket.close_abortive();
    }
}

bool echo_peer::listening() const noexcept { return state_->listening; }

std::uint16_t echo_peer::port() const noexcept { return state_->port; }

}  // namespace wskemu::example
