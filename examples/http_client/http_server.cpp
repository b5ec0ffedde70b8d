// The example's HTTP server and the localhost check, on src/net's neutral
// interface.
#include "http_server.hpp"

#include "net/endpoint.hpp"
#include "net/host.hpp"
#include "net/loopback_listen.hpp"
#include "net/resolver.hpp"
#include "net/tcp_socket.hpp"

#include <array>
#include <chrono>
#include <future>
#include <mutex>

namespace wskemu::example {

namespace {

constexpr std::size_t request_max = 65536;  // a longer request head gets a reset

struct connection_log {
    std::mutex lock;
    std::vector<std::string> requests;
    std::size_t connections = 0;
};

// One accepted connection: read the request head, send the reply, end as told.
struct session : std::enable_shared_from_this<session> {
    session(net::tcp_socket connected, http_handler h, std::shared_ptr<connection_log> l)
        : socket(std::move(connected)), handler(std::move(h)), log(std::move(l)) {}

    net::tcp_socket socket;
    http_handler handler;
    std::shared_ptr<connection_log> log;
    std::array<char, 4096> buffer{};
    std::string request;
    bool answered = false;
    http_reply reply;

    void receive() {
        net::mutable_buffer into{buffer.data(), buffer.size()};
        socket.async_receive(std::span(&into, 1), net::receive_mode::some,
                             [self = shared_from_this()](net::error e, std::size_t bytes) {
                                 if (e != net::error::none || bytes == 0) {
                                     self->socket.close_graceful();  // the client closed (or failed)
                                     return;
                                 }
                                 if (!self->answered) {
                                     self->request.append(self->buffer.data(), bytes);
                                     self->on_request_bytes();
                                 }
                                 self->receive();  // after the reply: wait for the client's close
                             });
    }

    void on_request_bytes() {
        const std::size_t end = request.find("\r\n\r\n");
        if (end == std::string::npos) {
            if (request.size() > request_max) {
                answered = true;
                socket.close_abortive();
            }
            return;
        }
        request.resize(end + 4);
        answered = true;
        {
            std::lock_guard guard(log->lock);
            log->requests.push_back(request);
        }
        reply = handler(request);
        net::const_buffer from{reply.bytes.data(), reply.bytes.size()};
        socket.async_send_all(std::span(&from, 1), [self = shared_from_this()](net::error e, std::size_t) {
            if (e != net::error::none || self->reply.ending == http_ending::reset) {
                self->socket.close_abortive();
            } else if (self->reply.ending == http_ending::close) {
                self->socket.close_graceful();
            }
        });
    }
};

}  // namespace

http_reply http_page(unsigned status, std::string_view reason, std::string_view body, bool with_length) {
    http_reply reply;
    reply.bytes = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
    reply.bytes += "Content-Type: application/octet-stream\r\nConnection: close\r\n";
    if (with_length) {
        reply.bytes += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    reply.bytes += "\r\n";
    reply.bytes += body;
    return reply;
}

http_reply http_chunked_page(std::string_view body, const std::vector<std::size_t>& chunk_sizes) {
    static constexpr char hex[] = "0123456789abcdef";
    http_reply reply;
    reply.bytes = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    std::size_t at = 0;
    for (std::size_t i = 0; at < body.size(); ++i) {
        const std::size_t want = chunk_sizes.empty() ? body.size() : chunk_sizes[i % chunk_sizes.size()];
        const std::size_t size = std::min(std::max<std::size_t>(want, 1), body.size() - at);
        std::string line;
        for (std::size_t n = size; n != 0; n /= 16) {
            line.insert(line.begin(), hex[n % 16]);
        }
        reply.bytes += line + (i % 2 == 1 ? ";part=" + std::to_string(i) : "") + "\r\n";
        reply.bytes += body.substr(at, size);
        reply.bytes += "\r\n";
        at += size;
    }
    reply.bytes += "0\r\nX-Checksum: none\r\n\r\n";
    return reply;
}

struct http_server::state : std::enable_shared_from_this<http_server::state> {
    explicit state(http_handler h) : handler(std::move(h)) {}

    http_handler handler;
    net::tcp_listener listener;
    std::uint16_t port = 0;  // 0: not listening
    std::shared_ptr<connection_log> log = std::make_shared<connection_log>();
    std::mutex lock;
    std::vector<std::shared_ptr<session>> sessions;

    void accept() {
        listener.async_accept([self = shared_from_this()](net::error e, net::tcp_socket connected) {
            if (e != net::error::none) {
                return;  // closed
            }
            auto s = std::make_shared<session>(std::move(connected), self->handler, self->log);
            {
                std::lock_guard guard(self->lock);
                self->sessions.push_back(s);
            }
            {
                std::lock_guard guard(self->log->lock);
                ++self->log->connections;
            }
            s->receive();
            self->accept();
        });
    }

    // Stops accepting and resets the connections still open.
    void stop() {
        listener.close();
        std::lock_guard guard(lock);
        for (auto& s : sessions) {
            s->socket.close_abortive();
        }
    }
};

http_server::http_server(http_handler handler, bool ipv6) : state_(std::make_shared<state>(std::move(handler))) {
    state_->port = net::listen_on_loopback(state_->listener, ipv6);
    if (state_->port != 0) {
        state_->accept();
    }
}

http_server::~http_server() { state_->stop(); }

bool http_server::listening() const noexcept { return state_->port != 0; }

std::uint16_t http_server::port() const noexcept { return state_->port; }

std::size_t http_server::connections() const {
    std::lock_guard guard(state_->log->lock);
    return state_->log->connections;
}

std::vector<std::string> http_server::requests() const {
    std::lock_guard guard(state_->log->lock);
    return state_->log->requests;
}

bool localhost_resolves_to_loopback(bool ipv6) {
    net::resolve_query query;
    query.host = "localhost";
    query.kind = net::socket_kind::stream;
    auto answer = std::make_shared<std::promise<net::resolve_result>>();
    auto result = answer->get_future();
    net::resolver().async_resolve(query, [answer](net::resolve_result r) { answer->set_value(std::move(r)); });
    if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
        return false;
    }
    const net::resolve_result r = result.get();
    const auto family = ipv6 ? net::address_family::ipv6 : net::address_family::ipv4;
    bool found = false;
    for (const net::resolved_address& a : r.addresses) {
        if (a.address != net::endpoint::loopback(a.address.family)) {
            return false;  // the driver would try it: never anything but loopback
        }
        found = found || a.address.family == family;
    }
    return r.err == net::error::none && found;
}

bool resets_may_arrive_as_fin() { return net::running_under_wine(); }

}  // namespace wskemu::example
