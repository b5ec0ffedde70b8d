// wskemu host: the end-of-run summary.
#include "summary.hpp"

#include <wskemu/status.hpp>

#include <fmt/format.h>

namespace wskemu::host {

namespace {

// One heading and its lines: "none" when there are none.
void print_list(std::FILE* out, const char* heading, const std::vector<std::string>& lines, const char* none) {
    if (lines.empty()) {
        fmt::print(out, "  {:<13} {}\n", heading, none);
        return;
    }
    fmt::print(out, "  {:<13} {}\n", heading, lines.size());
    for (const auto& line : lines) {
        fmt::print(out, "    {}\n", line);
    }
}

}  // namespace

std::vector<std::string> problems(const run_report& report) {
    std::vector<std::string> found;
    if (report.entry_status && *report.entry_status < 0) {
        found.push_back(fmt::format("DriverEntry failed with {}", describe_status(*report.entry_status)));
    }
    if (!report.bug_checks.empty()) {
        found.push_back(fmt::format("{} bug check(s)", report.bug_checks.size()));
    }
    std::size_t failed = report.device_errors.size();
    for (const auto& ioctl : report.ioctls) {
        failed += ioctl.status && *ioctl.status >= 0 ? 0 : 1;
    }
    if (failed != 0) {
        found.push_back(fmt::format("{} IOCTL(s) failed", failed));
    }
    if (!report.left_behind.empty()) {
        found.push_back(fmt::format("{} object(s) left behind", report.left_behind.size()));
    }
    // A driver that was not unloaded keeps what it allocated; that is not a leak.
    if (!report.leaks.empty() && !report.cannot_unload && !report.abandoned) {
        found.push_back(fmt::format("{} kernel object(s) leaked", report.leaks.size()));
    }
    return found;
}

void print_summary(std::FILE* out, const run_report& report) {
    fmt::print(out, "wskemu: summary of \\Driver\\{} ({})\n", report.service_name, report.driver_path);
    fmt::print(out, "  {:<13} {}\n", "DriverEntry",
               report.entry_status ? describe_status(*report.entry_status) : "did not return (bug check)");
    if (!report.stop_reason.empty()) {
        fmt::print(out, "  {:<13} {:.3f} s, stopped by {}\n", "ran", report.run_time.count() / 1000.0,
                   report.stop_reason);
    }
    if (!report.ioctls.empty() || !report.device_errors.empty()) {
        std::vector<std::string> lines = report.device_errors;
        for (const auto& ioctl : report.ioctls) {
            lines.push_back(fmt::format("{:#010x}: {}, {} bytes", ioctl.code,
                                        ioctl.status ? describe_status(*ioctl.status) : "no status (bug check)",
                                        ioctl.bytes));
        }
        print_list(out, "IOCTLs", lines, "none");
    }
    if (!report.unload.empty()) {
        fmt::print(out, "  {:<13} {}\n", "DriverUnload", report.unload);
    }
    print_list(out, "bug checks", report.bug_checks, "none");
    if (report.abandoned) {
        fmt::print(out, "  {:<13} {}\n", "left behind", "not checked: the driver was abandoned after the bug check");
    } else {
        print_list(out, "left behind", report.left_behind, "nothing");
    }
    print_list(out, report.cannot_unload || report.abandoned ? "still held" : "leaks", report.leaks, "none");
    const auto found = problems(report);
    if (found.empty()) {
        fmt::print(out, "wskemu: nothing reported\n");
        return;
    }
    std::string list;
    for (const auto& problem : found) {
        list += (list.empty() ? "" : ", ") + problem;
    }
    fmt::print(out, "wskemu: reported: {}\n", list);
}

}  // namespace wskemu::host
