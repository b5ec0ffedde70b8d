// wskemu: the timeline as Chrome Trace Event JSON (docs/traces.md).
//
// Each socket is a "process" (pid = its serial + 1, named after the socket
// and its endpoints, sorted in creation order); client-level calls and the
// global markers are pid 1. IRPs of one socket overlap freely (a receive
// pends across many sends), and complete events ("ph":"X") on one thread
// must nest, so each socket's spans are laid out on as many threads ("IRPs
// 1", "IRPs 2", ...) as it has IRPs pending at once: each span goes to the
// first thread free at its start. Event callbacks are instants on thread 0.
#include "trace/timeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

namespace wskemu::trace {

namespace {

// Microseconds with nanosecond digits, as "ts" and "dur" take them.
std::string micros(tick ns) {
    if (ns < 0) {
        ns = 0;
    }
    return fmt::format("{}.{:03}", ns / 1000, ns % 1000);
}

std::uint64_t pid_of(std::uint64_t track) { return track + 1; }

// Chrome's reserved colour names: failures red, warnings orange.
const char* colour_of(std::int32_t status) {
    switch (static_cast<std::uint32_t>(status) >> 30) {
    case 3: return "terrible";
    case 2: return "bad";
    default: return nullptr;
    }
}

struct placed_span {
    const span_event* span;
    std::size_t lane;  // from 1
};

// Lays out one track's spans on lanes that never overlap.
std::size_t place(std::vector<placed_span>& spans) {
    std::stable_sort(spans.begin(), spans.end(),
                     [](const placed_span& a, const placed_span& b) { return a.span->start < b.span->start; });
    std::vector<tick> lane_end;
    for (placed_span& p : spans) {
        std::size_t lane = 0;
        while (lane < lane_end.size() && lane_end[lane] > p.span->start) {
            ++lane;
        }
        if (lane == lane_end.size()) {
            lane_end.push_back(0);
        }
        // A zero-length span still occupies its instant.
        lane_end[lane] = std::max(p.span->end, p.span->start + 1);
        p.lane = lane + 1;
    }
    return lane_end.size();
}

std::string track_label(const track_info& info) {
    std::string label = fmt::format("socket {}: {}", info.serial, info.category);
    if (!info.local.empty()) {
        label += fmt::format(" {} -> {}", info.local, info.remote.empty() ? "?" : info.remote);
    }
    label += fmt::format(" ({})", pointer_text(info.socket));
    if (!info.live) {
        label += ", closed";
    }
    return label;
}

void metadata(std::string& out, std::uint64_t pid, const char* name, const std::string& value, bool thread = false,
              std::size_t tid = 0) {
    out += fmt::format("{{\"ph\":\"M\",\"pid\":{},", pid);
    if (thread) {
        out += fmt::format("\"tid\":{},", tid);
    }
    out += fmt::format("\"name\":\"{}\",\"args\":{{{}}}}},\n", name, value);
}

std::string span_json(const placed_span& p) {
    const span_event& s = *p.span;
    std::string out = fmt::format("{{\"ph\":\"X\",\"pid\":{},\"tid\":{},\"name\":{},\"cat\":{},\"ts\":{},\"dur\":{},",
                                  pid_of(s.track), p.lane, json_string(s.function), json_string(operation_name(s.op)),
                                  micros(s.start), micros(std::max<tick>(s.end - s.start, 1)));
    if (s.still_pending) {
        out += fmt::format("\"args\":{{\"irp\":{},\"completion\":\"still pending\"}}}}",
                           json_string(pointer_text(s.irp)));
        return out;
    }
    if (const char* colour = colour_of(s.status)) {
        out += fmt::format("\"cname\":\"{}\",", colour);
    }
    out += fmt::format("\"args\":{{\"irp\":{},\"status\":{},\"status_code\":{},\"information\":{},\"completion\":{}",
                       json_string(pointer_text(s.irp)), json_string(status_text(s.status)),
                       json_string(status_code(s.status)), s.information,
                       s.pending ? "\"after STATUS_PENDING\"" : "\"inline\"");
    if ((s.op == operation::socket || s.op == operation::socket_connect) && s.status == 0) {
        // Information is the new PWSK_SOCKET: as the socket tracks name it.
        const auto* socket = reinterpret_cast<const void*>(static_cast<std::uintptr_t>(s.information));
        out += fmt::format(",\"new_socket\":{}", json_string(pointer_text(socket)));
    }
    out += "}}";
    return out;
}

std::string instant_json(const instant_event& i) {
    return fmt::format("{{\"ph\":\"i\",\"s\":\"{}\",\"pid\":{},\"tid\":0,\"name\":{},\"ts\":{},\"args\":{{{}}}}}",
                       i.global ? "g" : "t", pid_of(i.track), json_string(i.name), micros(i.at), i.args_json);
}

}  // namespace

std::string timeline_to_json(const timeline_state& t, tick now) {
    // Spans still open end now.
    std::vector<span_event> unfinished;
    unfinished.reserve(t.open.size());
    for (const auto& [irp, span] : t.open) {
        span_event s = span;
        s.end = now;
        s.still_pending = true;
        unfinished.push_back(s);
    }
    std::map<std::uint64_t, std::vector<placed_span>> by_track;
    std::map<std::uint64_t, bool> has_instants;
    by_track[client_track];
    for (const auto& e : t.events) {
        if (const auto* span = std::get_if<span_event>(&e)) {
            by_track[span->track].push_back(placed_span{span, 0});
        } else {
            const auto& instant = std::get<instant_event>(e);
            by_track[instant.track];
            has_instants[instant.track] = true;
        }
    }
    for (const span_event& s : unfinished) {
        by_track[s.track].push_back(placed_span{&s, 0});
    }
    for (const auto& [serial, info] : t.tracks) {
        by_track[serial];
    }

    std::string out;
    out.reserve(256 + t.events.size() * 200);
    out += "{\"displayTimeUnit\":\"ms\",\n";
    out += fmt::format("\"otherData\":{{\"producer\":\"wskemu\",\"clock\":\"microseconds since the timeline "
                       "started\",\"event_limit\":{},\"dropped_events\":{},\"still_pending\":{}}},\n",
                       t.limit, t.dropped, t.open.size());
    out += "\"traceEvents\":[\n";
    std::vector<std::pair<tick, std::string>> timed;
    timed.reserve(t.events.size() + unfinished.size());
    for (auto& [track, spans] : by_track) {
        const std::size_t lanes = place(spans);
        const std::uint64_t pid = pid_of(track);
        if (track == client_track) {
            metadata(out, pid, "process_name", "\"name\":\"WSK client calls and markers\"");
        } else if (auto it = t.tracks.find(track); it != t.tracks.end()) {
            metadata(out, pid, "process_name", fmt::format("\"name\":{}", json_string(track_label(it->second))));
        } else {
            metadata(out, pid, "process_name", fmt::format("\"name\":\"socket {}\"", track));
        }
        metadata(out, pid, "process_sort_index", fmt::format("\"sort_index\":{}", track));
        if (has_instants.count(track) != 0 || track == client_track) {
            metadata(out, pid, "thread_name",
                     track == client_track ? "\"name\":\"markers\"" : "\"name\":\"event callbacks\"", true, 0);
        }
        for (std::size_t lane = 1; lane <= lanes; ++lane) {
            metadata(out, pid, "thread_name", fmt::format("\"name\":\"IRPs {}\"", lane), true, lane);
            metadata(out, pid, "thread_sort_index", fmt::format("\"sort_index\":{}", lane), true, lane);
        }
        for (const placed_span& p : spans) {
            timed.emplace_back(p.span->start, span_json(p));
        }
    }
    for (const auto& e : t.events) {
        if (const auto* instant = std::get_if<instant_event>(&e)) {
            timed.emplace_back(instant->at, instant_json(*instant));
        }
    }
    std::stable_sort(timed.begin(), timed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 0; i < timed.size(); ++i) {
        out += timed[i].second;
        out += i + 1 < timed.size() ? ",\n" : "\n";
    }
    if (timed.empty()) {
        // Metadata lines end with a comma: close the array with one harmless event.
        out += "{\"ph\":\"M\",\"pid\":1,\"name\":\"process_labels\",\"args\":{\"labels\":\"empty\"}}\n";
    }
    out += "]}\n";
    return out;
}

}  // namespace wskemu::trace
