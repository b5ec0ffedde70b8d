// wskemu host side, internal: the bridge between the neutral src/net types
// and Boost.Asio. Included only by src/net/*.cpp and tests/net (never by
// another src/net header, never by driver-side code).
#pragma once

#include "endpoint.hpp"
#include "error.hpp"
#include "io_engine.hpp"
#include "socket_option.hpp"

#include <boost/asio.hpp>
#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace wskemu::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;

// The "wskemu.net" logger; level from WSKEMU_LOG like the kernel's logger.
spdlog::logger& log();

// Maps a host error (errno, WSA or Windows code, asio misc error) to net::error;
// logs each unmapped code once with its number and text.
error from_error_code(const boost::system::error_code& ec);

tcp::endpoint to_asio(const endpoint& ep);
endpoint from_asio(const tcp::endpoint& ep);
tcp protocol_of(address_family family) noexcept;
udp udp_protocol_of(address_family family) noexcept;
udp::endpoint to_asio_udp(const endpoint& ep);
endpoint from_asio(const udp::endpoint& ep);

// Waits up to `timeout` for a host socket to be writable (`for_send`) or
// readable (or in error): none when ready, would_block on timeout.
error wait_native_ready(tcp::socket::native_handle_type handle, bool for_send, std::chrono::milliseconds timeout);

struct io_engine::impl {
    // Concurrency hint 1 would disable the scheduler's locking: we want several threads.
    asio::io_context context;
    // Keeps run() / run_one_for() from returning early when no operation is pending.
    asio::executor_work_guard<asio::io_context::executor_type> guard{context.get_executor()};
    // No thread ever runs this one. TCP and UDP host sockets belong to it
    // (POSIX): registered with a reactor nobody waits on, the bytes that
    // arrive while the driver receives synchronously wake no engine thread.
    asio::io_context parked;
    std::mutex mode_mutex;
    std::vector<std::thread> threads;
    std::atomic<engine_mode> mode{engine_mode::manual};
    std::atomic<unsigned> thread_count{0};
};

inline asio::io_context& context_of(io_engine& engine) noexcept { return engine.internals().context; }

// Where a TCP or UDP host socket belongs: the parked context on POSIX
// (parked_socket.hpp); on Windows the running one, whose completion port
// signals only the operations started on it.
inline asio::io_context& idle_context_of(io_engine& engine) noexcept {
#if defined(_WIN32)
    return engine.internals().context;
#else
    return engine.internals().parked;
#endif
}

// State an option call needs besides the host socket.
struct option_state {
    address_family family = address_family::ipv4;
    bool exclusive_address_use = false;  // emulated where the host has no such option
    signed char no_delay = -1;           // TCP_NODELAY as last set here; -1: the host's default
};

// A plain int socket option for names Asio does not wrap.
class int_option {
public:
    int_option(int level, int name, int value = 0) noexcept : level_(level), name_(name), value_(value) {}
    template <typename P> int level(const P&) const noexcept { return level_; }
    template <typename P> int name(const P&) const noexcept { return name_; }
    template <typename P> int* data(const P&) noexcept { return &value_; }
    template <typename P> const int* data(const P&) const noexcept { return &value_; }
    template <typename P> std::size_t size(const P&) const noexcept { return sizeof(value_); }
    // Some hosts return a 1-byte BOOL for boolean options: keep the low byte then.
    template <typename P> void resize(const P&, std::size_t s) noexcept {
        if (s == 1) {
            value_ &= 0xff;
        }
    }
    int value() const noexcept { return value_; }

private:
    int level_;
    int name_;
    int value_;
};

// Host option names for the TCP keep-alive tunables; -1 where unknown.
#if defined(_WIN32)
inline constexpr int keepalive_idle_name = 3;       // TCP_KEEPALIVE / TCP_KEEPIDLE (Windows 10 1709+)
inline constexpr int keepalive_count_name = 16;     // TCP_KEEPCNT
inline constexpr int keepalive_interval_name = 17;  // TCP_KEEPINTVL
#elif defined(TCP_KEEPIDLE)
inline constexpr int keepalive_idle_name = TCP_KEEPIDLE;
inline constexpr int keepalive_count_name = TCP_KEEPCNT;
inline constexpr int keepalive_interval_name = TCP_KEEPINTVL;
#else
inline constexpr int keepalive_idle_name = -1;
inline constexpr int keepalive_count_name = -1;
inline constexpr int keepalive_interval_name = -1;
#endif

// Host (level, name) for plain int options; name -1 if the host lacks it.
inline int_option plain_option(socket_option option, int value = 0) noexcept {
    switch (option) {
    case socket_option::keepalive_idle_seconds:
        return {IPPROTO_TCP, keepalive_idle_name, value};
    case socket_option::keepalive_interval_seconds:
        return {IPPROTO_TCP, keepalive_interval_name, value};
    case socket_option::keepalive_count:
        return {IPPROTO_TCP, keepalive_count_name, value};
    case socket_option::receive_low_watermark:
        return {SOL_SOCKET, SO_RCVLOWAT, value};
#if defined(_WIN32)
    case socket_option::exclusive_address_use:
        return {SOL_SOCKET, SO_EXCLUSIVEADDRUSE, value};
#endif
    default:
        return {0, -1, value};
    }
}

// Sets `option` on an Asio socket or acceptor.
template <typename Socket>
error set_socket_option(Socket& s, option_state& state, socket_option option, int value) {
    boost::system::error_code ec;
    switch (option) {
    case socket_option::reuse_address:
#if !defined(_WIN32)
        // Windows refuses SO_REUSEADDR together with SO_EXCLUSIVEADDRUSE (WSAEINVAL).
        if (value != 0 && state.exclusive_address_use) {
            return error::invalid_argument;
        }
#endif
        s.set_option(asio::socket_base::reuse_address(value != 0), ec);
        break;
    case socket_option::exclusive_address_use:
#if defined(_WIN32)
        s.set_option(plain_option(option, value != 0 ? 1 : 0), ec);
#else
        // Emulated: POSIX binds already refuse a second listener on a port in
        // use, which is what Windows' option guarantees; we only keep the flag
        // and Windows' rule that it excludes SO_REUSEADDR.
        if (value != 0) {
            asio::socket_base::reuse_address reuse;
            s.get_option(reuse, ec);
            if (!ec && reuse.value()) {
                return error::invalid_argument;
            }
        }
        if (!ec) {
            state.exclusive_address_use = value != 0;
        }
#endif
        break;
    case socket_option::keep_alive:
        s.set_option(asio::socket_base::keep_alive(value != 0), ec);
        break;
    case socket_option::receive_buffer_size:
        s.set_option(asio::socket_base::receive_buffer_size(value), ec);
        break;
    case socket_option::send_buffer_size:
        s.set_option(asio::socket_base::send_buffer_size(value), ec);
        break;
    case socket_option::no_delay:
        // Drivers pass WSK_FLAG_NODELAY on every send: one system call is enough.
        if (state.no_delay == (value != 0 ? 1 : 0)) {
            return error::none;
        }
        s.set_option(tcp::no_delay(value != 0), ec);
        if (!ec) {
            state.no_delay = value != 0 ? 1 : 0;
        }
        break;
    case socket_option::linger:
        s.set_option(asio::socket_base::linger(value >= 0, value >= 0 ? value : 0), ec);
        break;
    case socket_option::v6_only:
        if (state.family != address_family::ipv6) {
            return error::invalid_argument;
        }
        s.set_option(asio::ip::v6_only(value != 0), ec);
        break;
    case socket_option::ttl:
        s.set_option(asio::ip::unicast::hops(value), ec);
        break;
    case socket_option::out_of_band_inline:
        s.set_option(asio::socket_base::out_of_band_inline(value != 0), ec);
        break;
    case socket_option::broadcast:
        s.set_option(asio::socket_base::broadcast(value != 0), ec);
        break;
    case socket_option::multicast_hops:
        s.set_option(asio::ip::multicast::hops(value), ec);
        break;
    case socket_option::multicast_loop:
        s.set_option(asio::ip::multicast::enable_loopback(value != 0), ec);
        break;
    default: {
        int_option raw = plain_option(option, value);
        if (raw.name(0) < 0) {
            return error::not_supported;
        }
        s.set_option(raw, ec);
        break;
    }
    }
    return ec ? from_error_code(ec) : error::none;
}

// Reads `option` from an Asio socket or acceptor.
template <typename Socket>
error get_socket_option(const Socket& s, const option_state& state, socket_option option, int& value) {
    boost::system::error_code ec;
    auto read = [&](auto opt, auto convert) {
        s.get_option(opt, ec);
        if (!ec) {
            value = convert(opt);
        }
    };
    auto as_bool = [](const auto& o) { return o.value() ? 1 : 0; };
    auto as_int = [](const auto& o) { return static_cast<int>(o.value()); };
    switch (option) {
    case socket_option::reuse_address:
        read(asio::socket_base::reuse_address(), as_bool);
        break;
    case socket_option::exclusive_address_use:
#if defined(_WIN32)
        read(plain_option(option), as_bool);
#else
        value = state.exclusive_address_use ? 1 : 0;
#endif
        break;
    case socket_option::keep_alive:
        read(asio::socket_base::keep_alive(), as_bool);
        break;
    case socket_option::receive_buffer_size:
        read(asio::socket_base::receive_buffer_size(), as_int);
        break;
    case socket_option::send_buffer_size:
        read(asio::socket_base::send_buffer_size(), as_int);
        break;
    case socket_option::no_delay:
        read(tcp::no_delay(), as_bool);
        break;
    case socket_option::linger:
        read(asio::socket_base::linger(),
             [](const asio::socket_base::linger& l) { return l.enabled() ? l.timeout() : -1; });
        break;
    case socket_option::v6_only:
        if (state.family != address_family::ipv6) {
            return error::invalid_argument;
        }
        read(asio::ip::v6_only(), as_bool);
        break;
    case socket_option::ttl:
        read(asio::ip::unicast::hops(), as_int);
        break;
    case socket_option::out_of_band_inline:
        read(asio::socket_base::out_of_band_inline(), as_bool);
        break;
    case socket_option::broadcast:
        read(asio::socket_base::broadcast(), as_bool);
        break;
    case socket_option::multicast_hops:
        read(asio::ip::multicast::hops(), as_int);
        break;
    case socket_option::multicast_loop:
        read(asio::ip::multicast::enable_loopback(), as_bool);
        break;
    default: {
        int_option raw = plain_option(option);
        if (raw.name(0) < 0) {
            return error::not_supported;
        }
        read(raw, [](const int_option& o) { return o.value(); });
        break;
    }
    }
    return ec ? from_error_code(ec) : error::none;
}

}  // namespace wskemu::net
