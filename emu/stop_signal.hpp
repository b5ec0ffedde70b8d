// wskemu host: stopping a run on Ctrl-C, SIGTERM or a time limit. Watching
// the OS's signals lives in posix/stop_signal.cpp and win/stop_signal.cpp;
// the waiting is in stop_signal.cpp.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace wskemu::host {

/// Starts watching for Ctrl-C and SIGTERM (console control events on
/// Windows). Call first in main, before any thread starts, so that no other
/// thread takes the signal. A second signal while the driver stops ends the
/// process at once (status 130, or 143 for SIGTERM).
void watch_stop_signals();

/// Waits for a stop signal, at most @p limit (without one, for ever).
/// @return The signal's name ("SIGTERM", "Ctrl-C"), or nothing if the time
/// ran out.
std::optional<std::string> wait_for_stop_signal(std::optional<std::chrono::milliseconds> limit);

/// Records a stop signal and wakes the waiter; returns false if one had
/// arrived already. Called by the platform watcher.
bool request_stop(const std::string& signal_name);

}  // namespace wskemu::host
