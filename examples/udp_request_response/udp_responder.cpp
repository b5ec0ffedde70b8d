// The example's UDP server, on src/net's neutral interface.
#include "udp_responder.hpp"

#include "net/endpoint.hpp"
#include "net/udp_socket.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <mutex>
#include <set>

namespace wskemu::example {

namespace {

std::uint32_t read_be32(const unsigned char* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

struct udp_responder::state : std::enable_shared_from_this<udp_responder::state> {
    net::udp_socket socket;
    std::array<unsigned char, 2048> buffer{};
    unsigned drop_every = 0;
    bool answer_twice = false;
    std::uint16_t port = 0;
    bool listening = false;
    std::atomic<unsigned> answered{0};
    std::atomic<unsigned> dropped{0};
    std::mutex mutex;
    std::set<std::uint32_t> ignored;  // ids whose first copy was ignored

    void receive() {
        const net::mutable_buffer into{buffer.data(), buffer.size()};
        socket.async_receive_from(std::span(&into, 1), [self = shared_from_this()](const net::datagram_result& r) {
            if (r.err == net::error::cancelled || r.err == net::error::not_connected) {
                return;  // closed
            }
            if (r.err == net::error::none && r.bytes >= 8) {
                self->answer(r);
            }
            self->receive();
        });
    }

    void answer(const net::datagram_result& r) {
        const std::uint32_t id = read_be32(buffer.data());
        const std::uint32_t length = read_be32(buffer.data() + 4);
        if (length != r.bytes - 8) {
            return;  // not a request
        }
        if (drop_every != 0 && id % drop_every == 0) {
            std::lock_guard lock(mutex);
            if (ignored.insert(id).second) {
                ++dropped;
                return;  // the first copy goes unanswered: the client must try again
            }
        }
        std::reverse(buffer.begin() + 8, buffer.begin() + 8 + length);
        ++answered;  // counted before the client can see the answer
        const net::const_buffer reply{buffer.data(), r.bytes};
        for (int copies = answer_twice ? 2 : 1; copies > 0; --copies) {
            socket.try_send_to(std::span(&reply, 1), r.source);
        }
    }
};

udp_responder::udp_responder(bool ipv6, unsigned drop_every, bool answer_twice)
    : state_(std::make_shared<state>()) {
    const auto family = ipv6 ? net::address_family::ipv6 : net::address_family::ipv4;
    state_->drop_every = drop_every;
    state_->answer_twice = answer_twice;
    net::endpoint bound;
    if (state_->socket.open(family) != net::error::none ||
        state_->socket.bind(net::endpoint::loopback(family)) != net::error::none ||
        state_->socket.local_endpoint(bound) != net::error::none) {
        return;
    }
    state_->port = bound.port;
    state_->listening = true;
    state_->receive();
}

udp_responder::~udp_responder() { state_->socket.close(); }

bool udp_responder::listening() const noexcept { return state_->listening; }

std::uint16_t udp_responder::port() const noexcept { return state_->port; }

unsigned udp_responder::answered() const noexcept { return state_->answered; }

unsigned udp_responder::dropped() const noexcept { return state_->dropped; }

}  // namespace wskemu::example
