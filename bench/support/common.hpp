// wskemu benchmarks: small helpers every benchmark shares. Neutral:
// standard library only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace wskemu::bench {

/// The buffer sizes of the throughput benchmarks.
inline constexpr std::size_t stream_sizes[] = {256, 4096, 64 * 1024, 1024 * 1024};

/// "256B", "4KiB", "64KiB", "1MiB": the size as benchmark names spell it.
inline std::string size_name(std::size_t size) {
    if (size >= 1024 * 1024 && size % (1024 * 1024) == 0) {
        return std::to_string(size / (1024 * 1024)) + "MiB";
    }
    if (size >= 1024 && size % 1024 == 0) {
        return std::to_string(size / 1024) + "KiB";
    }
    return std::to_string(size) + "B";
}

/// "256 B", "4 KiB": the size as the table spells it.
inline std::string size_label(std::size_t size) {
    std::string name = size_name(size);
    return name.substr(0, name.find_first_not_of("0123456789")) + " " +
           name.substr(name.find_first_not_of("0123456789"));
}

/// How many buffers one iteration of a throughput benchmark moves: at least
/// 4 MiB, and at least 16 buffers (so that 8 in flight are kept busy).
inline std::size_t buffers_per_iteration(std::size_t size) {
    const std::size_t by_bytes = (std::size_t{4} << 20) / size;
    return by_bytes > 16 ? by_bytes : 16;
}

/// An NTSTATUS (or errno-based failure) for an error message.
inline std::string status_text(std::int32_t status) {
    char text[32];
    std::snprintf(text, sizeof(text), "status 0x%08X", static_cast<unsigned>(status));
    return text;
}

}  // namespace wskemu::bench
