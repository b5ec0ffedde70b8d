// wskemu benchmarks, host side: stream send throughput into a sink peer.
// WskSend (stream_send_driver.cpp) against a plain blocking send() and
// against Asio's async_write, buffers of 256 B to 1 MiB, 1 and 8 in flight.
#include "benchmarks.hpp"
#include "stream_send.hpp"
#include "support/common.hpp"
#include "support/peers.hpp"
#include "support/plain_host.hpp"
#include "support/ratio_table.hpp"

#include <benchmark/benchmark.h>
#include <boost/asio.hpp>

#include <deque>
#include <vector>

namespace wskemu::bench {

namespace {

namespace asio = boost::asio;

}  // namespace

void wsk_send(benchmark::State& state, std::size_t size, unsigned in_flight) {
    loopback_peer sink(peer_kind::sink);
    std::int32_t status = 0;
    wsk_sender* sender = wsk_sender_open(sink.port(), size, in_flight, status);
    if (sender == nullptr) {
        state.SkipWithError(("open: " + status_text(status)).c_str());
        return;
    }
    const std::size_t batch = buffers_per_iteration(size);
    for (auto _ : state) {
        for (std::size_t i = 0; i < batch && status == 0; ++i) {
            status = wsk_sender_start(sender);
        }
        if (status == 0) {
            status = wsk_sender_drain(sender);
        }
        if (status != 0) {
            state.SkipWithError(("WskSend: " + status_text(status)).c_str());
            break;
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * batch * size));
    wsk_sender_close(sender);
}

namespace {

void plain_send(benchmark::State& state, std::size_t size) {
    loopback_peer sink(peer_kind::sink);
    const int fd = plain::connect_loopback(sink.port(), false);
    if (fd < 0) {
        state.SkipWithError("connect failed");
        return;
    }
    std::vector<unsigned char> buffer(size, 'p');
    const std::size_t batch = buffers_per_iteration(size);
    for (auto _ : state) {
        for (std::size_t i = 0; i < batch; ++i) {
            if (!plain::send_all(fd, buffer.data(), size)) {
                state.SkipWithError("send failed");
                break;
            }
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * batch * size));
    plain::close_socket(fd);
}

// Asio as an application writes it: a write queue (one async_write at a time,
// the next started from the handler), up to `in_flight` buffers queued, the
// io_context run on the sending thread. The completion condition lifts
// async_write's 64 KiB-per-call cap (toolchain notes) so large buffers go in
// one system call, as the plain send() does.
class asio_sender {
public:
    asio_sender(std::uint16_t port, std::size_t size, unsigned in_flight)
        : socket_(context_), buffers_(in_flight, std::vector<unsigned char>(size, 'q')), in_flight_(in_flight) {
        boost::system::error_code ec;
        socket_.connect({asio::ip::address_v4::loopback(), port}, ec);
        failed_ = static_cast<bool>(ec);
    }

    bool failed() const { return failed_; }

    void send() {
        while (outstanding_ == in_flight_ && !failed_) {
            run_one();
        }
        queue_.push_back(next_++ % buffers_.size());
        ++outstanding_;
        if (queue_.size() == 1) {
            write_front();
        }
    }

    void drain() {
        while (outstanding_ > 0 && !failed_) {
            run_one();
        }
    }

private:
    void run_one() {
        if (context_.stopped()) {
            context_.restart();
        }
        context_.run_one();
    }

    void write_front() {
        auto& buffer = buffers_[queue_.front()];
        const std::size_t size = buffer.size();
        asio::async_write(
            socket_, asio::buffer(buffer),
            [size](const boost::system::error_code& ec, std::size_t n) -> std::size_t { return ec ? 0 : size - n; },
            [this](const boost::system::error_code& ec, std::size_t) {
                failed_ = failed_ || static_cast<bool>(ec);
                queue_.pop_front();
                --outstanding_;
                if (!queue_.empty() && !failed_) {
                    write_front();
                }
            });
    }

    asio::io_context context_{1};
    asio::ip::tcp::socket socket_;
    std::vector<std::vector<unsigned char>> buffers_;
    std::deque<std::size_t> queue_;
    unsigned in_flight_;
    unsigned outstanding_ = 0;
    std::size_t next_ = 0;
    bool failed_ = false;
};

void asio_send(benchmark::State& state, std::size_t size, unsigned in_flight) {
    loopback_peer sink(peer_kind::sink);
    asio_sender sender(sink.port(), size, in_flight);
    const std::size_t batch = buffers_per_iteration(size);
    for (auto _ : state) {
        for (std::size_t i = 0; i < batch; ++i) {
            sender.send();
        }
        sender.drain();
        if (sender.failed()) {
            state.SkipWithError("async_write failed");
            break;
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * batch * size));
}

}  // namespace

void register_stream_send() {
    for (std::size_t size : stream_sizes) {
        const std::string prefix = "stream_send/" + size_name(size);
        const std::string plain_name = prefix + "/plain";
        benchmark::RegisterBenchmark(plain_name.c_str(), plain_send, size)->UseRealTime()->Unit(benchmark::kMillisecond);
        for (unsigned in_flight : {1u, 8u}) {
            const std::string flight = "/x" + std::to_string(in_flight);
            const std::string wsk_name = prefix + flight + "/wskemu";
            const std::string asio_name = prefix + flight + "/asio";
            benchmark::RegisterBenchmark(wsk_name.c_str(), wsk_send, size, in_flight)
                ->UseRealTime()
                ->Unit(benchmark::kMillisecond);
            benchmark::RegisterBenchmark(asio_name.c_str(), asio_send, size, in_flight)
                ->UseRealTime()
                ->Unit(benchmark::kMillisecond);
            const std::string row = "WskSend " + size_label(size) + ", " + std::to_string(in_flight) + " in flight";
            comparison vs_plain;
            vs_plain.row = row;
            vs_plain.candidate = wsk_name;
            vs_plain.baseline = plain_name;
            vs_plain.baseline_label = "send()";
            vs_plain.target_goal = goal::at_least;
            vs_plain.target = size < 4096 ? 0.85 : 0.95;
            add_comparison(vs_plain);
            comparison vs_asio = vs_plain;
            vs_asio.baseline = asio_name;
            vs_asio.baseline_label = "async_write";
            vs_asio.target_goal = goal::none;
            add_comparison(vs_asio);
        }
    }
}

}  // namespace wskemu::bench
