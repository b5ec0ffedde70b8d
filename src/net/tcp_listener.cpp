// wskemu host side: listening TCP sockets over Asio.
#include "tcp_socket_state.hpp"

namespace wskemu::net {

namespace detail {

class listener_state : public std::enable_shared_from_this<listener_state> {
public:
    explicit listener_state(io_engine& e) : engine(e), acceptor(context_of(e)) {}

    io_engine& engine;
    mutable std::mutex mutex;
    tcp::acceptor acceptor;
    option_state options;
};

}  // namespace detail

using detail::listener_state;

namespace {

void post_accept_failure(io_engine& engine, accept_handler handler, error e) {
    engine.post([h = std::move(handler), e]() mutable { h(e, tcp_socket(nullptr)); });
}

// Where the host cannot detach a socket from its completion port (Wine has
// no FileReplaceCompletionInformation, which Asio's release() needs on
// Windows), the listener opens its own socket with the options that matter
// before listening and binds it where the other one was. Both locks held.
error rebind_from(listener_state& to, detail::socket_state& from) {
    static constexpr socket_option carried[] = {
        socket_option::reuse_address,       socket_option::exclusive_address_use, socket_option::v6_only,
        socket_option::receive_buffer_size, socket_option::send_buffer_size,      socket_option::keep_alive,
        socket_option::no_delay,            socket_option::linger,
    };
    boost::system::error_code ec;
    const tcp::endpoint local = from.socket.local_endpoint(ec);
    if (ec) {
        return from_error_code(ec);
    }
    int values[std::size(carried)] = {};
    bool known[std::size(carried)] = {};
    for (std::size_t i = 0; i < std::size(carried); ++i) {
        known[i] = get_socket_option(from.socket, from.options, carried[i], values[i]) == error::none;
    }
    from.closed = true;
    from.socket.close(ec);
    to.acceptor.open(local.protocol(), ec);
    if (ec) {
        return from_error_code(ec);
    }
    to.options = from.options;
    for (std::size_t i = 0; i < std::size(carried); ++i) {
        if (known[i]) {
            set_socket_option(to.acceptor, to.options, carried[i], values[i]);
        }
    }
    to.acceptor.bind(local, ec);
    if (ec) {
        const error failed = from_error_code(ec);
        to.acceptor.close(ec);
        return failed;
    }
    return error::none;
}

}  // namespace

tcp_listener::tcp_listener() : tcp_listener(io_engine::instance()) {}

tcp_listener::tcp_listener(io_engine& engine) : state_(std::make_shared<listener_state>(engine)) {}

tcp_listener::~tcp_listener() {
    if (state_) {
        close();
    }
}

tcp_listener::tcp_listener(tcp_listener&&) noexcept = default;

tcp_listener& tcp_listener::operator=(tcp_listener&& other) noexcept {
    if (this != &other) {
        if (state_) {
            close();
        }
        state_ = std::move(other.state_);
    }
    return *this;
}

bool tcp_listener::is_open() const noexcept {
    if (!state_) {
        return false;
    }
    std::lock_guard lock(state_->mutex);
    return state_->acceptor.is_open();
}

error tcp_listener::open(address_family family) {
    std::lock_guard lock(state_->mutex);
    if (state_->acceptor.is_open()) {
        return error::invalid_argument;
    }
    boost::system::error_code ec;
    state_->acceptor.open(protocol_of(family), ec);
    if (!ec) {
        state_->options.family = family;
    }
    return from_error_code(ec);
}

error tcp_listener::adopt(tcp_socket& bound) {
    detail::socket_state* from = bound.state();
    if (from == nullptr) {
        return error::invalid_argument;
    }
    std::scoped_lock lock(state_->mutex, from->mutex);
    if (state_->acceptor.is_open() || !from->socket.is_open() || from->closed || from->connected ||
        from->connecting) {
        return error::invalid_argument;
    }
    const auto protocol = protocol_of(from->options.family);
    from->detach_locked();  // a readable wait may have attached it
    boost::system::error_code ec;
    const auto handle = from->socket.release(ec);
    if (ec == asio::error::operation_not_supported) {
        return rebind_from(*state_, *from);
    }
    if (ec) {
        return from_error_code(ec);
    }
    from->closed = true;
    state_->acceptor.assign(protocol, handle, ec);
    if (ec) {
        return from_error_code(ec);
    }
    state_->options = from->options;
    return error::none;
}


error tcp_listener::set_option(socket_option option, int value) {
    std::lock_guard lock(state_->mutex);
    if (!state_->acceptor.is_open()) {
        return error::not_connected;
    }
    return set_socket_option(state_->acceptor, state_->options, option, value);
}

error tcp_listener::get_option(socket_option option, int& value) const {
    std::lock_guard lock(state_->mutex);
    if (!state_->acceptor.is_open()) {
        return error::not_connected;
    }
    return get_socket_option(state_->acceptor, state_->options, option, value);
}

error tcp_listener::bind(const endpoint& local) {
    std::lock_guard lock(state_->mutex);
    if (!state_->acceptor.is_open()) {
        return error::not_connected;
    }
    if (local.family != state_->options.family) {
        return error::invalid_argument;
    }
    boost::system::error_code ec;
    state_->acceptor.bind(to_asio(local), ec);
    return from_error_code(ec);
}

error tcp_listener::listen(int backlog) {
    std::lock_guard lock(state_->mutex);
    if (!state_->acceptor.is_open()) {
        return error::not_connected;
    }
    boost::system::error_code ec;
    state_->acceptor.listen(backlog < 0 ? asio::socket_base::max_listen_connections : backlog, ec);
    return from_error_code(ec);
}

error tcp_listener::local_endpoint(endpoint& out) const {
    std::lock_guard lock(state_->mutex);
    boost::system::error_code ec;
    auto ep = state_->acceptor.local_endpoint(ec);
    if (ec) {
        return state_->acceptor.is_open() ? from_error_code(ec) : error::not_connected;
    }
    out = from_asio(ep);
    return error::none;
}

void tcp_listener::async_accept(accept_handler handler) {
    listener_state& l = *state_;
    std::lock_guard lock(l.mutex);
    if (!l.acceptor.is_open()) {
        post_accept_failure(l.engine, std::move(handler), error::not_connected);
        return;
    }
    auto peer = std::make_shared<detail::socket_state>(l.engine);
    tcp::socket& peer_socket = peer->socket;
    l.acceptor.async_accept(peer_socket, [self = state_, peer = std::move(peer), h = std::move(handler),
                                          family = l.options.family](const boost::system::error_code& ec) mutable {
        error e = from_error_code(ec);
        if (e == error::none) {
            std::lock_guard peer_lock(peer->mutex);
            peer->options.family = family;
            peer->connected = true;
            e = peer->prepare_locked();
        }
        if (e != error::none) {
            h(e, tcp_socket(nullptr));
            return;
        }
        h(error::none, tcp_socket(std::move(peer)));
    });
}

void tcp_listener::cancel() {
    std::lock_guard lock(state_->mutex);
    boost::system::error_code ignored;
    state_->acceptor.cancel(ignored);
}

void tcp_listener::close() {
    std::lock_guard lock(state_->mutex);
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
}

}  // namespace wskemu::net
