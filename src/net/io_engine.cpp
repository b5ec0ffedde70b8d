// wskemu host side: the io_context and the threads that run it.
#include "asio_glue.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

#if defined(__linux__)
#include <pthread.h>
#endif

namespace wskemu::net {

namespace {

// The engine whose worker the current thread is, if any.
thread_local const io_engine::impl* current_worker_engine = nullptr;

// Stops the threads; the context keeps its pending operations and can run again.
void stop_threads(io_engine::impl& impl) {
    impl.context.stop();
    for (std::thread& t : impl.threads) {
        if (t.get_id() == std::this_thread::get_id()) {
            t.detach();  // process exit started from a handler: cannot join ourselves
        } else {
            t.join();
        }
    }
    impl.threads.clear();
    impl.thread_count.store(0, std::memory_order_relaxed);
    impl.context.restart();
}

void run_worker(io_engine::impl* impl) {
    current_worker_engine = impl;
#if defined(__linux__)
    // Named for debuggers and top, and for the tests that count its wake-ups.
    pthread_setname_np(pthread_self(), io_engine::worker_thread_name);
#endif
    for (;;) {
        try {
            impl->context.run();
            return;
        } catch (const std::exception& e) {
            // A handler threw: handlers must not, but the engine must survive it.
            log().error("net: a completion handler threw: {}", e.what());
        } catch (...) {
            log().error("net: a completion handler threw a non-standard exception");
        }
    }
}

// Joins the process-wide engine's threads at exit; the engine itself stays
// alive so sockets destroyed later (or never) still find their io_context.
struct exit_guard {
    io_engine* engine;
    ~exit_guard() { engine->configure_manual(); }
};

}  // namespace

io_engine::io_engine() : impl_(std::make_unique<impl>()) {}

io_engine::~io_engine() {
    std::lock_guard lock(impl_->mode_mutex);
    stop_threads(*impl_);
}

io_engine& io_engine::instance() {
    static io_engine* const engine = [] {
        auto* e = new io_engine();
        unsigned threads = default_thread_count();
        if (const char* env = std::getenv("WSKEMU_NET_THREADS"); env != nullptr && *env != '\0') {
            threads = static_cast<unsigned>(std::strtoul(env, nullptr, 10));
        }
        if (threads > 0) {
            e->configure_threaded(threads);
        }
        return e;
    }();
    static exit_guard guard{engine};
    return *engine;
}

unsigned io_engine::default_thread_count() noexcept {
    return std::clamp(std::thread::hardware_concurrency(), 1u, 2u);
}

void io_engine::configure_threaded(unsigned threads) {
    if (threads == 0) {
        threads = default_thread_count();
    }
    std::lock_guard lock(impl_->mode_mutex);
    stop_threads(*impl_);
    impl_->mode.store(engine_mode::threaded, std::memory_order_relaxed);
    impl_->threads.reserve(threads);
    for (unsigned i = 0; i < threads; ++i) {
        impl_->threads.emplace_back(run_worker, impl_.get());
    }
    impl_->thread_count.store(threads, std::memory_order_relaxed);
}

void io_engine::configure_manual() {
    std::lock_guard lock(impl_->mode_mutex);
    stop_threads(*impl_);
    impl_->mode.store(engine_mode::manual, std::memory_order_relaxed);
}

engine_mode io_engine::mode() const noexcept { return impl_->mode.load(std::memory_order_relaxed); }

unsigned io_engine::thread_count() const noexcept { return impl_->thread_count.load(std::memory_order_relaxed); }

bool io_engine::running_on_worker() const noexcept { return current_worker_engine == impl_.get(); }

void io_engine::post(task t) { asio::post(impl_->context, std::move(t)); }

void io_engine::post_after(std::chrono::nanoseconds delay, task t) {
    auto timer = std::make_shared<asio::steady_timer>(impl_->context, delay);
    timer->async_wait([timer, t = std::move(t)](const boost::system::error_code&) mutable { t(); });
}

std::size_t io_engine::poll() { return impl_->context.poll(); }

std::size_t io_engine::run_one_for(std::chrono::nanoseconds timeout) {
    return impl_->context.run_one_for(timeout);
}

bool io_engine::run_until(const std::function<bool()>& done, std::chrono::nanoseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            return done();
        }
        impl_->context.run_one_for(std::min<std::chrono::nanoseconds>(deadline - now, std::chrono::milliseconds(10)));
    }
    return true;
}

}  // namespace wskemu::net
