// wskemu: loopback TCP servers for tests (include/wskemu/loopback_server.hpp),
// on the network layer's neutral interface.
#include <wskemu/loopback_server.hpp>

#include "endpoint.hpp"
#include "loopback_listen.hpp"
#include "tcp_socket.hpp"

#include <array>
#include <mutex>

namespace wskemu {

namespace {

// One accepted connection: receive some; echo it back or keep it; repeat.
struct session : std::enable_shared_from_this<session> {
    session(net::tcp_socket connected, server_behaviour b, std::size_t n, connection_observer o)
        : socket(std::move(connected)), behaviour(b), index(n), observer(std::move(o)) {}

    net::tcp_socket socket;
    server_behaviour behaviour;
    std::size_t index;              // accept order
    connection_observer observer;   // a sink that hands its bytes on
    std::array<unsigned char, 16384> buffer{};
    mutable std::mutex lock;
    std::vector<unsigned char> kept;  // sink
    std::size_t received = 0;
    bool finished = false;

    void receive() {
        net::mutable_buffer into{buffer.data(), buffer.size()};
        socket.async_receive(std::span(&into, 1), net::receive_mode::some,
                             [self = shared_from_this()](net::error e, std::size_t bytes) {
                                 if (e != net::error::none || bytes == 0) {
                                     {
                                         std::lock_guard guard(self->lock);
                                         self->finished = e == net::error::end_of_stream;
                                         self->socket.close_graceful();
                                     }
                                     if (self->observer) {
                                         self->observer(self->index, nullptr, 0);
                                     }
                                     return;
                                 }
                                 {
                                     std::lock_guard guard(self->lock);
                                     self->received += bytes;
                                     if (self->behaviour == server_behaviour::sink && !self->observer) {
                                         self->kept.insert(self->kept.end(), self->buffer.begin(),
                                                           self->buffer.begin() + static_cast<std::ptrdiff_t>(bytes));
                                     }
                                 }
                                 if (self->observer) {
                                     self->observer(self->index, self->buffer.data(), bytes);
                                 }
                                 if (self->behaviour == server_behaviour::echo) {
                                     self->echo(bytes);
                                 } else {
                                     self->receive();
                                 }
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

struct loopback_server::state : std::enable_shared_from_this<loopback_server::state> {
    state(server_behaviour b, connection_observer o) : behaviour(b), observer(std::move(o)) {}

    server_behaviour behaviour;
    connection_observer observer;
    net::tcp_listener listener;
    std::uint16_t port = 0;
    bool listening = false;
    mutable std::mutex lock;
    std::vector<std::shared_ptr<session>> sessions;

    void accept() {
        listener.async_accept([self = shared_from_this()](net::error e, net::tcp_socket connected) {
            if (e != net::error::none) {
                return;  // closed
            }
            std::shared_ptr<session> s;
            {
                std::lock_guard guard(self->lock);
                s = std::make_shared<session>(std::move(connected), self->behaviour, self->sessions.size(),
                                              self->observer);
                self->sessions.push_back(s);
            }
            s->receive();
            self->accept();
        });
    }
};

loopback_server::loopback_server(server_behaviour behaviour, bool ipv6)
    : state_(std::make_shared<state>(behaviour, nullptr)) {
    start(ipv6);
}

loopback_server::loopback_server(connection_observer observer, bool ipv6)
    : state_(std::make_shared<state>(server_behaviour::sink, std::move(observer))) {
    start(ipv6);
}

void loopback_server::start(bool ipv6) {
    state_->port = net::listen_on_loopback(state_->listener, ipv6);
    state_->listening = state_->port != 0;
    if (state_->listening) {
        state_->accept();
    }
}

loopback_server::~loopback_server() {
    state_->listener.close();
    std::lock_guard guard(state_->lock);
    for (auto& s : state_->sessions) {
        s->socket.close_abortive();
    }
}

bool loopback_server::listening() const noexcept { return state_->listening; }

std::uint16_t loopback_server::port() const noexcept { return state_->port; }

std::size_t loopback_server::connections() const {
    std::lock_guard guard(state_->lock);
    return state_->sessions.size();
}

std::size_t loopback_server::finished_connections() const {
    std::lock_guard guard(state_->lock);
    std::size_t n = 0;
    for (const auto& s : state_->sessions) {
        std::lock_guard session_guard(s->lock);
        n += s->finished ? 1 : 0;
    }
    return n;
}

std::vector<unsigned char> loopback_server::bytes() const {
    std::lock_guard guard(state_->lock);
    std::vector<unsigned char> all;
    for (const auto& s : state_->sessions) {
        std::lock_guard session_guard(s->lock);
        all.insert(all.end(), s->kept.begin(), s->kept.end());
    }
    return all;
}

std::size_t loopback_server::byte_count() const {
    std::lock_guard guard(state_->lock);
    std::size_t n = 0;
    for (const auto& s : state_->sessions) {
        std::lock_guard session_guard(s->lock);
        n += s->received;
    }
    return n;
}

}  // namespace wskemu
