// wskemu host side: the neutral error vocabulary of src/net. The WSK provider
// maps each value to an NTSTATUS; host codes (errno, WSA, asio) never leave
// src/net.
#pragma once

#include <string_view>

namespace wskemu::net {

// What a host socket operation can end with, in the terms WSK needs.
enum class error {
    none,
    would_block,            // try_* only: nothing could be done without waiting
    end_of_stream,          // the peer closed its sending side gracefully (FIN)
    connection_refused,
    connection_reset,       // RST from the peer, or a send after the peer went away
    connection_aborted,     // the local stack aborted the connection
    timed_out,
    network_unreachable,
    host_unreachable,
    address_in_use,
    address_not_available,
    no_buffers,             // the host is out of memory or socket buffers
    access_denied,
    not_supported,          // option, family or operation the host does not offer
    invalid_argument,
    not_connected,          // also: the socket is closed or was never opened
    already_connected,
    shut_down,              // send after shutdown_send()
    cancelled,              // cancel(), close while pending
    message_too_long,       // a datagram larger than the host sends
    name_not_found,         // name resolution: no such host or service, or no address of the asked family
    name_server_failure,    // name resolution: the name service did not answer (try again later)
    other,                  // unmapped host code (logged once with its number)
};

// The enumerator's name, e.g. "connection_reset".
std::string_view describe(error e) noexcept;

}  // namespace wskemu::net
