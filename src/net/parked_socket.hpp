// wskemu host side, internal: host sockets parked between native asynchronous
// operations (docs/net.md, "Parked sockets").
//
// Asio registers a socket with its context's epoll when it opens it, for
// good. Every arrival of bytes then wakes an engine thread, which finds no
// operation and sleeps again: two context switches per arrival, on a machine
// whose driver thread was reading those bytes synchronously. So on POSIX a
// socket state holds two Asio sockets over one descriptor:
// - `socket`, in the engine's parked context (idle_context_of), which no
//   thread runs: synchronous calls, options, shutdown and close;
// - `io`, in the running context, assigned the same descriptor when a native
//   asynchronous operation starts, and released (never closed: the
//   descriptor is `socket`'s) when a driver's thread next sends or receives
//   synchronously with none outstanding. Released where the last operation
//   ended instead, a socket driven by the engine alone (a receive event's
//   re-armed wait) paid two epoll_ctl calls per read.
// On Windows `socket` is in the running context and `io` is never opened:
// a completion port signals only the operations started on it.
#pragma once

#include "asio_glue.hpp"

namespace wskemu::net::detail {

// The socket to start a native asynchronous operation on: `io`, attached
// now if it was not. Null, with `ec` set, if that failed.
template <typename Socket>
Socket* attach_parked(Socket& socket, Socket& io, const typename Socket::protocol_type& protocol,
                      boost::system::error_code& ec) {
    ec.clear();
#if defined(_WIN32)
    (void)io;
    (void)protocol;
    return &socket;
#else
    if (!io.is_open()) {
        if (!socket.is_open()) {
            ec = asio::error::bad_descriptor;
            return nullptr;
        }
        // epoll reports readiness present at registration: no edge is missed.
        io.assign(protocol, socket.native_handle(), ec);
        if (ec) {
            return nullptr;
        }
    }
    return &io;
#endif
}

// Parks the socket: deregisters `io` from the running context. Operations
// still outstanding on it complete with operation_aborted.
template <typename Socket>
void detach_parked(Socket& io) noexcept {
#if defined(_WIN32)
    (void)io;
#else
    if (io.is_open()) {
        boost::system::error_code ignored;
        io.release(ignored);
    }
#endif
}

// Cancels the outstanding native operations (Asio cancels per socket).
template <typename Socket>
void cancel_native(Socket& socket, Socket& io) noexcept {
    boost::system::error_code ignored;
#if defined(_WIN32)
    (void)io;
    socket.cancel(ignored);
#else
    (void)socket;
    if (io.is_open()) {
        io.cancel(ignored);
    }
#endif
}

}  // namespace wskemu::net::detail
