// Tests of src/net: how often the engine's worker threads have been switched
// in, so far (Linux: /proc). A host socket with no native asynchronous
// operation outstanding must not wake them (src/net/parked_socket.hpp).
#pragma once

#if defined(__linux__)

#include "net/io_engine.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace wskemu::net::test {

inline std::uint64_t engine_thread_switches() {
    std::uint64_t total = 0;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream comm(task.path() / "comm");
        std::string name;
        std::getline(comm, name);
        if (name != io_engine::worker_thread_name) {
            continue;
        }
        std::ifstream status(task.path() / "status");
        for (std::string line; std::getline(status, line);) {
            if (line.rfind("voluntary_ctxt_switches:", 0) == 0 || line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) {
                total += std::stoull(line.substr(line.find(':') + 1));
            }
        }
    }
    return total;
}

}  // namespace wskemu::net::test

#endif
