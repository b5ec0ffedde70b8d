// wskemu benchmarks: the real peers every benchmark talks to, plain sockets
// on a thread of their own, shared by wskemu and its baselines. Neutral:
// standard library only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace wskemu::bench {

/// What a peer does with the one connection it accepts.
enum class peer_kind {
    sink,    // reads and drops everything until the client closes
    source,  // sends without pause until the client closes
    echo,    // sends back every byte it reads (TCP_NODELAY), until the client closes
};

/// A listener on 127.0.0.1, port 0, serving one connection with blocking
/// plain sockets on its own thread.
class loopback_peer {
public:
    explicit loopback_peer(peer_kind kind);
    /// Ends the connection (shutdown) and joins the thread: destroy it after
    /// the client is done.
    ~loopback_peer();
    loopback_peer(const loopback_peer&) = delete;
    loopback_peer& operator=(const loopback_peer&) = delete;

    /// The port in host byte order (0 if the listener could not be set up).
    std::uint16_t port() const noexcept;

private:
    struct state;
    std::unique_ptr<state> state_;
};

/// The many-connection echo peer of the scale benchmark: a separate process
/// (this program started again) so that its sockets do not count against
/// this process's descriptor limit or resident memory. Started on first use,
/// stopped at exit. Each connection gets back every byte it sends.
std::uint16_t echo_process_port();

/// Runs the echo process's loop if `argc`/`argv` ask for it (main calls this
/// first) and returns its exit code; nullopt if they do not.
std::optional<int> run_echo_process_if_asked(int argc, char** argv);

}  // namespace wskemu::bench
