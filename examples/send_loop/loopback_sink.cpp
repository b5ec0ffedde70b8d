// The send loop example's sink, on wskemu's loopback server.
#include "loopback_sink.hpp"

#include <wskemu/loopback_server.hpp>

#include <condition_variable>
#include <mutex>
#include <vector>

namespace wskemu::example {

// The counters the sessions report to, under one lock, and the waits on them.
struct detail::sink_state {
    std::size_t message_size;
    std::mutex lock;
    std::condition_variable changed;
    std::uint64_t bytes = 0;
    std::size_t connections = 0;
    std::size_t closed = 0;
    bool payload_ok = true;

    explicit sink_state(std::size_t size) : message_size(size) {}

    void update(std::size_t received, bool ended, bool ok) {
        {
            std::lock_guard guard(lock);
            bytes += received;
            payload_ok = payload_ok && ok;
            closed += ended ? 1 : 0;
        }
        changed.notify_all();
    }
};

namespace {

// Checks a stream of messages byte by byte, across receive boundaries.
class message_checker {
public:
    explicit message_checker(std::size_t message_size) : message_size_(message_size) {}

    bool check(const unsigned char* data, std::size_t length) {
        for (std::size_t i = 0; i < length; ++i) {
            const auto expected = offset_ < 8 ? static_cast<unsigned char>(sequence_ >> (8 * offset_))
                                              : static_cast<unsigned char>(sequence_ + offset_);
            if (data[i] != expected) {
                return false;
            }
            if (++offset_ == message_size_) {
                offset_ = 0;
                ++sequence_;
            }
        }
        return true;
    }

private:
    std::size_t message_size_;
    std::size_t offset_ = 0;
    std::uint64_t sequence_ = 0;
};

}  // namespace

loopback_sink::loopback_sink(std::size_t message_size, bool ipv6)
    : state_(std::make_shared<detail::sink_state>(message_size)) {
    // One checker per connection, made as its first bytes arrive.
    auto checkers = std::make_shared<std::vector<message_checker>>();
    server_ = std::make_unique<wskemu::loopback_server>(
        [state = state_, checkers](std::size_t connection, const unsigned char* data, std::size_t size) {
            if (connection >= checkers->size()) {
                checkers->resize(connection + 1, message_checker(state->message_size));
                std::lock_guard guard(state->lock);
                state->connections = checkers->size();
            }
            const bool ended = size == 0;
            state->update(size, ended, ended || (*checkers)[connection].check(data, size));
        },
        ipv6);
}

loopback_sink::~loopback_sink() = default;

bool loopback_sink::listening() const noexcept { return server_->listening(); }

std::uint16_t loopback_sink::port() const noexcept { return server_->port(); }

std::uint64_t loopback_sink::bytes_received() const {
    std::lock_guard guard(state_->lock);
    return state_->bytes;
}

std::size_t loopback_sink::connections() const { return server_->connections(); }

std::size_t loopback_sink::closed_connections() const {
    std::lock_guard guard(state_->lock);
    return state_->closed;
}

bool loopback_sink::payload_ok() const {
    std::lock_guard guard(state_->lock);
    return state_->payload_ok;
}

bool loopback_sink::wait_for_bytes(std::uint64_t bytes, std::chrono::milliseconds timeout) const {
    std::unique_lock guard(state_->lock);
    return state_->changed.wait_for(guard, timeout, [&] { return state_->bytes >= bytes; });
}

bool loopback_sink::wait_until_all_closed(std::chrono::milliseconds timeout) const {
    std::unique_lock guard(state_->lock);
    // Connections are counted as their first bytes arrive (a client that
    // connects and closes without sending is counted by its close).
    return state_->changed.wait_for(guard, timeout,
                                    [&] { return state_->connections > 0 && state_->closed >= state_->connections; });
}

}  // namespace wskemu::example
