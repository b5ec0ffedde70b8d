// wskemu benchmarks, host side: datagram send and receive rates, 64-byte
// datagrams over loopback, plain sendto()/recvfrom().
//
// ---- the wskemu side: to be added with datagram sockets ------------------------
// When WSK datagram sockets (WskSendTo, WskReceiveFrom) exist, add
// datagram.hpp (neutral) and datagram_driver.cpp (a datagram socket from
// WskSocket(WSK_FLAG_DATAGRAM_SOCKET), bound with WskBind, one IRP reused per
// call as in stream_send_driver.cpp), register "datagram/send/64B/wskemu" and
// "datagram/receive/64B/wskemu" below against the same peers, and replace the
// add_unmeasured() rows with comparisons (target: at least 0.85 of plain, as
// for small stream buffers).
#include "benchmarks.hpp"
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

}  // namespace

void register_datagram() {
    benchmark::RegisterBenchmark("datagram/send/64B/plain", plain_send_to)->UseRealTime();
    benchmark::RegisterBenchmark("datagram/receive/64B/plain", plain_receive_from)->UseRealTime();
    add_unmeasured("WskSendTo 64 B vs sendto()", "datagram sockets are not implemented yet (the plain baseline runs)");
    add_unmeasured("WskReceiveFrom 64 B vs recvfrom()",
                   "datagram sockets are not implemented yet (the plain baseline runs)");
}

}  // namespace wskemu::bench
