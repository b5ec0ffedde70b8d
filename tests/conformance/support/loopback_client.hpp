// wskemu tests: a loopback TCP client for the listening-socket conformance
// tests, on src/net's neutral interface: it connects to a WSK listener,
// sends, reads, half closes or resets. Every wait has a timeout.
#pragma once

#include "conformance/support/loopback_peer.hpp"

#include <memory>
#include <vector>

namespace wskemu::test {

class loopback_client {
public:
    loopback_client() = default;
    ~loopback_client() {
        if (socket_.is_open()) {
            socket_.close_abortive();
        }
    }
    loopback_client(const loopback_client&) = delete;
    loopback_client& operator=(const loopback_client&) = delete;

    /// Starts connecting to `ep` from a socket of `family`; wait_connected() finishes.
    void start_connect(net::address_family family, const net::endpoint& ep) {
        connect_ = std::make_shared<net_result>();
        if (socket_.open(family) != net::error::none) {
            connect_->set(net::error::other);
            return;
        }
        auto result = connect_;
        socket_.async_connect(ep, [result](net::error e) { result->set(e); });
    }
    bool wait_connected(std::chrono::milliseconds timeout = 5s) {
        return connect_ && connect_->wait(timeout) && connect_->error() == net::error::none;
    }
    /// Connects; true once the host's handshake is done (the listener may
    /// not have accepted it yet).
    bool connect(net::address_family family, const net::endpoint& ep) {
        start_connect(family, ep);
        return wait_connected();
    }

    net::endpoint local() const {
        net::endpoint ep;
        socket_.local_endpoint(ep);
        return ep;
    }

    bool send(const void* data, std::size_t size) {
        auto result = std::make_shared<net_result>();
        const net::const_buffer buffer{data, size};
        socket_.async_send_all(std::span(&buffer, 1), [result](net::error e, std::size_t n) { result->set(e, n); });
        return result->wait() && result->error() == net::error::none && result->bytes() == size;
    }

    /// Reads exactly `n` bytes (fewer at end of stream, error or timeout);
    /// error() tells how the read ended.
    std::vector<unsigned char> read(std::size_t n, std::chrono::milliseconds timeout = 10s) {
        std::vector<unsigned char> bytes(n == 0 ? 1 : n);
        auto result = std::make_shared<net_result>();
        const net::mutable_buffer buffer{bytes.data(), bytes.size()};
        const net::op_id id = socket_.async_receive(std::span(&buffer, 1), net::receive_mode::all,
                                                    [result](net::error e, std::size_t got) { result->set(e, got); });
        if (!result->wait(timeout)) {
            socket_.cancel(id);
            result->wait(timeout);
        }
        bytes.resize(result->bytes());
        last_error_ = result->error();
        return bytes;
    }
    net::error error() const { return last_error_; }

    /// After start_connect: true if the listener reset the connection (a
    /// quick reset may even beat the host's report that the connect finished).
    bool sees_reset() {
        if (!wait_connected()) {
            return true;
        }
        return read(1).empty() && reset_seen(last_error_);
    }

    void reset() { socket_.close_abortive(); }
    void shutdown_send() { socket_.shutdown_send(); }
    net::tcp_socket& socket() { return socket_; }

private:
    net::tcp_socket socket_;
    std::shared_ptr<net_result> connect_;
    net::error last_error_ = net::error::none;
};

}  // namespace wskemu::test
