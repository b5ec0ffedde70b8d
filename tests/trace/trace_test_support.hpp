// wskemu tests: what the trace tests share: temporary file names, and tshark
// (when installed) following a captured TCP stream or listing UDP datagrams.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace wskemu::test {

/// A file name in the test's temporary directory, unique to the running test.
inline std::string temporary_path(const std::string& what, const std::string& extension) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "_" + info->name();
    for (char& c : name) {
        if (c == '/' || c == '\\') {
            c = '_';
        }
    }
    return (std::filesystem::path(::testing::TempDir()) / ("wskemu_" + what + "_" + name + extension)).string();
}

/// tshark's path if the build found it and it is still there, else "".
inline std::string tshark_program() {
#if defined(WSKEMU_TSHARK) && !defined(_WIN32)
    const std::string path = WSKEMU_TSHARK;
    std::error_code ignored;
    if (!path.empty() && std::filesystem::exists(path, ignored)) {
        return path;
    }
#endif
    return {};
}

/// Runs `command`; its standard output, and whether it exited with 0.
inline bool run_and_read(const std::string& command, std::string& output) {
#if !defined(_WIN32)
    std::FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return false;
    }
    char chunk[4096];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) {
        output.append(chunk, n);
    }
    return pclose(pipe) == 0;
#else
    (void)command;
    (void)output;
    return false;
#endif
}

/// The lines of `text`, without their line ends.
inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string::npos) {
            end = text.size();
        }
        lines.push_back(text.substr(at, end - at));
        at = end + 1;
    }
    return lines;
}

/// What `tshark -z follow,tcp,raw,0` reassembled of the first TCP stream.
struct follow_result {
    bool ran = false;
    std::string output;
    std::vector<unsigned char> from_first_node;   // the stream's client (node 0)
    std::vector<unsigned char> from_second_node;  // its server (node 1)
};

inline void append_hex(std::vector<unsigned char>& out, const std::string& hex) {
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<unsigned char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
}

/// Runs tshark on `capture` and parses its follow output: node 1's data
/// lines start with a tab, node 0's do not.
inline follow_result tshark_follow(const std::string& tshark, const std::string& capture) {
    follow_result result;
#if !defined(_WIN32)
    const std::string command = "\"" + tshark + "\" -r \"" + capture + "\" -q -z follow,tcp,raw,0 2>/dev/null";
    result.ran = run_and_read(command, result.output);
    bool in_data = false;
    for (const std::string& line : lines_of(result.output)) {
        if (line.rfind("Node 1:", 0) == 0) {
            in_data = true;
            continue;
        }
        if (!in_data || line.empty()) {
            continue;
        }
        if (line[0] == '=') {
            in_data = false;
            continue;
        }
        if (line[0] == '\t') {
            append_hex(result.from_second_node, line.substr(1));
        } else {
            append_hex(result.from_first_node, line);
        }
    }
#else
    (void)tshark;
    (void)capture;
#endif
    return result;
}

/// One UDP datagram as tshark dissected it.
struct tshark_datagram {
    unsigned source_port = 0;
    unsigned destination_port = 0;
    std::vector<unsigned char> payload;
};

/// What tshark listed of a capture's UDP datagrams.
struct tshark_fields {
    bool ran = false;
    std::string output;
    std::vector<tshark_datagram> rows;
};

/// Runs tshark on `capture`, one line per UDP frame: ports and payload (hex).
inline tshark_fields tshark_udp_fields(const std::string& tshark, const std::string& capture) {
    tshark_fields result;
    const std::string command = "\"" + tshark + "\" -r \"" + capture +
                                "\" -Y udp -T fields -E separator=/t -e udp.srcport -e udp.dstport -e udp.payload "
                                "2>/dev/null";
    result.ran = run_and_read(command, result.output);
    for (const std::string& line : lines_of(result.output)) {
        const std::size_t first = line.find('\t');
        const std::size_t second = first == std::string::npos ? first : line.find('\t', first + 1);
        if (second == std::string::npos) {
            continue;
        }
        tshark_datagram row;
        row.source_port = static_cast<unsigned>(std::stoul(line.substr(0, first)));
        row.destination_port = static_cast<unsigned>(std::stoul(line.substr(first + 1, second - first - 1)));
        std::string hex;
        for (const char c : line.substr(second + 1)) {
            if (c != ':') {
                hex += c;
            }
        }
        append_hex(row.payload, hex);
        result.rows.push_back(std::move(row));
    }
    return result;
}

}  // namespace wskemu::test
