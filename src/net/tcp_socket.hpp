// wskemu host side: a TCP connection over a host socket.
#pragma once

#include "buffer.hpp"
#include "callback.hpp"
#include "endpoint.hpp"
#include "error.hpp"
#include "io_engine.hpp"
#include "socket_option.hpp"
#include "transfer.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace wskemu::net {

// When a receive completes.
enum class receive_mode {
    some,  // as soon as any bytes arrived
    all,   // when the buffers are full (or at end of stream / error, with the bytes so far)
};

namespace detail {
struct socket_state;
class listener_state;
}  // namespace detail

// A TCP connection socket. Move-only handle; destroying an open one closes it
// gracefully. Every member is safe to call from several threads at once and
// concurrently with running handlers (a per-socket mutex; docs/net.md).
//
// Sends queue per socket: several async_send_all calls complete in the order
// they were made, and their bytes reach the peer in that order. Receives
// queue the same way. Buffers are never copied: the memory they describe
// must stay valid until the handler runs (the descriptor array itself may go
// right after the call).
class tcp_socket {
public:
    // An unopened socket on the process-wide engine.
    tcp_socket();
    // An unopened socket on `engine`.
    explicit tcp_socket(io_engine& engine);
    ~tcp_socket();

    tcp_socket(tcp_socket&&) noexcept;
    tcp_socket& operator=(tcp_socket&&) noexcept;
    tcp_socket(const tcp_socket&) = delete;
    tcp_socket& operator=(const tcp_socket&) = delete;

    // True between a successful open() (or accept) and close.
    bool is_open() const noexcept;

    // Creates the host socket (non-blocking).
    error open(address_family family);
    error set_option(socket_option option, int value);
    error get_option(socket_option option, int& value) const;
    error bind(const endpoint& local);
    error local_endpoint(endpoint& out) const;
    error remote_endpoint(endpoint& out) const;

    // Connects to `remote`; `handler(error)`.
    void async_connect(const endpoint& remote, status_handler handler);

    // Non-blocking gathered send on the calling thread (one sendmsg/WSASend):
    // {none, n} with n <= total (a short count is not an error), or
    // {would_block, 0} when the host buffer is full or async sends are queued
    // (so bytes never overtake them), or {error, 0}.
    io_result try_send(std::span<const const_buffer> buffers);
    // Sends every byte, however long that takes; `handler(error, bytes_sent)`
    // with bytes_sent < total only on error or cancel.
    op_id async_send_all(std::span<const const_buffer> buffers, transfer_handler handler);
    // Half-closes (FIN) after every send queued before it has finished; `handler(error)`.
    void async_shutdown_send(status_handler handler);

    // Non-blocking receive on the calling thread: {none, n>0}, {would_block, 0},
    // {end_of_stream, 0} or {error, 0}. Would-block while async receives are queued.
    io_result try_receive(std::span<const mutable_buffer> buffers);
    // `handler(error, bytes)`: with `all`, error is none only when the buffers
    // are full; end_of_stream (and any other error) carries the bytes so far.
    op_id async_receive(std::span<const mutable_buffer> buffers, receive_mode mode, transfer_handler handler);
    // Completes with none when data (or end of stream, or an error) is ready to read.
    void async_wait_readable(status_handler handler);
    // Blocks the calling thread until the socket is writable (`for_send`) or
    // readable, or `timeout` passes: none when ready, would_block on timeout.
    error wait_ready(bool for_send, std::chrono::milliseconds timeout) const;
    // True on one of the threads of this socket's engine.
    bool on_engine_thread() const noexcept;
    // Bytes readable without blocking.
    error bytes_available(std::size_t& out) const;
    // What the next receive would meet, consuming nothing (a peek): none when
    // bytes wait or nothing has arrived yet, end_of_stream when the peer's
    // FIN is next, or the error that ended the connection (a reset...).
    error peek_receive_state() const;

    // Immediate half close (FIN now, even with sends queued).
    error shutdown_send();
    // Every pending handler completes once with cancelled (or naturally, if it
    // finished first); the socket stays usable.
    void cancel();
    // Cancels one send or receive: it completes once, with cancelled and the
    // bytes moved so far (a send cancelled midway leaves a partial message on
    // the stream), or with its natural result if that was already in. Other
    // operations go on. False if `id` is no longer queued (completed, or its
    // completion is under way).
    bool cancel(op_id id);
    // Cancels pending operations, then closes; the host sends what it holds, then FIN.
    void close_graceful();
    // Cancels pending operations, then closes with linger 0 (RST).
    void close_abortive();

    // Implementation; handles share it with in-flight operations. An empty
    // handle (nullptr, moved-from, or a failed accept's) supports only
    // is_open(), assignment and destruction.
    explicit tcp_socket(std::shared_ptr<detail::socket_state> state) noexcept;
    detail::socket_state* state() const noexcept { return state_.get(); }

private:
    std::shared_ptr<detail::socket_state> state_;
};

// Accept handler: a connected socket, or an error and an unopened socket.
using accept_handler = callback<void(error, tcp_socket)>;

// A listening TCP socket. Thread safety as for tcp_socket.
class tcp_listener {
public:
    tcp_listener();
    explicit tcp_listener(io_engine& engine);
    ~tcp_listener();

    tcp_listener(tcp_listener&&) noexcept;
    tcp_listener& operator=(tcp_listener&&) noexcept;
    tcp_listener(const tcp_listener&) = delete;
    tcp_listener& operator=(const tcp_listener&) = delete;

    bool is_open() const noexcept;
    error open(address_family family);
    // Takes over `bound`, an opened (and usually bound) socket that never
    // connected, as this unopened listener's host socket: `bound` is left
    // closed. (A socket whose role is chosen after bind, then listen().)
    error adopt(tcp_socket& bound);
    error set_option(socket_option option, int value);
    error get_option(socket_option option, int& value) const;
    error bind(const endpoint& local);
    // backlog < 0: the host maximum.
    error listen(int backlog = -1);
    error local_endpoint(endpoint& out) const;
    // Several accepts may be pending; each gets one connection.
    void async_accept(accept_handler handler);
    // Pending accepts complete with cancelled; the listener stays usable.
    void cancel();
    void close();

private:
    std::shared_ptr<detail::listener_state> state_;
};

}  // namespace wskemu::net
