// wskemu host: running a driver module. This file sees neither OS nor WDK
// headers: the driver is reached through include/wskemu, the OS through
// module.hpp, environment.hpp and stop_signal.hpp.
#include "run.hpp"

#include "environment.hpp"
#include "module.hpp"
#include "stop_signal.hpp"
#include "summary.hpp"

#include <wskemu/bug_check.hpp>
#include <wskemu/device.hpp>
#include <wskemu/driver.hpp>
#include <wskemu/leak_report.hpp>
#include <wskemu/runtime.hpp>
#include <wskemu/status.hpp>
#include <wskemu/trace.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

namespace wskemu::host {

namespace {

constexpr std::int32_t status_success = 0;

const char* method_name(std::uint32_t code) {
    static constexpr const char* names[] = {"METHOD_BUFFERED", "METHOD_IN_DIRECT", "METHOD_OUT_DIRECT",
                                            "METHOD_NEITHER"};
    return names[code & 3];
}

// Sixteen bytes a line, offset, hex and the printable characters.
void print_hex_dump(std::span<const std::byte> bytes) {
    for (std::size_t offset = 0; offset < bytes.size(); offset += 16) {
        std::string hex;
        std::string text;
        for (std::size_t i = offset; i < offset + 16; ++i) {
            if (i < bytes.size()) {
                const auto b = std::to_integer<unsigned>(bytes[i]);
                hex += fmt::format("{:02x} ", b);
                text += b >= 0x20 && b < 0x7F ? static_cast<char>(b) : '.';
            } else {
                hex += "   ";
            }
        }
        fmt::print("  {:04x}  {} {}\n", offset, hex, text);
    }
}

// The --device name, or the driver's only named device.
std::string choose_device(const options& o, const wskemu::driver& driver, std::string& error) {
    std::string name = o.device;
    if (name.empty()) {
        const auto devices = driver.devices();
        if (devices.size() == 1) {
            return devices[0].name;
        }
        std::string names;
        for (const auto& d : devices) {
            names += (names.empty() ? "" : ", ") + d.name;
        }
        error = devices.empty() ? "the driver created no named device to send IOCTLs to"
                                : fmt::format("the driver has {} devices ({}); choose one with --device",
                                              devices.size(), names);
        return {};
    }
    std::replace(name.begin(), name.end(), '/', '\\');
    return name;
}

class driver_run {
public:
    driver_run(const options& o, void* entry)
        : o_(o), driver_(wskemu::driver_entry::from_address(entry), o.service_name) {
        report_.driver_path = o.driver_path;
        report_.service_name = o.service_name;
    }

    int run() {
        const auto mark = wskemu::next_allocation_serial();
        fmt::print("wskemu: starting \\Driver\\{} from {}\n", o_.service_name, o_.driver_path);
        std::fflush(stdout);
        guarded("DriverEntry", [&] { report_.entry_status = driver_.start(); });
        if (report_.entry_status && *report_.entry_status < 0) {
            fmt::print(stderr, "wskemu: DriverEntry of {} failed: {}\n", o_.driver_path,
                       describe_status(*report_.entry_status));
        }
        if (driver_.running()) {
            send_ioctls();
            if (o_.what == command::run && !report_.abandoned) {
                wait();
            }
            if (!report_.abandoned) {
                guarded("IRP_MJ_CLEANUP or IRP_MJ_CLOSE", [&] { device_.close(); });
            }
            if (!report_.abandoned) {
                unload();
            }
        }
        if (!report_.abandoned) {
            report_.left_behind = driver_.leftovers();
        }
        for (const auto& object : wskemu::live_kernel_objects()) {
            if (object.serial >= mark) {
                report_.leaks.push_back(fmt::format("{} at {}, {} bytes, tag {}, allocated at {}", object.kind,
                                                    object.address, object.size, wskemu::format_pool_tag(object.tag),
                                                    describe_code_address(object.allocation_site)));
            }
        }
        // The driver is gone (or abandoned): what --trace and --pcap asked for is complete.
        for (const std::string& line : wskemu::trace::write_outputs()) {
            fmt::print("wskemu: {}\n", line);
        }
        std::fflush(stdout);
        print_summary(stdout, report_);
        const int status = problems(report_).empty() ? 0 : 1;
        if (report_.abandoned || report_.cannot_unload) {
            // The driver's code may still run (threads, work items) and its
            // objects are in an unknown state: end without tearing anything down.
            std::fflush(nullptr);
            std::_Exit(status);
        }
        return status;
    }

private:
    // Runs driver code; a bug check is reported and the driver abandoned.
    template <typename Body>
    void guarded(const char* where, Body&& body) {
        try {
            wskemu::catch_bug_check(body);
        } catch (const wskemu::bug_check_error& e) {
            report_.bug_checks.push_back(fmt::format("in {}: {}", where, e.what()));
            report_.abandoned = true;
        }
    }

    void send_ioctls() {
        if (o_.ioctls.empty()) {
            return;
        }
        std::string error;
        const std::string name = choose_device(o_, driver_, error);
        if (name.empty()) {
            report_.device_errors.push_back(error);
            fmt::print(stderr, "wskemu: {}\n", error);
            return;
        }
        guarded("IRP_MJ_CREATE", [&] {
            auto opened = wskemu::open_device(name);
            if (opened.status != status_success) {
                error = fmt::format("cannot open {}: {}", name, describe_status(opened.status));
            }
            device_ = std::move(opened.handle);
        });
        if (!error.empty()) {
            report_.device_errors.push_back(error);
            fmt::print(stderr, "wskemu: {}\n", error);
        }
        for (const auto& request : o_.ioctls) {
            if (!device_.is_open() || report_.abandoned) {
                return;
            }
            std::vector<std::byte> output(request.output_size);
            ioctl_outcome outcome{request.code, std::nullopt, 0};
            guarded("IRP_MJ_DEVICE_CONTROL", [&] {
                const auto result = wskemu::device_io_control(device_, request.code, request.input, output,
                                                              o_.cancel_after);
                outcome.status = result.status;
                outcome.bytes = result.information;
            });
            report_.ioctls.push_back(outcome);
            if (!outcome.status) {
                return;
            }
            fmt::print("wskemu: IOCTL {:#010x} ({}, {} bytes in, {} out) on {}: {}, {} bytes\n", request.code,
                       method_name(request.code), request.input.size(), request.output_size, name,
                       describe_status(*outcome.status), outcome.bytes);
            print_hex_dump(std::span<const std::byte>(output).first(std::min(outcome.bytes, output.size())));
            std::fflush(stdout);
        }
    }

    void wait() {
        if (o_.run_for) {
            fmt::print("wskemu: running for {}; stop earlier with Ctrl-C or SIGTERM\n", o_.run_for_text);
        } else {
            fmt::print("wskemu: running; stop with Ctrl-C or SIGTERM\n");
        }
        std::fflush(stdout);
        const auto started = std::chrono::steady_clock::now();
        const auto signal = wait_for_stop_signal(o_.run_for);
        report_.run_time = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                                 started);
        report_.stop_reason = signal ? *signal : "--for " + o_.run_for_text;
        fmt::print("wskemu: stopping ({})\n", report_.stop_reason);
        std::fflush(stdout);
    }

    void unload() {
        wskemu::driver::unload_result result = wskemu::driver::unload_result::not_running;
        guarded("DriverUnload", [&] { result = driver_.unload(); });
        if (report_.abandoned) {
            report_.unload = "raised a bug check";
            return;
        }
        switch (result) {
        case wskemu::driver::unload_result::unloaded:
            report_.unload = "called";
            report_.unloaded = true;
            break;
        case wskemu::driver::unload_result::no_unload_routine:
            report_.unload = "not set: the driver cannot be unloaded and keeps what it holds";
            report_.cannot_unload = true;
            break;
        case wskemu::driver::unload_result::handles_open:
            report_.unload = "not called: files are still open on the driver's devices";
            break;
        case wskemu::driver::unload_result::not_running:
            report_.unload = "not called: the driver is not running";
            break;
        }
    }

    const options& o_;
    wskemu::driver driver_;
    wskemu::device_handle device_;
    run_report report_;
};

}  // namespace

int run_driver(const options& o) {
    // Before anything reaches the runtime, which reads these at first use.
    // DbgPrint output shows by default here.
    if (std::getenv("WSKEMU_LOG") == nullptr) {
        set_environment("WSKEMU_LOG", "info");
    }
    for (const auto& [name, value] : o.environment) {
        set_environment(name, value);
    }
    // The runtime starts now, from those variables, so that a timeline
    // (--trace) covers the driver from DriverEntry on.
    (void)wskemu::runtime::instance();
    const auto module = load_driver_module(o.driver_path);
    if (module.driver_entry == nullptr) {
        fmt::print(stderr, "wskemu: {}\n", module.error);
        return 2;
    }
    driver_run run(o, module.driver_entry);
    return run.run();
}

}  // namespace wskemu::host
