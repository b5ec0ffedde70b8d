// wskemu tests: a loopback TCP peer for the WSK conformance tests, on
// src/net's neutral interface (no Asio or OS headers here: this binary sees
// include/wdk). It listens on 127.0.0.1 or ::1, port 0, accepts one
// connection, and lets a test read, send, half close, close or reset it.
// Every wait has a timeout.
#pragma once

#include <wskemu/runtime.hpp>

#include "net/host.hpp"
#include "net/tcp_socket.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace wskemu::test {

using namespace std::chrono_literals;

/// One result of a host operation, waited for with a timeout.
class net_result {
public:
    void set(net::error e, std::size_t bytes = 0) {
        std::lock_guard lock(mutex_);
        error_ = e;
        bytes_ = bytes;
        done_ = true;
        cv_.notify_all();
    }
    bool wait(std::chrono::milliseconds timeout = 5s) {
        if (runtime::instance().deterministic()) {
            // Nothing runs unless this thread drives the runtime.
            return runtime::instance().run_until([&] { return is_done(); }, timeout);
        }
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] { return done_; });
    }
    bool is_done() {
        std::lock_guard lock(mutex_);
        return done_;
    }
    net::error error() const { return error_; }
    std::size_t bytes() const { return bytes_; }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    net::error error_ = net::error::other;
    std::size_t bytes_ = 0;
};

// A reset reached this end. Under Wine a linger-0 close sometimes arrives
// as a FIN instead (observed, not Windows behaviour), so there the end of
// the stream counts too; a connection that stays open or delivers data
// never does.
inline bool reset_seen(net::error e) {
    return e == net::error::connection_reset || (net::running_under_wine() && e == net::error::end_of_stream);
}

class loopback_peer {
public:
    explicit loopback_peer(net::address_family family) : family_(family) {
        ok_ = listener_.open(family) == net::error::none &&
              listener_.bind(net::endpoint::loopback(family, 0)) == net::error::none &&
              listener_.listen() == net::error::none && listener_.local_endpoint(endpoint_) == net::error::none;
        if (ok_) {
            auto state = accept_state_;
            listener_.async_accept([state](net::error e, net::tcp_socket socket) {
                std::lock_guard lock(state->mutex);
                state->error = e;
                state->socket = std::move(socket);
                state->done = true;
                state->cv.notify_all();
            });
        }
    }

    ~loopback_peer() {
        listener_.close();
        if (accepted_) {
            connection_.close_abortive();
        }
    }

    /// False if the loopback address of this family is not available.
    bool ok() const { return ok_; }
    net::address_family family() const { return family_; }
    /// Where the peer listens.
    const net::endpoint& endpoint() const { return endpoint_; }

    /// Waits for the connection; true once accepted.
    bool accept(std::chrono::milliseconds timeout = 5s) {
        if (runtime::instance().deterministic()) {
            runtime::instance().run_until(
                [&] {
                    std::lock_guard lock(accept_state_->mutex);
                    return accept_state_->done;
                },
                timeout);
        }
        std::unique_lock lock(accept_state_->mutex);
        if (!accept_state_->cv.wait_for(lock, timeout, [&] { return accept_state_->done; }) ||
            accept_state_->error != net::error::none) {
            return false;
        }
        connection_ = std::move(accept_state_->socket);
        accepted_ = true;
        return true;
    }

    /// The accepted connection.
    net::tcp_socket& connection() { return connection_; }

    /// Reads exactly `n` bytes (fewer at end of stream, error or timeout).
    std::vector<unsigned char> read(std::size_t n, std::chrono::milliseconds timeout = 10s) {
        std::vector<unsigned char> bytes(n);
        if (n == 0) {
            return bytes;
        }
        auto result = std::make_shared<net_result>();
        const net::mutable_buffer buffer{bytes.data(), n};
        const net::op_id id =
            connection_.async_receive(std::span(&buffer, 1), net::receive_mode::all,
                                      [result](net::error e, std::size_t got) { result->set(e, got); });
        if (!result->wait(timeout)) {
            connection_.cancel(id);
            result->wait(timeout);
        }
        bytes.resize(result->bytes());
        last_read_error_ = result->error();
        return bytes;
    }
    /// The error of the last read (end_of_stream after a FIN).
    net::error last_read_error() const { return last_read_error_; }

    /// Sends every byte; true on success.
    bool send(const void* data, std::size_t size) {
        auto result = std::make_shared<net_result>();
        const net::const_buffer buffer{data, size};
        connection_.async_send_all(std::span(&buffer, 1), [result](net::error e, std::size_t n) { result->set(e, n); });
        return result->wait() && result->error() == net::error::none && result->bytes() == size;
    }

    /// FIN to the WSK side; reads go on.
    void shutdown_send() { connection_.shutdown_send(); }
    /// RST to the WSK side.
    void reset() { connection_.close_abortive(); }

private:
    struct accept_state {
        std::mutex mutex;
        std::condition_variable cv;
        bool done = false;
        net::error error = net::error::other;
        net::tcp_socket socket{nullptr};
    };

    net::address_family family_;
    net::tcp_listener listener_;
    net::endpoint endpoint_{};
    bool ok_ = false;
    std::shared_ptr<accept_state> accept_state_ = std::make_shared<accept_state>();
    net::tcp_socket connection_{nullptr};
    bool accepted_ = false;
    net::error last_read_error_ = net::error::none;
};

/// An endpoint on which nothing listens (a port just released).
inline net::endpoint refusing_endpoint(net::address_family family) {
    net::tcp_listener listener;
    net::endpoint ep = net::endpoint::loopback(family, 0);
    if (listener.open(family) == net::error::none && listener.bind(ep) == net::error::none) {
        listener.local_endpoint(ep);
    }
    listener.close();
    return ep;
}

}  // namespace wskemu::test
