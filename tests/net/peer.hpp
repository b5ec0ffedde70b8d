// Test helper: a loopback peer for src/net tests, written on plain Asio with
// its own thread. It accepts one connection and then behaves as a sink (reads
// everything), an echo, or a paused sink (a slow reader that starts reading
// only when told), and can send, half close, close, or reset (linger 0).
#pragma once

#include "net/host.hpp"
#include "net/asio_glue.hpp"
#include "net/transfer.hpp"
#include "printers.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace wskemu::net::test {

using namespace std::chrono_literals;

// How long any test waits for something that should happen.
inline constexpr auto wait_timeout = 5s;

// True if the host can bind ::1 (IPv6 loopback).
inline bool ipv6_available() {
    asio::io_context ctx;
    tcp::acceptor a(ctx);
    boost::system::error_code ec;
    a.open(tcp::v6(), ec);
    if (!ec) {
        a.bind(tcp::endpoint(asio::ip::address_v6::loopback(), 0), ec);
    }
    return !ec;
}

// True when running under Wine (whose socket layer differs from Windows in
// a few observed corners, noted where a test allows for it).
inline bool running_under_wine() { return net::running_under_wine(); }

// A loopback endpoint with nothing listening (bound, then closed).
inline endpoint refusing_endpoint(address_family family) {
    asio::io_context ctx;
    tcp::acceptor a(ctx, tcp::endpoint(to_asio(endpoint::loopback(family)).address(), 0));
    endpoint ep = from_asio(a.local_endpoint());
    a.close();
    return ep;
}

// Bytes 0..n-1 of a recognisable pattern, shifted by `seed`.
inline std::vector<std::uint8_t> pattern(std::size_t n, std::size_t seed = 0) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        v[i] = static_cast<std::uint8_t>((i + seed) * 131 + ((i + seed) >> 8) * 7 + 1);
    }
    return v;
}

class peer {
public:
    enum class behaviour { sink, echo, paused_sink, idle };

    // Listens on the loopback address of `family`; receive_buffer > 0 sets
    // SO_RCVBUF on the listener (inherited by the accepted socket).
    peer(address_family family, behaviour b, int receive_buffer = 0)
        : behaviour_(b), acceptor_(ctx_), socket_(ctx_) {
        tcp::endpoint local(to_asio(endpoint::loopback(family)).address(), 0);
        acceptor_.open(local.protocol());
        if (receive_buffer > 0) {
            acceptor_.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
        }
        acceptor_.bind(local);
        acceptor_.listen();
        endpoint_ = from_asio(acceptor_.local_endpoint());
        acceptor_.async_accept(socket_, [this](const boost::system::error_code& ec) {
            {
                std::lock_guard lock(mutex_);
                accepted_ = !ec;
                if (ec) {
                    read_error_ = ec;
                }
            }
            cv_.notify_all();
            if (!ec && (behaviour_ == behaviour::sink || behaviour_ == behaviour::echo)) {
                start_read();
            }
        });
        thread_ = std::thread([this] { ctx_.run(); });
    }

    ~peer() {
        guard_.reset();
        ctx_.stop();
        thread_.join();
    }

    peer(const peer&) = delete;
    peer& operator=(const peer&) = delete;

    const endpoint& local() const { return endpoint_; }

    bool wait_accepted() {
        return wait([this] { return accepted_; });
    }

    // Waits until at least n bytes have arrived.
    bool wait_received(std::size_t n) {
        return wait([&] { return received_.size() >= n; });
    }

    // Waits until the read loop ended (end of stream or error).
    bool wait_read_end() {
        return wait([this] { return read_ended_; });
    }

    std::vector<std::uint8_t> received() const {
        std::lock_guard lock(mutex_);
        return received_;
    }

    std::size_t received_size() const {
        std::lock_guard lock(mutex_);
        return received_.size();
    }

    boost::system::error_code read_error() const {
        std::lock_guard lock(mutex_);
        return read_error_;
    }

    // A paused sink starts reading.
    void resume() {
        asio::post(ctx_, [this] { start_read(); });
    }

    // Writes `data` to the connection (in order with other send() calls).
    void send(std::vector<std::uint8_t> data) {
        run_on_peer([this, d = std::move(data)]() mutable {
            boost::system::error_code ec;
            socket_.non_blocking(false, ec);
            asio::write(socket_, asio::buffer(d), ec);
        });
    }

    void shutdown_send() {
        run_on_peer([this] {
            boost::system::error_code ec;
            socket_.shutdown(tcp::socket::shutdown_send, ec);
        });
    }

    // Closes with linger 0: the other side sees a reset.
    void reset() {
        run_on_peer([this] {
            boost::system::error_code ec;
            socket_.set_option(asio::socket_base::linger(true, 0), ec);
            socket_.close(ec);
        });
    }

    void close() {
        run_on_peer([this] {
            boost::system::error_code ec;
            socket_.close(ec);
        });
    }

private:
    template <typename Predicate>
    bool wait(Predicate p) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, wait_timeout, p);
    }

    // Runs `f` on the peer's thread and waits for it (so the effect is visible on return).
    void run_on_peer(std::function<void()> f) {
        std::mutex m;
        std::condition_variable cv;
        bool done = false;
        asio::post(ctx_, [&] {
            f();
            std::lock_guard lock(m);
            done = true;
            cv.notify_all();
        });
        std::unique_lock lock(m);
        ASSERT_TRUE(cv.wait_for(lock, wait_timeout, [&] { return done; })) << "peer thread did not respond";
    }

    void start_read() {
        socket_.async_read_some(asio::buffer(buffer_), [this](const boost::system::error_code& ec, std::size_t n) {
            {
                std::lock_guard lock(mutex_);
                received_.insert(received_.end(), buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(n));
                if (ec) {
                    read_error_ = ec;
                    read_ended_ = true;
                }
            }
            cv_.notify_all();
            if (ec) {
                return;
            }
            if (behaviour_ == behaviour::echo) {
                boost::system::error_code wec;
                socket_.non_blocking(false, wec);
                asio::write(socket_, asio::buffer(buffer_.data(), n), wec);
            }
            start_read();
        });
    }

    behaviour behaviour_;
    asio::io_context ctx_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_{ctx_.get_executor()};
    tcp::acceptor acceptor_;
    tcp::socket socket_;
    endpoint endpoint_;
    std::array<std::uint8_t, 65536> buffer_{};
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    bool accepted_ = false;
    bool read_ended_ = false;
    std::vector<std::uint8_t> received_;
    boost::system::error_code read_error_;
    std::thread thread_;
};

// Records the completions of one operation: how many, with what, on which
// thread. Handlers keep it alive, so a test that fails early stays safe.
struct completion : std::enable_shared_from_this<completion> {
    std::mutex mutex;
    std::condition_variable cv;
    int calls = 0;
    error err = error::other;  // poisoned until the handler runs
    std::size_t bytes = 0xdeadbeef;
    std::thread::id thread;

    transfer_handler transfer() {
        return [self = shared_from_this()](error e, std::size_t n) { self->record(e, n); };
    }
    status_handler status() {
        return [self = shared_from_this()](error e) { self->record(e, 0); };
    }
    void record(error e, std::size_t n) {
        std::lock_guard lock(mutex);
        ++calls;
        err = e;
        bytes = n;
        thread = std::this_thread::get_id();
        cv.notify_all();
    }
    // Waits (threaded engine) for the first call.
    bool wait() {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, wait_timeout, [this] { return calls > 0; });
    }
    bool wait_for(std::chrono::milliseconds d) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, d, [this] { return calls > 0; });
    }
    int count() {
        std::lock_guard lock(mutex);
        return calls;
    }
};

inline std::shared_ptr<completion> make_completion() { return std::make_shared<completion>(); }

}  // namespace wskemu::net::test
