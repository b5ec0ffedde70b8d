// wskemu tests: the timeline's Chrome Trace Event JSON read back with the
// tests' own JSON reader (tests/support/json_reader.hpp): events, process
// (track) and thread names.
#pragma once

#include <algorithm>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "support/json_reader.hpp"

namespace wskemu::test {

// One event of the trace, as read back.
struct trace_event {
    std::string ph;
    std::string name;
    double pid = 0;
    double tid = 0;
    double ts = 0;
    double dur = 0;
    json::value args;
};

struct parsed_trace {
    json::value document;
    std::vector<trace_event> events;
    std::map<double, std::string> process_names;  // pid -> name
    std::map<std::pair<double, double>, std::string> thread_names;

    // The spans ("X") of process `pid`, in the order they start.
    std::vector<trace_event> spans(double pid) const {
        std::vector<trace_event> out;
        for (const trace_event& e : events) {
            if (e.ph == "X" && e.pid == pid) {
                out.push_back(e);
            }
        }
        std::stable_sort(out.begin(), out.end(), [](const trace_event& a, const trace_event& b) { return a.ts < b.ts; });
        return out;
    }
    // The pid of the process whose name starts with `prefix`, or -1.
    double pid_named(const std::string& prefix) const {
        for (const auto& [pid, name] : process_names) {
            if (name.rfind(prefix, 0) == 0) {
                return pid;
            }
        }
        return -1;
    }
    std::vector<trace_event> named(const std::string& name) const {
        std::vector<trace_event> out;
        std::copy_if(events.begin(), events.end(), std::back_inserter(out),
                     [&](const trace_event& e) { return e.name == name; });
        return out;
    }
};

inline parsed_trace parse_trace(const std::string& text) {
    parsed_trace out;
    out.document = json::parse(text);
    for (const json::value& v : out.document["traceEvents"].items()) {
        trace_event e;
        e.ph = v["ph"].string();
        e.name = v["name"].string();
        e.pid = v["pid"].number();
        e.tid = v.has("tid") ? v["tid"].number() : -1;
        e.ts = v.has("ts") ? v["ts"].number() : -1;
        e.dur = v.has("dur") ? v["dur"].number() : -1;
        e.args = v.has("args") ? v["args"] : json::value{};
        if (e.ph == "M" && e.name == "process_name") {
            out.process_names[e.pid] = e.args["name"].string();
        } else if (e.ph == "M" && e.name == "thread_name") {
            out.thread_names[{e.pid, e.tid}] = e.args["name"].string();
        }
        out.events.push_back(std::move(e));
    }
    return out;
}

inline std::vector<std::string> names_of(const std::vector<trace_event>& events) {
    std::vector<std::string> out;
    for (const trace_event& e : events) {
        out.push_back(e.name);
    }
    return out;
}

}  // namespace wskemu::test
