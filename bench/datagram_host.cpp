// wskemu benchmarks, host side: datagram send and receive rates, 64-byte
// datagrams over loopback: WskSendTo and WskReceiveFrom (datagram_driver.cpp)
// against plain sendto()/recvfrom(), against the same kind of peer thread.
#include "benchmarks.hpp"
#include "datagram.hpp"
#include "support/common.hpp"
#include "support/ratio_table.hpp"

#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace wskemu::bench {

namespace {

constexpr std::size_t datagram_size = 64;

// A UDP socket on 127.0.0.1, port 0, whose receives give up after 100 ms
// (so peers notice they should stop); -1 on failure.
int bound_udp_socket(sockaddr_in& address) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    address = sockaddr_in{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    const timeval timeout{0, 100 * 1000};
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// A thread that reads (sink) or writes (source) datagrams until stopped.
class datagram_peer {
public:
    datagram_peer(bool source, const sockaddr_in* target) {
        fd_ = bound_udp_socket(address_);
        if (fd_ < 0) {
            return;
        }
        thread_ = std::thread([this, source, to = target != nullptr ? *target : sockaddr_in{}] {
            unsigned char buffer[datagram_size] = {};
            while (!stop_.load(std::memory_order_relaxed)) {
                if (source) {
                    ::sendto(fd_, buffer, sizeof(buffer), 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
                } else {
                    ::recv(fd_, buffer, sizeof(buffer), 0);
                }
            }
        });
    }
    ~datagram_peer() {
        stop_.store(true);
        if (thread_.joinable()) {
            thread_.join();
        }
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    datagram_peer(const datagram_peer&) = delete;
    datagram_peer& operator=(const datagram_peer&) = delete;

    bool ready() const { return fd_ >= 0; }
    const sockaddr_in& address() const { return address_; }

private:
    int fd_ = -1;
    sockaddr_in address_{};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

void plain_send_to(benchmark::State& state) {
    datagram_peer sink(false, nullptr);
    sockaddr_in self{};
    const int fd = bound_udp_socket(self);
    if (!sink.ready() || fd < 0) {
        state.SkipWithError("no UDP socket");
        return;
    }
    const unsigned char datagram[datagram_size] = {'d'};
    const sockaddr_in to = sink.address();
    for (auto _ : state) {
        if (::sendto(fd, datagram, sizeof(datagram), 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) !=
            static_cast<ssize_t>(sizeof(datagram))) {
            state.SkipWithError("sendto failed");
            break;
        }
    }
    state.SetItemsProcessed(state.iterations());
    ::close(fd);
}

void plain_receive_from(benchmark::State& state) {
    sockaddr_in self{};
    const int fd = bound_udp_socket(self);
    if (fd < 0) {
        state.SkipWithError("no UDP socket");
        return;
    }
    datagram_peer source(true, &self);
    unsigned char datagram[datagram_size];
    for (auto _ : state) {
        sockaddr_in from{};
        socklen_t length = sizeof(from);
        if (::recvfrom(fd, datagram, sizeof(datagram), 0, reinterpret_cast<sockaddr*>(&from), &length) <= 0) {
            state.SkipWithError("recvfrom failed");
            break;
        }
    }
    state.SetItemsProcessed(state.iterations());
    ::close(fd);
}

void wsk_send_to(benchmark::State& state) {
    datagram_peer sink(false, nullptr);
    std::uint16_t port = 0;
    std::int32_t status = 0;
    wsk_datagram* socket = sink.ready() ? wsk_datagram_open(datagram_size, port, status) : nullptr;
    if (socket == nullptr) {
        state.SkipWithError(("open: " + status_text(status)).c_str());
        return;
    }
    const std::uint16_t to = ntohs(sink.address().sin_port);
    for (auto _ : state) {
        status = wsk_datagram_send_to(socket, to);
        if (status != 0) {
            state.SkipWithError(("WskSendTo: " + status_text(status)).c_str());
            break;
        }
    }
    state.SetItemsProcessed(state.iterations());
    wsk_datagram_close(socket);
}

void wsk_receive_from(benchmark::State& state) {
    std::uint16_t port = 0;
    std::int32_t status = 0;
    wsk_datagram* socket = wsk_datagram_open(datagram_size, port, status);
    if (socket == nullptr) {
        state.SkipWithError(("open: " + status_text(status)).c_str());
        return;
    }
    sockaddr_in self{};
    self.sin_family = AF_INET;
    self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    self.sin_port = htons(port);
    {
        // The source sends until it is destroyed, so every receive finds a datagram.
        datagram_peer source(true, &self);
        for (auto _ : state) {
            status = source.ready() ? wsk_datagram_receive_from(socket) : -1;
            if (status != 0) {
                state.SkipWithError(("WskReceiveFrom: " + status_text(status)).c_str());
                break;
            }
        }
    }
    state.SetItemsProcessed(state.iterations());
    wsk_datagram_close(socket);
}

// Datagrams per second: items per second, compared as throughput.
comparison rate(const char* row, const char* candidate, const char* baseline, const char* baseline_label) {
    comparison c;
    c.row = row;
    c.candidate = candidate;
    c.baseline = baseline;
    c.baseline_label = baseline_label;
    c.what = measure::rate;
    c.target_goal = goal::at_least;
    c.target = 0.85;  // as for small stream buffers
    return c;
}

}  // namespace

void register_datagram() {
    benchmark::RegisterBenchmark("datagram/send/64B/plain", plain_send_to)->UseRealTime();
    benchmark::RegisterBenchmark("datagram/receive/64B/plain", plain_receive_from)->UseRealTime();
    benchmark::RegisterBenchmark("datagram/send/64B/wskemu", wsk_send_to)->UseRealTime();
    benchmark::RegisterBenchmark("datagram/receive/64B/wskemu", wsk_receive_from)->UseRealTime();
    add_comparison(rate("WskSendTo 64 B", "datagram/send/64B/wskemu", "datagram/send/64B/plain", "sendto()"));
    add_comparison(
        rate("WskReceiveFrom 64 B", "datagram/receive/64B/wskemu", "datagram/receive/64B/plain", "recvfrom()"));
}

}  // namespace wskemu::bench
