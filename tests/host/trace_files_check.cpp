// trace_files_check: reads back what `wskemu run --trace FILE --pcap FILE`
// wrote, with the tests' own JSON and pcap readers, and checks it.
//
//   trace_files_check send_loop TRACE PCAP   the send loop example's run: its
//       socket's track, its spans, and a capture whose client stream is
//       exactly the bytes the WskSend spans report, in numbered messages
//   trace_files_check bug_check TRACE CODE   a bug check marker with that code
//   trace_files_check echo TRACE PCAP        the echo client driver's tests: a
//       track and WskSend spans per socket, and connections whose two
//       streams are the same bytes
//   trace_files_check udp TRACE PCAP         the UDP tunnel driver's tests:
//       UDP frames only, each conversation's two directions the same
//       datagrams (everything is echoed), and WskReceiveFromEvent instants
//       indicating every byte the WSK sockets received
//
// Prints what it found; exits 0 if everything holds, 1 otherwise.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <iterator>
#include <string>
#include <vector>

#include "support/json_reader.hpp"
#include "support/pcap_reader.hpp"

namespace {

namespace json = wskemu::test::json;
namespace pcap = wskemu::test::pcap;

int failures = 0;

void check(bool ok, const std::string& what) {
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
    failures += ok ? 0 : 1;
}

json::value read_json(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return json::parse(text);
}

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

// The send loop: WskSocketConnect, 1 KiB WskSends until stopped, WskDisconnect, WskCloseSocket.
void check_send_loop(const std::string& trace_path, const std::string& pcap_path) {
    const json::value trace = read_json(trace_path);
    check(trace["otherData"]["dropped_events"].number() == 0, "the timeline kept every event");
    double socket_pid = -1;
    std::string socket_name;
    double connects = 0;
    std::uint64_t sent = 0;
    std::size_t sends = 0, successes = 0, disconnects = 0, closes = 0;
    for (const json::value& e : trace["traceEvents"].items()) {
        const std::string ph = e["ph"].string();
        const std::string name = e["name"].string();
        if (ph == "M" && name == "process_name" && starts_with(e["args"]["name"].string(), "socket 1: connection ")) {
            socket_pid = e["pid"].number();
            socket_name = e["args"]["name"].string();
        }
        if (ph != "X") {
            continue;
        }
        if (name == "WskSocketConnect" && e["pid"].number() == 1 &&
            e["args"]["status"].string() == "STATUS_SUCCESS") {
            ++connects;
        }
        if (name == "WskSend") {
            ++sends;
            sent += static_cast<std::uint64_t>(e["args"]["information"].number());
            successes += e["args"]["status"].string() == "STATUS_SUCCESS" ? 1 : 0;
        }
        disconnects += name == "WskDisconnect" && e["args"]["status"].string() == "STATUS_SUCCESS" ? 1 : 0;
        closes += name == "WskCloseSocket" ? 1 : 0;
    }
    check(socket_pid > 1, "a track for the socket: " + socket_name);
    check(socket_name.find(" -> 127.0.0.1:") != std::string::npos, "named with both endpoints");
    check(connects == 1, "WskSocketConnect succeeded on the client track");
    check(sends >= 64 && successes + 1 >= sends,
          std::to_string(sends) + " WskSend spans, all successful but a cancelled last one");
    check(disconnects == 1 && closes == 1, "WskDisconnect and WskCloseSocket");

    const pcap::file capture = pcap::read_file(pcap_path);
    check(capture.error.empty(), "the capture parses" + (capture.error.empty() ? "" : ": " + capture.error));
    check(capture.linktype == 101, "LINKTYPE_RAW");
    const auto connections = pcap::reassemble(capture);
    check(connections.size() == 1, "one TCP connection");
    if (connections.size() != 1) {
        return;
    }
    const pcap::tcp_connection& c = connections[0];
    for (const std::string& problem : c.problems) {
        check(false, problem);
    }
    check(c.from_client.syn && c.from_server.syn, "a handshake");
    check(c.from_client.fin, "our FIN (WskDisconnect)");
    check(c.from_client.bytes.size() == sent,
          "the client stream holds the " + std::to_string(sent) + " bytes the WskSend spans report (" +
              std::to_string(c.from_client.bytes.size()) + ")");
    check(c.from_server.bytes.empty(), "the sink sent nothing");
    // SendLoopFill: message k starts with k (8 bytes, little-endian), then (k + i) & 0xFF.
    const std::size_t messages = c.from_client.bytes.size() / 1024;
    std::size_t wrong = 0;
    for (std::size_t k = 0; k < messages; ++k) {
        const unsigned char* m = c.from_client.bytes.data() + k * 1024;
        std::uint64_t number = 0;
        for (int i = 0; i < 8; ++i) {
            number |= std::uint64_t{m[i]} << (8 * i);
        }
        bool ok = number == k;
        for (std::size_t i = 8; i < 1024 && ok; ++i) {
            ok = m[i] == static_cast<unsigned char>(k + i);
        }
        wrong += ok ? 0 : 1;
    }
    check(messages >= 64 && wrong == 0, std::to_string(messages) + " numbered messages, byte for byte");
}

void check_bug_check(const std::string& trace_path, const std::string& code) {
    const json::value trace = read_json(trace_path);
    bool found = false;
    for (const json::value& e : trace["traceEvents"].items()) {
        if (e["ph"].string() == "i" && e["name"].string() == "bug check " + code) {
            found = e["s"].string() == "g" && e["args"]["report"].string().find("STOP") != std::string::npos;
        }
    }
    check(found, "a global marker \"bug check " + code + "\" with the report");
}

void check_echo(const std::string& trace_path, const std::string& pcap_path) {
    const json::value trace = read_json(trace_path);
    std::size_t tracks = 0, sends = 0;
    for (const json::value& e : trace["traceEvents"].items()) {
        tracks += e["ph"].string() == "M" && e["name"].string() == "process_name" &&
                          starts_with(e["args"]["name"].string(), "socket ")
                      ? 1
                      : 0;
        sends += e["ph"].string() == "X" && e["name"].string() == "WskSend" ? 1 : 0;
    }
    check(tracks >= 2 && sends >= tracks,
          std::to_string(tracks) + " socket tracks, " + std::to_string(sends) + " WskSend spans");

    const pcap::file capture = pcap::read_file(pcap_path);
    check(capture.error.empty(), "the capture parses" + (capture.error.empty() ? "" : ": " + capture.error));
    const auto connections = pcap::reassemble(capture);
    check(connections.size() == tracks, std::to_string(connections.size()) + " TCP connections, one per socket");
    for (const pcap::tcp_connection& c : connections) {
        for (const std::string& problem : c.problems) {
            check(false, problem);
        }
        check(c.from_client.syn && !c.from_client.bytes.empty() && c.from_client.bytes == c.from_server.bytes,
              "port " + std::to_string(c.client_port) + ": " + std::to_string(c.from_client.bytes.size()) +
                  " bytes sent and echoed");
    }
}

// One end of a UDP conversation, as text ("4 7f000001:40000").
std::string end_of(const pcap::frame& f, bool source) {
    const auto& address = source ? f.source : f.destination;
    std::string text = std::to_string(f.ip_version) + " ";
    const std::size_t size = f.ip_version == 4 ? 4 : 16;
    for (std::size_t i = 0; i < size; ++i) {
        static const char digits[] = "0123456789abcdef";
        text += digits[address[i] >> 4];
        text += digits[address[i] & 15];
    }
    return text + ":" + std::to_string(source ? f.source_port : f.destination_port);
}

void check_udp(const std::string& trace_path, const std::string& pcap_path) {
    const json::value trace = read_json(trace_path);
    check(trace["otherData"]["dropped_events"].number() == 0, "the timeline kept every event");
    double indicated = 0;
    std::size_t indications = 0;
    for (const json::value& e : trace["traceEvents"].items()) {
        if (e["ph"].string() == "i" && e["name"].string() == "WskReceiveFromEvent") {
            ++indications;
            indicated += e["args"]["bytes"].number();
        }
    }

    const pcap::file capture = pcap::read_file(pcap_path);
    check(capture.error.empty(), "the capture parses" + (capture.error.empty() ? "" : ": " + capture.error));
    // Each conversation (a pair of ends): the datagrams of each direction.
    struct conversation {
        std::vector<std::vector<std::uint8_t>> forward;   // from the lesser end
        std::vector<std::vector<std::uint8_t>> backward;
    };
    std::map<std::pair<std::string, std::string>, conversation> conversations;
    std::size_t not_udp = 0, bad_checksums = 0;
    double payload = 0;
    for (const pcap::frame& f : capture.frames) {
        not_udp += f.protocol == 17 ? 0 : 1;
        bad_checksums += f.ip_checksum_ok && f.transport_checksum_ok ? 0 : 1;
        payload += static_cast<double>(f.payload.size());
        const std::string from = end_of(f, true);
        const std::string to = end_of(f, false);
        conversation& c = conversations[std::minmax(from, to)];
        (from < to ? c.forward : c.backward).push_back(f.payload);
    }
    check(not_udp == 0 && bad_checksums == 0,
          std::to_string(capture.frames.size()) + " UDP frames, every checksum valid");
    check(conversations.size() >= 2, std::to_string(conversations.size()) + " conversations");
    for (auto& [ends, c] : conversations) {
        // Echoed: the same datagrams both ways (the order of records of
        // different engine threads may differ).
        std::sort(c.forward.begin(), c.forward.end());
        std::sort(c.backward.begin(), c.backward.end());
        check(!c.forward.empty() && c.forward == c.backward,
              ends.first + " <-> " + ends.second + ": " + std::to_string(c.forward.size()) +
                  " datagrams each way, the same bytes");
    }
    check(indications > 0 && indicated * 2 == payload,
          std::to_string(indications) + " WskReceiveFromEvent instants indicated " +
              std::to_string(static_cast<std::uint64_t>(indicated)) + " bytes, half the captured payload (" +
              std::to_string(static_cast<std::uint64_t>(payload)) + ")");
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.size() == 3 && args[0] == "send_loop") {
            check_send_loop(args[1], args[2]);
        } else if (args.size() == 3 && args[0] == "bug_check") {
            check_bug_check(args[1], args[2]);
        } else if (args.size() == 3 && args[0] == "echo") {
            check_echo(args[1], args[2]);
        } else if (args.size() == 3 && args[0] == "udp") {
            check_udp(args[1], args[2]);
        } else {
            std::fprintf(stderr, "usage: trace_files_check send_loop|echo|udp TRACE PCAP | bug_check TRACE CODE\n");
            return 2;
        }
    } catch (const std::exception& e) {
        check(false, std::string("reading the files: ") + e.what());
    }
    return failures == 0 ? 0 : 1;
}
