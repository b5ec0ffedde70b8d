// wskemu host: parsing the command line.
#include "command_line.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <limits>

namespace wskemu::host {

namespace {

bool is_one_of(std::string_view value, std::initializer_list<std::string_view> allowed) {
    return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        base = 16;
    }
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

// The options that only set a WSKEMU_* variable, with a check of the value.
struct environment_option {
    std::string_view option;
    std::string_view variable;
    std::string (*check)(std::string_view value);  // "" when valid
};

std::string check_log_level(std::string_view value) {
    return is_one_of(value, {"trace", "debug", "info", "warn", "warning", "error", "err", "critical", "off"})
               ? ""
               : "must be trace, debug, info, warn, error, critical or off";
}

std::string check_seed(std::string_view value) {
    return parse_unsigned(value) ? "" : "must be an unsigned 64-bit number (decimal or 0x hex)";
}

std::string check_verifier(std::string_view value) {
    return is_one_of(value, {"report", "fail", "break"}) ? "" : "must be report, fail or break";
}

std::string check_readable_file(std::string_view value) {
    std::error_code error;
    return std::filesystem::is_regular_file(std::filesystem::path(value), error) ? "" : "no such file";
}

std::string check_output_file(std::string_view value) { return value.empty() ? "needs a file name" : ""; }

constexpr std::array environment_options{
    environment_option{"--log", "WSKEMU_LOG", check_log_level},
    environment_option{"--policy", "WSKEMU_POLICY", check_policy},
    environment_option{"--seed", "WSKEMU_SEED", check_seed},
    environment_option{"--faults", "WSKEMU_FAULTS_FILE", check_readable_file},
    environment_option{"--verifier", "WSKEMU_VERIFIER", check_verifier},
    environment_option{"--trace", "WSKEMU_TRACE", check_output_file},
    environment_option{"--pcap", "WSKEMU_PCAP", check_output_file},
};

// CODE[:HEX[:OUT]]
std::string parse_ioctl_option(std::string_view text, ioctl_request& request) {
    const auto first = text.find(':');
    const auto code = parse_code(text.substr(0, first));
    if (!code) {
        return "CODE must be a 32-bit number (0x hex or decimal)";
    }
    request.code = *code;
    if (first == std::string_view::npos) {
        return "";
    }
    text.remove_prefix(first + 1);
    const auto second = text.find(':');
    const auto input = parse_hex(text.substr(0, second));
    if (!input) {
        return "HEX must be hex digits, two per byte";
    }
    request.input = *input;
    if (second != std::string_view::npos) {
        const auto out = parse_unsigned(text.substr(second + 1));
        if (!out || *out > std::numeric_limits<std::uint32_t>::max()) {
            return "OUT must be a byte count";
        }
        request.output_size = static_cast<std::size_t>(*out);
    }
    return "";
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    const auto unit_start = text.find_first_not_of("0123456789.");
    const std::string_view number = text.substr(0, unit_start);
    const std::string_view unit = unit_start == std::string_view::npos ? "s" : text.substr(unit_start);
    double value = 0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || error != std::errc() || end != number.data() + number.size() || value < 0) {
        return std::nullopt;
    }
    double milliseconds = 0;
    if (unit == "ms") {
        milliseconds = value;
    } else if (unit == "s") {
        milliseconds = value * 1e3;
    } else if (unit == "m" || unit == "min") {
        milliseconds = value * 60e3;
    } else if (unit == "h") {
        milliseconds = value * 3600e3;
    } else {
        return std::nullopt;
    }
    if (milliseconds > 1e15) {
        return std::nullopt;
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(milliseconds + 0.5));
}

std::optional<std::vector<std::byte>> parse_hex(std::string_view text) {
    if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
    }
    std::vector<std::byte> bytes;
    int high = -1;
    for (const char c : text) {
        int digit = -1;
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            digit = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            digit = c - 'A' + 10;
        } else if ((c == ' ' || c == '-' || c == '_') && high < 0) {
            continue;  // between bytes only
        } else {
            return std::nullopt;
        }
        if (high < 0) {
            high = digit;
        } else {
            bytes.push_back(static_cast<std::byte>(high * 16 + digit));
            high = -1;
        }
    }
    if (high >= 0) {
        return std::nullopt;
    }
    return bytes;
}

std::optional<std::uint32_t> parse_code(std::string_view text) {
    const auto value = parse_unsigned(text);
    if (!value || *value > std::numeric_limits<std::uint32_t>::max()) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(*value);
}

std::string check_policy(std::string_view text) {
    constexpr auto is_policy = [](std::string_view name) {
        return is_one_of(name, {"natural", "pending", "inline", "random", "hold"});
    };
    if (text.empty()) {
        return "must not be empty";
    }
    bool has_default = false;
    while (true) {
        const auto comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        const auto equals = item.find('=');
        if (equals == std::string_view::npos) {
            if (!is_policy(item)) {
                return fmt::format("'{}' is not natural, pending, inline, random or hold", item);
            }
            if (has_default) {
                return "names more than one policy for every operation";
            }
            has_default = true;
        } else {
            const std::string_view operation = item.substr(0, equals);
            if (operation.empty() ||
                !std::all_of(operation.begin(), operation.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; })) {
                return fmt::format("'{}' is not an operation name (send, receive, connect, ...)", operation);
            }
            if (!is_policy(item.substr(equals + 1))) {
                return fmt::format("'{}' is not natural, pending, inline, random or hold", item.substr(equals + 1));
            }
        }
        if (comma == std::string_view::npos) {
            return "";
        }
        text.remove_prefix(comma + 1);
    }
}

parsed_command_line parse_command_line(const std::vector<std::string>& arguments) {
    parsed_command_line parsed;
    options& o = parsed.value;
    if (arguments.empty()) {
        parsed.error = "no command (run, ioctl or --help)";
        return parsed;
    }
    const std::string& verb = arguments[0];
    if (verb == "--help" || verb == "-h" || verb == "help") {
        o.what = command::help;
        return parsed;
    }
    if (verb == "--version") {
        o.what = command::version;
        return parsed;
    }
    if (verb != "run" && verb != "ioctl") {
        parsed.error = fmt::format("unknown command '{}' (run, ioctl or --help)", verb);
        return parsed;
    }
    o.what = verb == "run" ? command::run : command::ioctl;

    std::vector<std::string> positional;
    std::optional<std::size_t> ioctl_output;
    for (std::size_t i = 1; i < arguments.size(); ++i) {
        std::string argument = arguments[i];
        if (argument.size() < 2 || argument.compare(0, 2, "--") != 0 || argument == "--") {
            positional.push_back(argument);
            continue;
        }
        std::optional<std::string> inline_value;
        if (const auto equals = argument.find('='); equals != std::string::npos) {
            inline_value = argument.substr(equals + 1);
            argument.resize(equals);
        }
        const auto value = [&]() -> std::optional<std::string> {
            if (inline_value) {
                return inline_value;
            }
            if (i + 1 < arguments.size()) {
                return arguments[++i];
            }
            parsed.error = fmt::format("{} needs a value", argument);
            return std::nullopt;
        };
        const auto bad = [&](const std::string& text, std::string_view why) {
            parsed.error = fmt::format("{} {}: {}", argument, text, why);
        };

        if (argument == "--help") {
            o.what = command::help;
            return parsed;
        }
        if (argument == "--deterministic") {
            if (inline_value) {
                parsed.error = "--deterministic takes no value";
                return parsed;
            }
            o.environment.emplace_back("WSKEMU_DETERMINISTIC", "1");
            continue;
        }
        const auto env = std::find_if(environment_options.begin(), environment_options.end(),
                                      [&](const auto& e) { return e.option == argument; });
        const bool for_run = is_one_of(argument, {"--for", "--ioctl"});
        const bool for_ioctl = is_one_of(argument, {"--out", "--cancel-after"});
        if (env == environment_options.end() && !is_one_of(argument, {"--device", "--name"}) &&
            !(for_run && o.what == command::run) && !(for_ioctl && o.what == command::ioctl)) {
            parsed.error = fmt::format("unknown option {} for '{}' (see --help)", argument, verb);
            return parsed;
        }
        const auto v = value();
        if (!v) {
            return parsed;
        }
        if (env != environment_options.end()) {
            if (const auto why = env->check(*v); !why.empty()) {
                bad(*v, why);
                return parsed;
            }
            o.environment.emplace_back(std::string(env->variable), *v);
        } else if (argument == "--for") {
            o.run_for = parse_duration(*v);
            o.run_for_text = *v;
            if (!o.run_for) {
                bad(*v, "must be a duration such as 500ms, 10s, 2m or 1h");
                return parsed;
            }
        } else if (argument == "--ioctl") {
            ioctl_request request;
            if (const auto why = parse_ioctl_option(*v, request); !why.empty()) {
                bad(*v, why);
                return parsed;
            }
            o.ioctls.push_back(std::move(request));
        } else if (argument == "--device") {
            o.device = *v;
        } else if (argument == "--name") {
            if (v->empty() || v->find_first_of("\\/") != std::string::npos) {
                bad(*v, "must be a service name without separators");
                return parsed;
            }
            o.service_name = *v;
        } else if (argument == "--out") {
            const auto out = parse_unsigned(*v);
            if (!out || *out > std::numeric_limits<std::uint32_t>::max()) {
                bad(*v, "must be a byte count");
                return parsed;
            }
            ioctl_output = static_cast<std::size_t>(*out);
        } else {  // --cancel-after
            o.cancel_after = parse_duration(*v);
            if (!o.cancel_after) {
                bad(*v, "must be a duration such as 500ms or 10s");
                return parsed;
            }
        }
    }

    const std::size_t most = o.what == command::run ? 1 : 3;
    if (positional.empty()) {
        parsed.error = fmt::format("'{}' needs a driver module (.so or .dll)", verb);
        return parsed;
    }
    if (positional.size() > most || (o.what == command::ioctl && positional.size() < 2)) {
        parsed.error = o.what == command::run ? "'run' takes one driver module; options start with --"
                                              : "usage: wskemu ioctl DRIVER [--device NAME] CODE [HEX] [--out N]";
        return parsed;
    }
    o.driver_path = positional[0];
    if (o.what == command::ioctl) {
        ioctl_request request;
        const auto code = parse_code(positional[1]);
        if (!code) {
            parsed.error = fmt::format("CODE {}: must be a 32-bit number (0x hex or decimal)", positional[1]);
            return parsed;
        }
        request.code = *code;
        if (positional.size() == 3) {
            const auto input = parse_hex(positional[2]);
            if (!input) {
                parsed.error = fmt::format("HEX {}: must be hex digits, two per byte", positional[2]);
                return parsed;
            }
            request.input = *input;
        }
        if (ioctl_output) {
            request.output_size = *ioctl_output;
        }
        o.ioctls.push_back(std::move(request));
    }
    if (o.service_name.empty()) {
        o.service_name = std::filesystem::path(o.driver_path).stem().string();
    }
    return parsed;
}

std::string usage() {
    return R"(usage: wskemu run DRIVER [options]
       wskemu ioctl DRIVER [--device NAME] CODE [HEX] [--out N] [options]
       wskemu --help | --version

Runs a Windows kernel driver built as a module (wskemu_add_driver: DRIVER.so
on Linux, DRIVER.dll on Windows) in this process: DriverEntry at
PASSIVE_LEVEL, then until Ctrl-C, SIGTERM or --for, then DriverUnload, a
summary and the leak report. 'ioctl' starts the driver, sends one IOCTL,
prints its output and unloads.

  --for DURATION         run this long (500ms, 10s, 2m, 1h; a bare number is seconds)
  --ioctl CODE[:HEX[:OUT]]
                         once DriverEntry returns, send IOCTL CODE (0x hex or decimal)
                         with input HEX and an OUT-byte output buffer (default 4096),
                         and print what comes back; repeatable, sent in order on one
                         handle that stays open until the driver is unloaded
  --device NAME          the device to open for IOCTLs (\Device\X, \DosDevices\X, \\.\X;
                         '/' may stand for '\'); default: the driver's only named device
  --out N                (ioctl) the output buffer size, default 4096
  --cancel-after DURATION
                         (ioctl) cancel the IOCTL if still pending after DURATION
  --name SERVICE         the driver's service name (default: DRIVER's file name)

Test control (each sets a WSKEMU_* variable before the driver loads):
  --log LEVEL            WSKEMU_LOG: trace, debug, info, warn, error, critical, off
                         (default info, so that DbgPrint output shows)
  --policy POLICY        WSKEMU_POLICY: natural, pending, inline, random or hold,
                         or per operation: send=pending,receive=inline
  --seed N               WSKEMU_SEED: seed of the random policy and scheduling
  --deterministic        WSKEMU_DETERMINISTIC=1: one thread drives every completion
  --faults FILE          WSKEMU_FAULTS_FILE: fault rules, one per line
  --verifier MODE        WSKEMU_VERIFIER: report, fail or break
  --trace FILE           WSKEMU_TRACE: timeline in Chrome Trace Event JSON
  --pcap FILE            WSKEMU_PCAP: packet capture of every socket

Exit status: 0 nothing reported; 1 something reported (DriverEntry failed, a
bug check, a leak, objects left behind, an IOCTL failed); 2 a bad command line
or a module that cannot be loaded. docs/host.md has the details.
)";
}

}  // namespace wskemu::host
