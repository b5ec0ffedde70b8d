// wskemu host: waiting for a stop signal or a time limit.
#include "stop_signal.hpp"

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
