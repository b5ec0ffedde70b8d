// wskemu host side: the engine that runs every socket completion. It owns
// the asio::io_context (hidden here so that this header stays free of Asio
// and OS headers) and the threads that run it.
#pragma once

#include "callback.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

namespace wskemu::net {

// Who runs completion handlers.
enum class engine_mode {
    threaded,  // worker threads run the context; handlers run on them
    manual,    // no threads; the caller drives with poll() / run_one_for()
};

// A task posted to the engine.
using task = callback<void()>;

// Runs socket completions. Thread safety: every member may be called from any
// thread, except that mode changes must not race with each other.
class io_engine {
public:
    // A new engine in manual mode (no threads until configure_threaded()).
    io_engine();
    // Stops and joins the threads. Sockets of this engine must be gone first.
    ~io_engine();

    io_engine(const io_engine&) = delete;
    io_engine& operator=(const io_engine&) = delete;

    // The process-wide engine, started on first use: threaded with
    // default_thread_count() threads, or as WSKEMU_NET_THREADS says (0 =
    // manual). Never destroyed; its threads are joined at process exit, so
    // sockets still open then are harmless.
    static io_engine& instance();

    // min(2, hardware threads), at least 1.
    static unsigned default_thread_count() noexcept;
    // What a worker thread is called on Linux (ps -L, top -H, gdb).
    static constexpr const char* worker_thread_name = "wskemu-net";

    // Switches to `threads` worker threads (0 = default_thread_count()).
    // Pending operations survive the switch. Call when no test is mid-way.
    void configure_threaded(unsigned threads = 0);
    // Stops and joins the workers; from now on handlers run only inside
    // poll() / run_one_for() on the calling thread.
    void configure_manual();

    engine_mode mode() const noexcept;
    // Worker threads running now (0 in manual mode).
    unsigned thread_count() const noexcept;
    // True if the calling thread is one of this engine's workers.
    bool running_on_worker() const noexcept;

    // Queues `t` to run on an engine thread (or the polling thread); never
    // runs it inside this call.
    void post(task t);

    // Queues `t` to run once `delay` has passed (a timer on the engine; in
    // manual mode it runs inside a poll/run call made after that time).
    void post_after(std::chrono::nanoseconds delay, task t);

    // Manual mode: runs every ready handler without blocking; returns how many ran.
    std::size_t poll();
    // Manual mode: runs at most one handler, waiting up to `timeout` for one.
    std::size_t run_one_for(std::chrono::nanoseconds timeout);
    // Manual mode: runs handlers until `done()` is true or `timeout` passes;
    // returns done().
    bool run_until(const std::function<bool()>& done, std::chrono::nanoseconds timeout);

    // Implementation (defined in io_engine.cpp; reached by src/net only).
    struct impl;
    impl& internals() noexcept { return *impl_; }

private:
    std::unique_ptr<impl> impl_;
};

}  // namespace wskemu::net
