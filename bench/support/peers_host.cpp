// wskemu benchmarks, host side: the plain-socket peers and helpers.
#include "peers.hpp"
#include "plain_host.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace wskemu::bench {

namespace plain {

int connect_loopback(std::uint16_t port, bool no_delay) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        ::close(fd);
        return -1;
    }
    if (no_delay) {
        const int on = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    }
    return fd;
}

namespace {

// Calls `call(bytes, left)` (a send or recv) until `size` bytes went, retrying
// after EINTR; false at an error or the end of the stream.
template <typename Byte, typename Call>
bool transfer_all(Byte* bytes, std::size_t size, Call call) {
    while (size > 0) {
        const ssize_t n = call(bytes, size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        bytes += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

bool send_all(int fd, const void* data, std::size_t size) {
    return transfer_all(static_cast<const unsigned char*>(data), size,
                        [fd](const unsigned char* bytes, std::size_t left) {
                            return ::send(fd, bytes, left, MSG_NOSIGNAL);
                        });
}

bool receive_all(int fd, void* data, std::size_t size) {
    return transfer_all(static_cast<unsigned char*>(data), size, [fd](unsigned char* bytes, std::size_t left) {
        return ::recv(fd, bytes, left, 0);
    });
}

void close_socket(int fd) {
    if (fd >= 0) {
        ::close(fd);
    }
}

}  // namespace plain

namespace {

constexpr std::size_t peer_buffer_size = 256 * 1024;

// A listening socket on 127.0.0.1, port 0; -1 on failure.
int listen_loopback(int backlog, bool non_blocking, std::uint16_t& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (non_blocking ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) {
        return -1;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 || ::listen(fd, backlog) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(fd);
        return -1;
    }
    port = ntohs(address.sin_port);
    return fd;
}

void serve(peer_kind kind, int fd) {
    std::vector<unsigned char> buffer(peer_buffer_size, 0x5a);
    switch (kind) {
    case peer_kind::sink:
        while (::recv(fd, buffer.data(), buffer.size(), 0) > 0) {
        }
        break;
    case peer_kind::source:
        while (plain::send_all(fd, buffer.data(), buffer.size())) {
        }
        break;
    case peer_kind::echo: {
        const int on = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
        for (;;) {
            const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
            if (n <= 0 || !plain::send_all(fd, buffer.data(), static_cast<std::size_t>(n))) {
                break;
            }
        }
        break;
    }
    }
}

}  // namespace

struct loopback_peer::state {
    int listener = -1;
    std::uint16_t port = 0;
    std::atomic<int> connection{-1};
    std::thread thread;
};

loopback_peer::loopback_peer(peer_kind kind) : state_(std::make_unique<state>()) {
    state_->listener = listen_loopback(1, false, state_->port);
    if (state_->listener < 0) {
        state_->port = 0;
        return;
    }
    state_->thread = std::thread([s = state_.get(), kind] {
        const int fd = ::accept4(s->listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            return;
        }
        s->connection.store(fd);
        serve(kind, fd);
    });
}

loopback_peer::~loopback_peer() {
    if (state_->listener < 0) {
        return;
    }
    // Wakes an accept that never got its client, and a source still sending.
    ::shutdown(state_->listener, SHUT_RDWR);
    if (const int fd = state_->connection.load(); fd >= 0) {
        ::shutdown(fd, SHUT_RDWR);
    }
    state_->thread.join();
    plain::close_socket(state_->connection.load());
    ::close(state_->listener);
}

std::uint16_t loopback_peer::port() const noexcept { return state_->port; }

// ---- the scale benchmark's echo process ---------------------------------------

namespace {

constexpr const char* echo_process_flag = "--wskemu-bench-echo-process";

// The echo process: epoll over the listener, every connection and stdin
// (end of file there: the benchmark process is gone).
int echo_process_main() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    std::uint16_t port = 0;
    const int listener = listen_loopback(SOMAXCONN, true, port);
    if (listener < 0) {
        return 1;
    }
    const std::string line = std::to_string(port) + "\n";
    if (::write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        return 1;
    }
    const int poller = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = listener;
    ::epoll_ctl(poller, EPOLL_CTL_ADD, listener, &event);
    event.data.fd = STDIN_FILENO;
    ::epoll_ctl(poller, EPOLL_CTL_ADD, STDIN_FILENO, &event);
    std::vector<unsigned char> buffer(64 * 1024);
    std::vector<epoll_event> ready(256);
    for (;;) {
        const int count = ::epoll_wait(poller, ready.data(), static_cast<int>(ready.size()), -1);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            return 1;
        }
        for (int i = 0; i < count; ++i) {
            const int fd = ready[static_cast<std::size_t>(i)].data.fd;
            if (fd == STDIN_FILENO) {
                return 0;
            }
            if (fd == listener) {
                int accepted;
                while ((accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC)) >= 0) {
                    epoll_event added{};
                    added.events = EPOLLIN;
                    added.data.fd = accepted;
                    ::epoll_ctl(poller, EPOLL_CTL_ADD, accepted, &added);
                }
                continue;
            }
            const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
            if (n <= 0 || !plain::send_all(fd, buffer.data(), static_cast<std::size_t>(n))) {
                ::epoll_ctl(poller, EPOLL_CTL_DEL, fd, nullptr);
                ::close(fd);
            }
        }
    }
}

struct echo_process {
    pid_t pid = -1;
    int to_child = -1;  // the child's stdin: closing it ends the child
    std::uint16_t port = 0;

    echo_process() {
        int in[2];
        int out[2];
        if (::pipe2(in, O_CLOEXEC) != 0) {
            return;
        }
        if (::pipe2(out, O_CLOEXEC) != 0) {
            ::close(in[0]);
            ::close(in[1]);
            return;
        }
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
        char self[] = "/proc/self/exe";
        char flag[64];
        std::snprintf(flag, sizeof(flag), "%s", echo_process_flag);
        char* arguments[] = {self, flag, nullptr};
        const int spawned = ::posix_spawn(&pid, self, &actions, nullptr, arguments, environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(in[0]);
        ::close(out[1]);
        to_child = in[1];
        if (spawned != 0) {
            pid = -1;
            ::close(out[0]);
            return;
        }
        char text[16] = {};
        std::size_t used = 0;
        while (used + 1 < sizeof(text)) {
            const ssize_t n = ::read(out[0], text + used, 1);
            if (n <= 0 || text[used] == '\n') {
                break;
            }
            ++used;
        }
        ::close(out[0]);
        port = static_cast<std::uint16_t>(std::strtoul(text, nullptr, 10));
    }

    ~echo_process() {
        if (to_child >= 0) {
            ::close(to_child);
        }
        if (pid > 0) {
            ::waitpid(pid, nullptr, 0);
        }
    }
};

}  // namespace

std::uint16_t echo_process_port() {
    static echo_process process;
    return process.port;
}

std::optional<int> run_echo_process_if_asked(int argc, char** argv) {
    if (argc < 2 || std::strcmp(argv[1], echo_process_flag) != 0) {
        return std::nullopt;
    }
    return echo_process_main();
}

}  // namespace wskemu::bench
