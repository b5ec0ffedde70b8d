// The examples' loopback TCP server, on src/net's neutral interface.
#include "common/loopback_server.hpp"

#include "net/endpoint.hpp"

#include <mutex>
#include <vector>

namespace wskemu::example {

struct loopback_server::state : std::enable_shared_from_this<loopback_server::state> {
    session_factory make_session;
    net::tcp_listener listener;
    std::uint16_t port = 0;
    bool listening = false;
    mutable std::mutex lock;
    std::vector<std::shared_ptr<loopback_session>> sessions;

    void accept() {
        listener.async_accept([self = shared_from_this()](net::error e, net::tcp_socket connected) {
            if (e != net::error::none) {
                return;  // closed
            }
            auto session = self->make_session(std::move(connected));
            {
                std::lock_guard guard(self->lock);
                self->sessions.push_back(session);
            }
            session->start();
            self->accept();
        });
    }
};

loopback_server::loopback_server(bool ipv6, session_factory make_session) : state_(std::make_shared<state>()) {
    state_->make_session = std::move(make_session);
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

loopback_server::~loopback_server() {
    state_->listener.close();
    std::lock_guard guard(state_->lock);
    for (auto& session : state_->sessions) {
        session->socket.close_abortive();
    }
}

bool loopback_server::listening() const noexcept { return state_->listening; }

std::uint16_t loopback_server::port() const noexcept { return state_->port; }

std::size_t loopback_server::connections() const {
    std::lock_guard guard(state_->lock);
    return state_->sessions.size();
}

}  // namespace wskemu::example
