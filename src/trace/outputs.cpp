// wskemu: what WSKEMU_TRACE and WSKEMU_PCAP ask for (started with the
// runtime, written by write_outputs() and at exit), and the hooks that
// concern both recordings.
#include <wskemu/trace.hpp>

#include "kernel/log.hpp"
#include "trace/capture.hpp"
#include "trace/exit_lock.hpp"
#include "trace/hooks.hpp"
#include "trace/timeline.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <mutex>

namespace wskemu::trace {

namespace {

struct environment_outputs {
    std::mutex mutex;
    std::string timeline_path;  // WSKEMU_TRACE
    std::string capture_path;   // WSKEMU_PCAP
    std::size_t written_events = 0;  // events + dropped + open IRPs at the last write, to skip an unchanged file
    bool written = false;
};

environment_outputs& the_outputs() {
    static auto* o = new environment_outputs;  // never destroyed: written at exit
    return *o;
}

std::string variable(const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? std::string{} : std::string{value};
}

std::vector<std::string> write(bool only_if_changed) {
    auto& o = the_outputs();
    const auto lock = lock_for_output(o.mutex);
    std::vector<std::string> lines;
    if (!lock.owns_lock()) {
        return lines;
    }
    if (!o.timeline_path.empty()) {
        const timeline_counts counts = timeline_size();
        const std::size_t total = counts.events + counts.dropped + counts.open_irps;
        if (!only_if_changed || !o.written || total != o.written_events) {
            std::string error;
            if (write_timeline(o.timeline_path, &error)) {
                o.written = true;
                o.written_events = total;
                lines.push_back(fmt::format("timeline {}: {} events{}", o.timeline_path, counts.events,
                                            counts.dropped == 0
                                                ? std::string{}
                                                : fmt::format(" (the oldest {} dropped)", counts.dropped)));
            } else {
                lines.push_back(fmt::format("timeline {}: {}", o.timeline_path, error));
            }
        }
    }
    if (!o.capture_path.empty()) {
        if (detail::capture_path() == o.capture_path) {
            flush_capture();
            const capture_counts counts = capture_size();
            lines.push_back(fmt::format("capture {}: {} frames, {} bytes of payload", o.capture_path, counts.frames,
                                        counts.payload_bytes));
        } else {
            lines.push_back(fmt::format("capture {}: not written (could not be created, or replaced by start_capture)",
                                        o.capture_path));
        }
    }
    return lines;
}

void write_at_exit() {
    exiting.store(true, std::memory_order_relaxed);
    (void)write(true);
}

}  // namespace

void start_from_environment() {
    auto& o = the_outputs();
    std::lock_guard lock(o.mutex);
    if (const std::string limit = variable("WSKEMU_TRACE_LIMIT"); !limit.empty()) {
        const unsigned long long value = std::strtoull(limit.c_str(), nullptr, 0);
        if (value > 0) {
            set_timeline_limit(static_cast<std::size_t>(value));
        } else {
            kernel::log().error("WSKEMU_TRACE_LIMIT={}: not a positive number; the limit stays {}", limit,
                                timeline_limit());
        }
    }
    o.timeline_path = variable("WSKEMU_TRACE");
    if (!o.timeline_path.empty()) {
        start_timeline();
    }
    o.capture_path = variable("WSKEMU_PCAP");
    if (!o.capture_path.empty()) {
        std::string error;
        if (!start_capture(o.capture_path, &error)) {
            kernel::log().error("WSKEMU_PCAP: {}; no packet capture", error);
        }
    }
    if (!o.timeline_path.empty() || !o.capture_path.empty()) {
        std::atexit(write_at_exit);
    }
}

std::vector<std::string> write_outputs() { return write(false); }

void bug_check(std::uint32_t code, std::string_view report, bool fatal) {
    if (timeline_on()) {
        detail::record_bug_check(code, report);
    }
    if (fatal) {
        exiting.store(true, std::memory_order_relaxed);  // the process aborts next: no exit handlers
        (void)write(false);
    }
}

void socket_endpoints(const void* socket, const net::endpoint& local, const net::endpoint& remote) {
    if (timeline_on()) {
        detail::timeline_socket_endpoints(socket, net::to_string(local), net::to_string(remote));
    }
}

namespace detail {

void record_socket_opened(const void* socket, std::string_view category) { timeline_socket_opened(socket, category); }

void record_socket_closed(const void* socket) {
    timeline_socket_closed(socket);
    if (capture_on()) {
        capture_socket_closed(socket);
    }
}

}  // namespace detail

}  // namespace wskemu::trace
