// send_loop_sink: starts a loopback sink, runs a command that makes the send
// loop driver send to it (usually `wskemu run send_loop.so --ioctl ...`),
// and checks what arrived.
//
//   send_loop_sink [--ipv6] [--min-bytes N] -- PROGRAM ARGUMENTS...
//
// In the arguments, {port} becomes the sink's port and {sockaddr} the
// SOCKADDR_IN (or SOCKADDR_IN6 with --ipv6) of the sink as hex, the input of
// IOCTL_SEND_LOOP_START. Exits with the command's status if it failed, else 1
// if fewer than N bytes (default 1) arrived, a byte was out of order, or a
// connection was not closed; 0 otherwise.
#include "loopback_sink.hpp"
#include "run_command.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

// SEND_LOOP_MESSAGE_SIZE in send_loop.h (a WDK header, out of reach here).
constexpr std::size_t message_size = 1024;

// The sink's address as the driver's SOCKADDR_IN or SOCKADDR_IN6, in hex:
// family in host (little-endian) order with Windows' AF_INET6 (23), port in
// network order.
std::string sockaddr_hex(bool ipv6, std::uint16_t port) {
    const std::string port_hex = fmt::format("{:02x}{:02x}", port >> 8, port & 0xFF);
    if (ipv6) {
        return "1700" + port_hex + "00000000" + std::string(30, '0') + "01" + "00000000";
    }
    return "0200" + port_hex + "7f000001" + std::string(16, '0');
}

std::string substitute(std::string text, const std::string& name, const std::string& value) {
    for (auto at = text.find(name); at != std::string::npos; at = text.find(name, at + value.size())) {
        text.replace(at, name.size(), value);
    }
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    bool ipv6 = false;
    std::uint64_t min_bytes = 1;
    int first = 1;
    for (; first < argc && std::string(argv[first]) != "--"; ++first) {
        const std::string option = argv[first];
        if (option == "--ipv6") {
            ipv6 = true;
        } else if (option == "--min-bytes" && first + 1 < argc) {
            min_bytes = std::strtoull(argv[++first], nullptr, 10);
        } else {
            fmt::print(stderr, "usage: send_loop_sink [--ipv6] [--min-bytes N] -- PROGRAM ARGUMENTS...\n");
            return 2;
        }
    }
    if (first + 1 >= argc) {
        fmt::print(stderr, "send_loop_sink: no command after --\n");
        return 2;
    }
    wskemu::example::loopback_sink sink(message_size, ipv6);
    if (!sink.listening()) {
        fmt::print(stderr, "send_loop_sink: cannot listen on the {} loopback address\n", ipv6 ? "IPv6" : "IPv4");
        return 2;
    }
    std::vector<std::string> command;
    for (int i = first + 1; i < argc; ++i) {
        command.push_back(substitute(substitute(argv[i], "{port}", std::to_string(sink.port())), "{sockaddr}",
                                     sockaddr_hex(ipv6, sink.port())));
    }
    fmt::print("send_loop_sink: listening on port {}\n", sink.port());
    std::fflush(stdout);
    std::string error;
    const int status = wskemu::example::run_command(command, error);
    if (status < 0) {
        fmt::print(stderr, "send_loop_sink: cannot run {}: {}\n", command[0], error);
        return 2;
    }
    const bool closed = sink.wait_until_all_closed(5s);
    fmt::print("send_loop_sink: {} bytes on {} connection(s), {} closed, payload {}; the command exited with {}\n",
               sink.bytes_received(), sink.connections(), sink.closed_connections(),
               sink.payload_ok() ? "in order" : "OUT OF ORDER", status);
    if (status != 0) {
        return status;
    }
    return sink.bytes_received() >= min_bytes && sink.payload_ok() && closed ? 0 : 1;
}
