// wskemu: traces people can look at (docs/traces.md). Two recordings, each
// off until started, each independent of runtime::reset():
//
//   - the timeline: every IRP of a WSK call as a span from submission to
//     completion, one track per socket, event callbacks as instants, verifier
//     reports and bug checks as markers; written as Chrome Trace Event JSON
//     (Perfetto, chrome://tracing). Kept in memory, the most recent
//     timeline_limit() events.
//   - the capture: what each socket sent and received, as synthesised IPv4 /
//     IPv6 + TCP (or UDP) frames in a classic .pcap file (Wireshark, tshark),
//     written as it happens.
//
// From the environment, at the runtime's first use:
//   WSKEMU_TRACE=FILE        records the timeline; written to FILE at exit
//                            (and by write_outputs(), which `wskemu run` calls
//                            after DriverUnload)
//   WSKEMU_TRACE_LIMIT=N     the timeline's limit in events (default 262144)
//   WSKEMU_PCAP=FILE         captures to FILE from then on; flushed at exit
// No WDK, OS or Asio headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wskemu::trace {

/// @name Timeline
///@{
/// @brief Starts recording the timeline, forgetting what was recorded before.
void start_timeline();
/// @brief Stops recording; what was recorded stays, for timeline_json() and
/// write_timeline(), until the next start.
void stop_timeline();
/// @brief True while the timeline records.
bool timeline_recording() noexcept;
/// @brief The timeline so far as Chrome Trace Event JSON (an object with
/// "traceEvents"). IRPs still pending appear as spans ending now, marked
/// "still_pending".
std::string timeline_json();
/// @brief Writes timeline_json() to @p path. False, with the reason in
/// @p error, if the file cannot be written.
bool write_timeline(const std::string& path, std::string* error = nullptr);
/// @brief The limit on events kept (spans, instants, markers): past it the
/// oldest go, and the file says how many ("dropped_events"). Takes effect at
/// the next start_timeline(). Default 262144 (about 20 MB at most).
void set_timeline_limit(std::size_t events);
std::size_t timeline_limit() noexcept;

/// @brief What the timeline holds now.
struct timeline_counts {
    std::size_t events = 0;     ///< spans, instants and markers kept
    std::size_t dropped = 0;    ///< older events dropped for the limit
    std::size_t open_irps = 0;  ///< IRPs submitted and not completed yet
};
timeline_counts timeline_size();
///@}

/// @name Packet capture
///@{
/// @brief Starts capturing to @p path (created or truncated; the pcap header
/// is written at once), ending a capture in progress first. Connections
/// already open are captured from their next byte on, without a handshake.
/// False, with the reason in @p error, if the file cannot be created.
bool start_capture(const std::string& path, std::string* error = nullptr);
/// @brief Ends the capture: connections still open are ended in the file
/// as they stand (no FIN or RST is invented), the file flushed and closed.
void stop_capture();
/// @brief Writes what is buffered to the capture file.
void flush_capture();
/// @brief True while a capture runs.
bool capturing() noexcept;

/// @brief What the capture has written so far (since start_capture).
struct capture_counts {
    std::uint64_t frames = 0;         ///< frames written
    std::uint64_t payload_bytes = 0;  ///< TCP and UDP payload in them
};
capture_counts capture_size();
///@}

/// @brief Writes what WSKEMU_TRACE and WSKEMU_PCAP asked for, now: the
/// timeline to WSKEMU_TRACE's file (recording goes on) and the capture
/// flushed. One line per file ("timeline FILE: 1234 events"), or with the
/// reason it failed; nothing when neither variable is set. Also done at exit.
std::vector<std::string> write_outputs();

}  // namespace wskemu::trace
