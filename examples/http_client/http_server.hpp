// A small HTTP server on loopback for the HTTP client example: the "real
// peer" the driver talks to. Host-side code on wskemu's network layer; no
// WDK types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wskemu::example {

/// How the server ends a connection once its reply is sent.
enum class http_ending {
    close,  ///< gracefully (FIN)
    reset,  ///< abortively (RST), as a server that crashes mid-reply
    stay,   ///< not at all: it says nothing more until the client closes
};

/// What the server sends for one request.
struct http_reply {
    std::string bytes;  ///< sent as they are: status line, headers, body (cut short on purpose, or not)
    http_ending ending = http_ending::close;
};

/// The request (its bytes up to and including the blank line) to the reply.
/// Runs on an engine thread.
using http_handler = std::function<http_reply(const std::string& request)>;

/// A reply with a status line, Content-Length (unless @p with_length is
/// false: then the body ends where the server closes) and @p body.
http_reply http_page(unsigned status, std::string_view reason, std::string_view body, bool with_length = true);

/// A 200 reply whose body goes in chunks of the sizes in @p chunk_sizes
/// (repeated until the body is used up), each size line with an extension
/// every other chunk, then the last chunk and a trailer line.
http_reply http_chunked_page(std::string_view body, const std::vector<std::size_t>& chunk_sizes);

/// Listens on 127.0.0.1 or ::1, port 0; reads each connection's request up
/// to the blank line, answers it with the handler's reply and ends the
/// connection as the reply says. A client that closes before the blank line
/// gets nothing.
class http_server {
public:
    explicit http_server(http_handler handler, bool ipv6 = false);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    /// False if the loopback address of that family is not available.
    bool listening() const noexcept;
    /// The port it listens on, in host byte order.
    std::uint16_t port() const noexcept;
    /// Connections accepted so far.
    std::size_t connections() const;
    /// Every complete request received so far, in arrival order.
    std::vector<std::string> requests() const;

private:
    struct state;
    std::shared_ptr<state> state_;
};

/// True if "localhost" resolves, on this host, to 127.0.0.1 (or to ::1 with
/// @p ipv6) and to no address that is not loopback.
bool localhost_resolves_to_loopback(bool ipv6);

/// True where a reset (`http_ending::reset`) may reach the client as a
/// graceful close: seen under Wine only, never on Linux or Windows.
bool resets_may_arrive_as_fin();

}  // namespace wskemu::example
