// The example's echo server, on src/net's neutral interface.
#include "echo_peer.hpp"

#include "common/loopback_server.hpp"

#include <array>

namespace wskemu::example {

namespace {

// One accepted connection: receive some, send it all back, repeat.
struct echo_session : loopback_session, std::enable_shared_from_this<echo_session> {
    std::array<unsigned char, 16384> buffer{};

    using loopback_session::loopback_session;

    void start() override { receive(); }

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

struct echo_peer::state {
    loopback_server server;

    explicit state(bool ipv6)
        : server(ipv6, [](net::tcp_socket connected) { return std::make_shared<echo_session>(std::move(connected)); }) {}
};

echo_peer::echo_peer(bool ipv6) : state_(std::make_shared<state>(ipv6)) {}

echo_peer::~echo_peer() = default;

bool echo_peer::listening() const noexcept { return state_->server.listening(); }

std::uint16_t echo_peer::port() const noexcept { return state_->server.port(); }

}  // namespace wskemu::example
