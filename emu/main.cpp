// wskemu: the host program. Runs a Windows kernel driver built as a module
// in this process (docs/host.md).
#include "command_line.hpp"
#include "run.hpp"
#include "stop_signal.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

int main(int argc, char** argv) {
    using namespace wskemu::host;
    // First, before any thread exists.
    watch_stop_signals();
    const auto parsed = parse_command_line(std::vector<std::string>(argv + 1, argv + argc));
    if (!parsed.error.empty()) {
        fmt::print(stderr, "wskemu: {}\nwskemu: 'wskemu --help' lists the commands and options\n", parsed.error);
        return 2;
    }
    switch (parsed.value.what) {
    case command::help:
        fmt::print("{}", usage());
        return 0;
    case command::version:
        fmt::print("wskemu {}\n", WSKEMU_VERSION);
        return 0;
    default:
        return run_driver(parsed.value);
    }
}
