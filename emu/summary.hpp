// wskemu host: what a run did and found, and the summary printed at its end.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace wskemu::host {

/// How one IOCTL went.
struct ioctl_outcome {
    std::uint32_t code = 0;
    std::optional<std::int32_t> status;  ///< nothing if it was never completed (a bug check)
    std::size_t bytes = 0;
};

/// Everything the summary reports.
struct run_report {
    std::string driver_path;
    std::string service_name;
    std::optional<std::int32_t> entry_status;  ///< nothing if DriverEntry did not return
    std::string stop_reason;                   ///< "SIGTERM", "--for 2s"; empty if it did not run
    std::chrono::milliseconds run_time{};
    std::vector<ioctl_outcome> ioctls;
    std::vector<std::string> device_errors;  ///< the IOCTLs' device could not be chosen or opened
    std::string unload;                      ///< what happened to DriverUnload, in words
    bool unloaded = false;                   ///< DriverUnload ran and returned
    bool cannot_unload = false;              ///< the driver set no DriverUnload
    bool abandoned = false;                  ///< not called again after a bug check
    std::vector<std::string> bug_checks;     ///< each report, naming where it was raised
    std::vector<std::string> left_behind;    ///< devices, links, open files (wskemu::driver::leftovers)
    std::vector<std::string> leaks;          ///< kernel objects still allocated, one line each
};

/// What in @p report counts against the run, one short phrase each; the
/// exit status is 1 when this is not empty.
std::vector<std::string> problems(const run_report& report);

/// Prints the end-of-run summary to @p out: DriverEntry's status, how long
/// the driver ran and why it stopped, IOCTLs, DriverUnload, bug checks, what
/// was left behind, the leak report, and a last line saying whether anything
/// was reported. The one place to extend with more of the run's statistics.
void print_summary(std::FILE* out, const run_report& report);

}  // namespace wskemu::host
