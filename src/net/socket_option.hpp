// wskemu host side: socket options in neutral terms. Values are plain ints;
// booleans are 0/1.
#pragma once

namespace wskemu::net {

enum class socket_option {
    reuse_address,               // SO_REUSEADDR (set before bind)
    exclusive_address_use,       // SO_EXCLUSIVEADDRUSE on Windows; emulated elsewhere (docs/net.md)
    keep_alive,                  // SO_KEEPALIVE
    keepalive_idle_seconds,      // TCP_KEEPIDLE
    keepalive_interval_seconds,  // TCP_KEEPINTVL
    keepalive_count,             // TCP_KEEPCNT
    receive_buffer_size,         // SO_RCVBUF (the host may round or double it)
    send_buffer_size,            // SO_SNDBUF
    no_delay,                    // TCP_NODELAY
    linger,                      // SO_LINGER: -1 = off, n >= 0 = on with n seconds
    v6_only,                     // IPV6_V6ONLY (IPv6 sockets)
    ttl,                         // IP_TTL / IPV6_UNICAST_HOPS, by the socket's family
    out_of_band_inline,          // SO_OOBINLINE
    receive_low_watermark,       // SO_RCVLOWAT (get only on Windows)
    broadcast,                   // SO_BROADCAST (datagram sockets)
    multicast_hops,              // IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS, by the socket's family
    multicast_loop,              // IP_MULTICAST_LOOP / IPV6_MULTICAST_LOOP, by the socket's family
};

}  // namespace wskemu::net
