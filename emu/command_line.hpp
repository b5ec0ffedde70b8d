// wskemu host: the command line (docs/host.md lists every option).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wskemu::host {

/// An IOCTL to send: from --ioctl CODE[:HEX[:OUT]] or the ioctl command.
struct ioctl_request {
    std::uint32_t code = 0;
    std::vector<std::byte> input;
    std::size_t output_size = 4096;
};

enum class command { run, ioctl, help, version };

/// Everything the command line asks for.
struct options {
    command what = command::help;
    std::string driver_path;
    std::string service_name;                              ///< --name, else the module's file name stem
    std::optional<std::chrono::milliseconds> run_for;      ///< --for
    std::string run_for_text;                              ///< --for as written, for the summary
    std::string device;                                    ///< --device
    std::vector<ioctl_request> ioctls;                     ///< --ioctl, in order (or the ioctl command's one)
    std::optional<std::chrono::milliseconds> cancel_after;  ///< --cancel-after
    /// WSKEMU_* variables to set before the driver loads, in option order.
    std::vector<std::pair<std::string, std::string>> environment;
};

/// The parsed command line, or a one-line reason it is wrong.
struct parsed_command_line {
    options value;
    std::string error;
};

/// Parses the arguments after the program name.
parsed_command_line parse_command_line(const std::vector<std::string>& arguments);

/// The help text.
std::string usage();

/// "500ms", "1.5s", "2m", "1h"; a bare number is seconds. Nothing if malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// Hex digits, two per byte, optionally after "0x", with spaces, '-' or '_'
/// between bytes. Nothing if malformed.
std::optional<std::vector<std::byte>> parse_hex(std::string_view text);

/// A 32-bit IOCTL code: 0x-prefixed hex or decimal. Nothing if malformed.
std::optional<std::uint32_t> parse_code(std::string_view text);

/// WSKEMU_POLICY's syntax: natural, pending, inline, random or hold, alone or
/// per operation (send=pending,receive=inline), comma-separated; an empty
/// string if valid, else why not.
std::string check_policy(std::string_view text);

}  // namespace wskemu::host
