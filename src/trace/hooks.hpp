// wskemu: the hooks that feed the timeline and the capture
// (include/wskemu/trace.hpp, docs/traces.md). The kernel, the provider and
// the verifier call them; they call nothing of theirs back.
//
// Cost: with the timeline off, each timeline hook is one relaxed atomic load
// (inline); with the capture off, so is each capture hook (the wsk adapters
// in src/wsk/wsk_trace.hpp test capture_on() before gathering anything).
// Hooks are thread-safe and never call driver code.
#pragma once

#include <wskemu/operation.hpp>

#include "net/buffer.hpp"
#include "net/endpoint.hpp"
#include "net/error.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace wskemu::trace {

namespace detail {
extern std::atomic<bool> timeline_enabled;
extern std::atomic<bool> capture_enabled;

void record_submitted(const void* irp, operation op, const void* socket, const char* function);
void record_completed(const void* irp, operation op, const void* socket, std::int32_t status,
                      std::uint64_t information, bool pending);
void record_event_callback(const void* socket, operation event, std::int32_t returned, std::uint64_t bytes);
void record_verifier_report(std::string_view rule, std::string_view function, const void* object,
                            std::string_view message);
void record_socket_opened(const void* socket, std::string_view category);
void record_socket_closed(const void* socket);
}  // namespace detail

/// True while the timeline records.
inline bool timeline_on() noexcept { return detail::timeline_enabled.load(std::memory_order_relaxed); }
/// True while a capture runs.
inline bool capture_on() noexcept { return detail::capture_enabled.load(std::memory_order_relaxed); }

// ---- timeline ------------------------------------------------------------------

/// The provider took a driver's IRP for `function` ("WskSend", a string
/// literal) of `op` on `socket` (the PWSK_SOCKET; nullptr for client-level
/// calls): the IRP's span starts. Called by take_irp().
inline void irp_submitted(const void* irp, operation op, const void* socket, const char* function) {
    if (timeline_on()) {
        detail::record_submitted(irp, op, socket, function);
    }
}

/// The IRP of a call of `op` on `socket` completes with (status,
/// information); `pending`: the call had returned STATUS_PENDING. Its span
/// ends. Called by complete_irp_inline() before the driver's completion
/// routine runs.
inline void irp_completed(const void* irp, operation op, const void* socket, std::int32_t status,
                          std::uint64_t information, bool pending) {
    if (timeline_on()) {
        detail::record_completed(irp, op, socket, status, information, pending);
    }
}

/// THE hook for event callbacks: call it once per call of a client event
/// callback (WskReceiveEvent, WskDisconnectEvent, WskAcceptEvent, ...), right
/// after the driver's callback returns, with the socket whose callback ran
/// (the PWSK_SOCKET; for WskAcceptEvent the listening socket), the event
/// (operation::receive_event, ...), the NTSTATUS the callback returned
/// (STATUS_SUCCESS, STATUS_DATA_NOT_ACCEPTED, STATUS_PENDING...; for
/// callbacks that return nothing, STATUS_SUCCESS) and the bytes indicated
/// (0 when none). It becomes an instant on the socket's track. Cheap when off.
inline void event_callback(const void* socket, operation event, std::int32_t returned, std::uint64_t bytes) {
    if (timeline_on()) {
        detail::record_event_callback(socket, event, returned, bytes);
    }
}

/// THE hook for verifier reports: call it once per violation found, with
/// the rule id ("irp.reused_while_pending"), the function where it was found
/// ("WskSend"), the object concerned (IRP, MDL, socket...) and the message.
/// It becomes a global marker on the timeline. Cheap when off.
inline void verifier_report(std::string_view rule, std::string_view function, const void* object,
                            std::string_view message) {
    if (timeline_on()) {
        detail::record_verifier_report(rule, function, object, message);
    }
}

/// Starts what WSKEMU_TRACE and WSKEMU_PCAP ask for; the runtime calls it
/// once, at its start. Registers the writing at exit.
void start_from_environment();

/// A bug check is being raised (raise_bug_check, before it throws or aborts):
/// a global marker; when `fatal` (the process aborts next) the outputs of
/// WSKEMU_TRACE and WSKEMU_PCAP are written first.
void bug_check(std::uint32_t code, std::string_view report, bool fatal);

/// A socket object became live (`category`: "connection", "listening",
/// "datagram"...): its track begins. Called by socket_base::publish().
inline void socket_opened(const void* socket, std::string_view category) {
    if (timeline_on() || capture_on()) {
        detail::record_socket_opened(socket, category);
    }
}

/// A socket object is being freed (socket_base::withdraw()): its track ends;
/// a TCP connection not closed both ways ends in the capture with a RST
/// from our side (what an abortive close sends).
inline void socket_closed(const void* socket) {
    if (timeline_on() || capture_on()) {
        detail::record_socket_closed(socket);
    }
}

// ---- capture (call only when capture_on(); socket = the PWSK_SOCKET) -------------

/// A TCP connection of `socket` is established between `local` and `remote`:
/// SYN, SYN-ACK, ACK. Also names the socket's timeline track.
void tcp_connected(const void* socket, const net::endpoint& local, const net::endpoint& remote);
/// The socket's endpoints, for the timeline's track name (no frames).
void socket_endpoints(const void* socket, const net::endpoint& local, const net::endpoint& remote);
/// True if the capture knows `socket`'s connection, or no capture runs.
bool tcp_known(const void* socket);
/// A connection established before the capture started: its flow begins
/// here, without a handshake.
void tcp_joined(const void* socket, const net::endpoint& local, const net::endpoint& remote);
/// The first `bytes` of `pieces` went to the peer (data segments, then the
/// peer's ACK); `ended`: how the host operation ended: connection_reset adds
/// the peer's RST.
void tcp_sent(const void* socket, std::span<const net::const_buffer> pieces, std::size_t bytes, net::error ended);
/// The first `bytes` of `pieces` came from the peer; `ended`: end_of_stream
/// adds the peer's FIN, connection_reset its RST.
void tcp_received(const void* socket, std::span<const net::mutable_buffer> pieces, std::size_t bytes,
                  net::error ended);
void tcp_received(const void* socket, std::span<const net::const_buffer> pieces, std::size_t bytes,
                  net::error ended);
/// Our FIN went (the graceful disconnect's shutdown completed).
void tcp_fin_sent(const void* socket);
/// Our side reset the connection (abortive disconnect, a broken connection).
void tcp_reset(const void* socket);

/// THE record functions for datagram sockets, the shape of tcp_sent: call
/// when capture_on(), where a datagram really moved (the send completion with
/// the bytes the host took; the receive completion with the bytes delivered),
/// with the socket's local endpoint (as bound; an unspecified address is
/// shown as the peer's address when that is a loopback one, else as the
/// family's loopback address) and the peer's (the destination of a send, the
/// source of a receive). Each call is one UDP frame (payloads above 65,507
/// bytes, which IPv4 cannot carry, are cut to that).
void udp_sent(const void* socket, const net::endpoint& local, const net::endpoint& remote,
              std::span<const net::const_buffer> pieces, std::size_t bytes);
void udp_received(const void* socket, const net::endpoint& local, const net::endpoint& remote,
                  std::span<const net::mutable_buffer> pieces, std::size_t bytes);
void udp_received(const void* socket, const net::endpoint& local, const net::endpoint& remote,
                  std::span<const net::const_buffer> pieces, std::size_t bytes);

}  // namespace wskemu::trace
