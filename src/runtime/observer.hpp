// wskemu: counters per socket, the IRPs pending now, and the completion
// record (what runtime::stats, pending_irps and completions report).
#pragma once

#include <wskemu/observation.hpp>

#include <cstdint>
#include <vector>

namespace wskemu::rt {

/// One socket's counters; sockets keep a pointer for their life.
struct socket_record;

/// A new socket's record (at creation; kept after close until reset).
socket_record* open_socket_record(const void* socket);
/// The socket closed: its record stays for queries.
void close_socket_record(socket_record* record);

/// An IRP of a call on `record`'s socket (nullptr: a client-level call) went pending.
void note_pending(socket_record* record, const void* irp, operation op);
/// An IRP completed (inline or after pending).
void note_completion(socket_record* record, const void* irp, operation op, std::int32_t status,
                     std::uint64_t information, bool pending);
/// Bytes handed to the driver outside an IRP (receive event indications).
void note_bytes_received(socket_record* record, std::uint64_t bytes);

socket_stats stats_of(const void* socket);
std::vector<socket_stats> all_socket_stats();
std::uint64_t completed_calls(operation op);
std::vector<pending_irp_info> pending_irps_now();
void set_recording(bool on);
bool recording() noexcept;
std::vector<completion_record> recorded_completions();
/// Drops closed sockets' records and zeroes the open ones'; clears the record.
void reset_observations();

}  // namespace wskemu::rt
