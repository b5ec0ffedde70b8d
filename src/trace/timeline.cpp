// wskemu: recording the timeline (hooks.hpp's timeline hooks, and the
// timeline half of include/wskemu/trace.hpp).
#include "trace/timeline.hpp"

#include <wskemu/status.hpp>
#include <wskemu/trace.hpp>

#include "trace/exit_lock.hpp"
#include "trace/hooks.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

namespace wskemu::trace {

namespace detail {
std::atomic<bool> timeline_enabled{false};
}  // namespace detail

namespace {

std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string_view event_function(operation event) {
    switch (event) {
    case operation::accept_event: return "WskAcceptEvent";
    case operation::inspect_event: return "WskInspectEvent";
    case operation::abort_event: return "WskAbortEvent";
    case operation::receive_event: return "WskReceiveEvent";
    case operation::disconnect_event: return "WskDisconnectEvent";
    case operation::send_backlog_event: return "WskSendBacklogEvent";
    case operation::receive_from_event: return "WskReceiveFromEvent";
    default: return operation_name(event);
    }
}

// Adds an instant (the caller holds the lock).
void push_instant(timeline_state& t, std::uint64_t track, bool global, std::string name, std::string args_json) {
    instant_event instant;
    instant.track = track;
    instant.at = t.now();
    instant.global = global;
    instant.name = std::move(name);
    instant.args_json = std::move(args_json);
    t.push(std::move(instant));
}

}  // namespace

timeline_state& the_timeline() {
    static auto* t = new timeline_state;
    return *t;
}

tick timeline_state::now() const { return steady_ns() - origin; }

void timeline_state::push(event e) {
    ++recorded;
    events.push_back(std::move(e));
    while (events.size() > limit) {
        events.pop_front();
        ++dropped;
    }
}

std::uint64_t timeline_state::track_of(const void* socket, const char* category) {
    if (socket == nullptr) {
        return client_track;
    }
    if (auto it = live.find(socket); it != live.end()) {
        return it->second;
    }
    const std::uint64_t serial = next_serial++;
    track_info info;
    info.serial = serial;
    info.socket = socket;
    info.category = category;
    tracks.emplace(serial, std::move(info));
    live.emplace(socket, serial);
    return serial;
}

std::string status_text(std::int32_t status) {
    const std::string_view name = status_name(status);
    return name.empty() ? status_code(status) : std::string(name);
}

std::string status_code(std::int32_t status) { return fmt::format("{:#010x}", static_cast<std::uint32_t>(status)); }

std::string pointer_text(const void* p) { return fmt::format("{}", p); }

std::string json_string(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (const char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
            } else {
                out += c;
            }
        }
    }
    out += '"';
    return out;
}

// ---- hooks ----------------------------------------------------------------------

namespace detail {

void record_submitted(const void* irp, operation op, const void* socket, const char* function) {
    auto& t = the_timeline();
    std::lock_guard lock(t.mutex);
    if (!timeline_on()) {
        return;  // stopped while we waited
    }
    span_event span;
    span.track = t.track_of(socket);
    span.function = function;
    span.op = op;
    span.irp = irp;
    span.start = t.now();
    t.open[irp] = span;
}

void record_completed(const void* irp, operation op, const void* socket, std::int32_t status,
                      std::uint64_t information, bool pending) {
    auto& t = the_timeline();
    std::lock_guard lock(t.mutex);
    if (!timeline_on()) {
        return;
    }
    const tick now = t.now();
    auto it = t.open.find(irp);
    if (it == t.open.end()) {
        // Submitted before the timeline started: a point, not a span.
        push_instant(t, t.track_of(socket), false, fmt::format("{} completes", operation_name(op)),
                     fmt::format("\"irp\":{},\"status\":{},\"status_code\":{},\"information\":{},"
                                 "\"pending\":{},\"note\":\"submitted before the timeline started\"",
                                 json_string(pointer_text(irp)), json_string(status_text(status)),
                                 json_string(status_code(status)), information, pending));
        return;
    }
    span_event span = it->second;
    t.open.erase(it);
    span.end = now;
    span.status = status;
    span.information = information;
    span.pending = pending;
    t.push(span);
}

void record_event_callback(const void* socket, operation event, std::int32_t returned, std::uint64_t bytes) {
    auto& t = the_timeline();
    std::lock_guard lock(t.mutex);
    if (!timeline_on()) {
        return;
    }
    push_instant(t, t.track_of(socket), false, std::string(event_function(event)),
                 fmt::format("\"event\":{},\"returned\":{},\"returned_code\":{},\"bytes\":{}",
                             json_string(operation_name(event)), json_string(status_text(returned)),
                             json_string(status_code(returned)), bytes));
}

void record_verifier_report(std::string_view rule, std::string_view function, const void* object,
                            std::string_view message) {
    auto& t = the_timeline();
    std::lock_guard lock(t.mutex);
    if (!timeline_on()) {
        return;
    }
    std::string args = fmt::format("\"rule\":{},\"function\":{},\"object\":{},\"message\":{}", json_string(rule),
                                   json_string(function), json_string(pointer_text(object)), json_string(message));
    if (auto it = t.live.find(object); it != t.live.end()) {
        args += fmt::format(",\"socket_track\":{}", it->second);
    } else if (auto irp = t.open.find(object); irp != t.open.end()) {
        args += fmt::format(",\"socket_track\":{}", irp->second.track);
    }
    push_instant(t, client_track, true, fmt::format("verifier: {}", rule), std::move(args));
}

void record_bug_check(std::uint32_t code, std::string_view report) {
    auto& t = the_timeline();
    std::lock_guard lock(t.mutex);
    if (!timeline_on()) {
        return;
    }
    const std::string code_text = fmt::format("{:#010x}", code);
    push_instant(t, client_track, true, "bug check " + code_text,
                 fmt::format("\"code\":{},\"report\":{}", json_string(code_text), json_string(report)));
}

void timeline_socket_opened(const void* socket, std::string_view category) {
    auto& t = the_timeline();
    std::lock_guard lock(t.mutex);
    if (!timeline_on()) {
        return;
    }
    const std::uint64_t serial = t.track_of(socket);
    t.tracks[serial].category = std::string(category);
}

void timeline_socket_endpoints(const void* socket, const std::string& local, const std::string& remote) {
    auto& t = the_timeline();
    std::lock_guard lock(t.mutex);
    if (!timeline_on()) {
        return;
    }
    track_info& info = t.tracks[t.track_of(socket)];
    info.local = local;
    info.remote = remote;
}

void timeline_socket_closed(const void* socket) {
    auto& t = the_timeline();
    std::lock_guard lock(t.mutex);
    auto it = t.live.find(socket);
    if (it == t.live.end()) {
        return;
    }
    t.tracks[it->second].live = false;
    t.dead.push_back(it->second);
    t.live.erase(it);
    while (t.dead.size() > timeline_state::dead_track_limit) {
        t.tracks.erase(t.dead.front());
        t.dead.pop_front();
    }
}

}  // namespace detail

// ---- control API ------------------------------------------------------------------

void start_timeline() {
    auto& t = the_timeline();
    std::lock_guard lock(t.mutex);
    t.origin = steady_ns();
    t.limit = t.next_limit;
    t.dropped = 0;
    t.recorded = 0;
    t.next_serial = 1;
    t.events.clear();
    t.open.clear();
    t.tracks.clear();
    t.live.clear();
    t.dead.clear();
    detail::timeline_enabled.store(true, std::memory_order_relaxed);
}

void stop_timeline() {
    auto& t = the_timeline();
    std::lock_guard lock(t.mutex);
    detail::timeline_enabled.store(false, std::memory_order_relaxed);
}

bool timeline_recording() noexcept { return timeline_on(); }

std::string timeline_json() {
    auto& t = the_timeline();
    const auto lock = lock_for_output(t.mutex);
    return lock.owns_lock() ? timeline_to_json(t, t.now()) : std::string{};
}

bool write_timeline(const std::string& path, std::string* error) {
    const std::string json = timeline_json();
    if (json.empty()) {
        if (error != nullptr) {
            *error = "the timeline is busy at exit: not written";
        }
        return false;
    }
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) {
        if (error != nullptr) {
            *error = fmt::format("cannot create {}", path);
        }
        return false;
    }
    const bool written = std::fwrite(json.data(), 1, json.size(), file) == json.size();
    const bool closed = std::fclose(file) == 0;
    if ((!written || !closed) && error != nullptr) {
        *error = fmt::format("cannot write {}", path);
    }
    return written && closed;
}

void set_timeline_limit(std::size_t events) {
    auto& t = the_timeline();
    std::lock_guard lock(t.mutex);
    t.next_limit = events == 0 ? 1 : events;
}

std::size_t timeline_limit() noexcept {
    auto& t = the_timeline();
    std::lock_guard lock(t.mutex);
    return t.next_limit;
}

timeline_counts timeline_size() {
    auto& t = the_timeline();
    const auto lock = lock_for_output(t.mutex);
    if (!lock.owns_lock()) {
        return {};
    }
    return timeline_counts{t.events.size(), t.dropped, t.open.size()};
}

}  // namespace wskemu::trace
