// wskemu host: waiting for a stop signal or a time limit.
#include "stop_signal.hpp"

#include <wskemu/runtime.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace wskemu::host {

namespace {

struct stop_state {
    std::mutex lock;
    std::condition_variable arrived;
    std::optional<std::string> signal;
};

stop_state& state() {
    // Leaked on purpose: the watcher thread may still use it during exit.
    static auto* const instance = new stop_state;
    return *instance;
}

}  // namespace

bool request_stop(const std::string& signal_name) {
    auto& s = state();
    {
        std::lock_guard guard(s.lock);
        if (s.signal) {
            return false;
        }
        s.signal = signal_name;
    }
    s.arrived.notify_all();
    return true;
}

std::optional<std::string> wait_for_stop_signal(std::optional<std::chrono::milliseconds> limit) {
    auto& s = state();
    auto& rt = wskemu::runtime::instance();
    if (rt.deterministic()) {
        // No runtime thread runs the driver's completions: this one does,
        // while it waits (--deterministic).
        const auto stopped_now = [&] {
            std::lock_guard guard(s.lock);
            return s.signal.has_value();
        };
        const auto deadline = limit ? std::chrono::steady_clock::now() + *limit
                                    : std::chrono::steady_clock::time_point::max();
        while (!stopped_now() && std::chrono::steady_clock::now() < deadline) {
            const auto left = deadline - std::chrono::steady_clock::now();
            rt.run_until(stopped_now, std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(100))));
        }
        std::lock_guard guard(s.lock);
        return s.signal;
    }
    std::unique_lock guard(s.lock);
    const auto stopped = [&] { return s.signal.has_value(); };
    if (limit) {
        s.arrived.wait_for(guard, *limit, stopped);
    } else {
        s.arrived.wait(guard, stopped);
    }
    return s.signal;
}

}  // namespace wskemu::host
