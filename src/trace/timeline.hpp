// wskemu: the timeline's records in memory (hooks.hpp feeds them,
// timeline_json.cpp writes them). One lock; a bounded queue of events.
#pragma once

#include <wskemu/operation.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace wskemu::trace {

/// Nanoseconds since the timeline started.
using tick = std::int64_t;

/// The track of client-level calls (no socket) and of global markers.
inline constexpr std::uint64_t client_track = 0;

/// One socket's track; serials count from 1 since the timeline started.
struct track_info {
    std::uint64_t serial = 0;
    const void* socket = nullptr;
    std::string category;  // "connection", ... ("socket" when first seen in a call)
    std::string local;     // "127.0.0.1:49152", once known
    std::string remote;
    bool live = true;
};

/// An IRP from submission to completion.
struct span_event {
    std::uint64_t track = client_track;
    const char* function = "";  // "WskSend" (a string literal)
    operation op = operation::send;
    const void* irp = nullptr;
    tick start = 0;
    tick end = 0;
    std::int32_t status = 0;
    std::uint64_t information = 0;
    bool pending = false;        // the call returned STATUS_PENDING
    bool still_pending = false;  // not completed when written (end = the time of writing)
};

/// A point in time: a callback, a marker, a completion without a known start.
struct instant_event {
    std::uint64_t track = client_track;
    tick at = 0;
    bool global = false;  // a marker across every track
    std::string name;
    std::string args_json;  // the members of "args", written already: "\"status\":\"...\",..."
};

/// Everything the timeline holds; guarded by `mutex`.
struct timeline_state {
    std::mutex mutex;
    std::int64_t origin = 0;  // steady clock, ns, at start
    std::size_t limit = 262144;
    std::size_t next_limit = 262144;
    std::size_t dropped = 0;
    std::uint64_t recorded = 0;  // events ever recorded since start (to skip rewriting an unchanged file)
    std::uint64_t next_serial = 1;

    using event = std::variant<span_event, instant_event>;
    std::deque<event> events;

    std::unordered_map<const void*, span_event> open;  // submitted IRPs: start, track, function, op

    std::map<std::uint64_t, track_info> tracks;            // by serial
    std::unordered_map<const void*, std::uint64_t> live;   // socket -> its live track
    std::deque<std::uint64_t> dead;                        // closed tracks, oldest first

    /// Dead tracks kept for their names; older ones are forgotten.
    static constexpr std::size_t dead_track_limit = 65536;

    tick now() const;
    void push(event e);
    /// The live track of `socket`, made on first sight.
    std::uint64_t track_of(const void* socket, const char* category = "socket");
};

/// The one timeline of the process (never destroyed: hooks run at exit).
timeline_state& the_timeline();

namespace detail {
// The timeline's part of hooks.hpp's socket hooks and of bug_check().
void timeline_socket_opened(const void* socket, std::string_view category);
void timeline_socket_endpoints(const void* socket, const std::string& local, const std::string& remote);
void timeline_socket_closed(const void* socket);
void record_bug_check(std::uint32_t code, std::string_view report);
}  // namespace detail

/// Writes the timeline as Chrome Trace Event JSON (timeline_json.cpp); the
/// caller holds the lock.
std::string timeline_to_json(const timeline_state& timeline, tick now);

/// "STATUS_SUCCESS" or "0xC0001234".
std::string status_text(std::int32_t status);
/// "0x00000000".
std::string status_code(std::int32_t status);
/// A JSON string literal, quotes included.
std::string json_string(std::string_view text);
/// "0x7f...": a pointer as the logs print it.
std::string pointer_text(const void* p);

}  // namespace wskemu::trace
