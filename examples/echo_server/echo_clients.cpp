// Loopback echo clients on Boost.Asio, all on the calling thread.
#include "echo_clients.hpp"

#include <utility>  // before Asio: Boost 1.74 uses std::exchange without it

#include <boost/asio.hpp>

#if !defined(_WIN32)
#include <sys/resource.h>
#endif

#include <algorithm>
#include <array>
#include <memory>
#include <random>
#include <vector>

namespace wskemu::example {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Byte `offset` of client `id`'s stream: different for every client, so
// bytes crossing from one connection to another are caught.
unsigned char stream_byte(std::uint64_t seed, std::size_t id, std::uint64_t offset) {
    return static_cast<unsigned char>(offset * 131 + (offset >> 8) + id * 17 + seed);
}

struct run_state {
    asio::io_context io;
    const echo_load& load;
    echo_load_result result;
    std::size_t next_client = 0;
    std::size_t running = 0;
    std::vector<std::weak_ptr<tcp::socket>> sockets;

    explicit run_state(const echo_load& l) : load(l) {}
    void problem(const std::string& text) {
        if (result.first_problem.empty()) {
            result.first_problem = text;
        }
    }
    void start_next();
};

class client : public std::enable_shared_from_this<client> {
public:
    client(run_state& run, std::size_t id)
        : run_(run), id_(id), socket_(std::make_shared<tcp::socket>(run.io)), random_(run.load.seed * 7919 + id) {
        run_.sockets.push_back(socket_);
    }

    void start() {
        const auto address = run_.load.ipv6 ? asio::ip::address(asio::ip::address_v6::loopback())
                                            : asio::ip::address(asio::ip::address_v4::loopback());
        socket_->async_connect(tcp::endpoint(address, run_.load.port),
                               [self = shared_from_this()](const boost::system::error_code& e) {
                                   if (e) {
                                       return self->finish_broken("connect: " + e.message());
                                   }
                                   self->write_next();
                                   self->read_next();
                               });
    }

private:
    void write_next() {
        if (sent_ == run_.load.bytes_each) {
            return;
        }
        std::uniform_int_distribution<std::size_t> size(1, std::max<std::size_t>(1, run_.load.chunk));
        const std::size_t n = std::min(size(random_), run_.load.bytes_each - sent_);
        out_.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            out_[i] = stream_byte(run_.load.seed, id_, sent_ + i);
        }
        // The echo of these bytes may be read before the write's own handler runs.
        issued_ = sent_ + n;
        asio::async_write(*socket_, asio::buffer(out_),
                          [self = shared_from_this()](const boost::system::error_code& e, std::size_t n) {
                              self->sent_ += n;
                              self->run_.result.bytes_sent += n;
                              if (e) {
                                  return self->finish_broken("write: " + e.message());
                              }
                              self->write_next();
                          });
    }

    void read_next() {
        socket_->async_read_some(asio::buffer(in_), [self = shared_from_this()](const boost::system::error_code& e,
                                                                                std::size_t n) {
            self->on_read(e, n);
        });
    }

    void on_read(const boost::system::error_code& e, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            if (echoed_ >= issued_ || in_[i] != stream_byte(run_.load.seed, id_, echoed_)) {
                ++run_.result.corrupted;
                run_.problem("client " + std::to_string(id_) + ": byte " + std::to_string(echoed_) +
                             (echoed_ >= issued_ ? " came back before it was sent" : " differs from the one sent"));
                return finish(false);
            }
            ++echoed_;
        }
        run_.result.bytes_echoed += n;
        if (e == asio::error::eof) {
            if (echoed_ == run_.load.bytes_each) {
                return finish(true);
            }
            return finish_broken("the server closed after " + std::to_string(echoed_) + " of " +
                                 std::to_string(run_.load.bytes_each) + " bytes");
        }
        if (e) {
            return finish_broken("read: " + e.message());
        }
        if (echoed_ == run_.load.bytes_each && !shut_) {
            shut_ = true;
            boost::system::error_code ignored;
            socket_->shutdown(tcp::socket::shutdown_send, ignored);
        }
        read_next();
    }

    void finish_broken(const std::string& why) {
        if (done_) {
            return;
        }
        ++run_.result.broken;
        run_.problem("client " + std::to_string(id_) + ": " + why);
        finish(false);
    }

    void finish(bool completed) {
        if (done_) {
            return;
        }
        done_ = true;
        if (completed) {
            ++run_.result.completed;
        }
        boost::system::error_code ignored;
        socket_->close(ignored);
        --run_.running;
        run_.start_next();
    }

    run_state& run_;
    std::size_t id_;
    std::shared_ptr<tcp::socket> socket_;
    std::mt19937_64 random_;
    std::vector<unsigned char> out_;
    std::array<unsigned char, 65536> in_{};
    std::uint64_t sent_ = 0;    // written (the write's handler ran)
    std::uint64_t issued_ = 0;  // handed to a write
    std::uint64_t echoed_ = 0;
    bool shut_ = false;
    bool done_ = false;
};

void run_state::start_next() {
    const std::size_t limit = load.concurrency == 0 ? load.clients : load.concurrency;
    while (!result.timed_out && running < limit && next_client < load.clients) {
        ++running;
        std::make_shared<client>(*this, next_client++)->start();
    }
}

}  // namespace

echo_load_result run_echo_clients(const echo_load& load) {
    run_state run(load);
    asio::steady_timer deadline(run.io, load.timeout);
    deadline.async_wait([&run](const boost::system::error_code& e) {
        if (e) {
            return;
        }
        run.result.timed_out = true;
        run.problem("timed out with " + std::to_string(run.running) + " clients still running");
        run.io.stop();
    });
    run.start_next();
    // Runs until the last client finished, then the timer is the only work left.
    while (!run.io.stopped() && (run.running > 0 || run.next_client < load.clients)) {
        run.io.run_one();
    }
    deadline.cancel();
    for (auto& weak : run.sockets) {
        if (auto socket = weak.lock()) {
            boost::system::error_code ignored;
            socket->close(ignored);
        }
    }
    run.io.restart();
    run.io.poll();
    return run.result;
}

std::size_t raise_open_file_limit(std::size_t descriptors) {
#if defined(_WIN32)
    (void)descriptors;
    return 0;
#else
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return 0;
    }
    if (limit.rlim_cur < descriptors) {
        limit.rlim_cur = std::min<rlim_t>(descriptors, limit.rlim_max);
        ::setrlimit(RLIMIT_NOFILE, &limit);
        ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    return static_cast<std::size_t>(limit.rlim_cur);
#endif
}

}  // namespace wskemu::example
