// Loopback TCP clients for the echo server example: many at once, each
// sending its own byte stream and checking that exactly that stream comes
// back. Host-side code (Boost.Asio); no WDK types.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace wskemu::example {

struct echo_load {
    std::uint16_t port = 0;
    bool ipv6 = false;
    std::size_t clients = 1;
    std::size_t bytes_each = 4096;     ///< what each client sends (and expects back)
    std::size_t chunk = 4096;          ///< the largest write
    std::size_t concurrency = 0;       ///< clients connected at once (0: all)
    std::uint64_t seed = 1;            ///< varies each client's stream and chunk sizes
    std::chrono::milliseconds timeout{60000};
};

struct echo_load_result {
    std::size_t completed = 0;         ///< every byte came back, in order, then the server's FIN
    std::size_t broken = 0;            ///< reset or refused before the end
    std::size_t corrupted = 0;         ///< a byte came back that was not the next one sent: a defect
    std::uint64_t bytes_sent = 0;
    std::uint64_t bytes_echoed = 0;    ///< bytes that came back, each checked
    bool timed_out = false;
    std::string first_problem;         ///< the first corruption, breakage or timeout, in words
};

/// Runs the clients against 127.0.0.1 (or ::1) : port on the calling thread.
/// Each client connects, writes its stream in chunks while reading the echo,
/// checks every byte, shuts down its send side once all came back, and waits
/// for the server's FIN.
echo_load_result run_echo_clients(const echo_load& load);

/// Raises this process's open-file limit towards @p descriptors where the
/// host allows it (each loopback connection here holds two sockets); returns
/// the limit now in force (0 where the host has no such limit).
std::size_t raise_open_file_limit(std::size_t descriptors);

}  // namespace wskemu::example
