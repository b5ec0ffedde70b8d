// wskemu host side: name lookups on resolver threads of their own; results
// go back through the engine.
#include "asio_glue.hpp"
#include "name_lookup.hpp"
#include "op_queue.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <memory>
#include <unordered_map>

namespace wskemu::net {

namespace {

// One lookup: whichever of its completion and its cancel comes first posts
// the handler; the other finds `done` and does nothing.
struct lookup {
    lookup_id id = 0;
    io_engine* engine = nullptr;
    bool reverse = false;
    resolve_query query;
    endpoint address;
    unsigned name_flags = 0;
    bool want_host = false;
    bool want_service = false;
    resolve_handler resolve_done;
    name_handler name_done;
    bool done = false;  // guarded by the pool's mutex
};

// The lookups of a kind nobody asked to tell apart: each address once.
void merge_socket_kinds(resolve_result& result) {
    std::vector<resolved_address> merged;
    for (const resolved_address& a : result.addresses) {
        const bool seen = std::any_of(merged.begin(), merged.end(),
                                      [&](const resolved_address& m) { return m.address == a.address; });
        if (!seen) {
            merged.push_back({a.address, socket_kind::any, transport_protocol::any});
        }
    }
    result.addresses = std::move(merged);
}

// The resolver threads, started on first use and joined at process exit.
// Lookups run in order of arrival on whichever thread is free, so one slow
// name server holds up at most one thread.
class lookup_pool {
public:
    static lookup_pool& instance() {
        static lookup_pool* const pool = new lookup_pool;  // never destroyed: handlers may outlive statics
        static exit_guard guard{pool};
        return *pool;
    }

    lookup_id start(std::shared_ptr<lookup> job) {
        std::lock_guard lock(mutex_);
        job->id = next_id_++;
        jobs_.emplace(job->id, job);
        queue_.push_back(job);
        if (threads_.size() < thread_limit && idle_ == 0) {
            threads_.emplace_back([this] { work(); });
        }
        wake_.notify_one();
        return job->id;
    }

    bool cancel(lookup_id id) {
        std::shared_ptr<lookup> job;
        {
            std::lock_guard lock(mutex_);
            auto it = jobs_.find(id);
            if (it == jobs_.end() || it->second->done) {
                return false;
            }
            job = it->second;
            job->done = true;
            jobs_.erase(it);
        }
        finish(*job, true);
        return true;
    }

    std::size_t pending() {
        std::lock_guard lock(mutex_);
        return jobs_.size();
    }

private:
    static constexpr std::size_t thread_limit = 4;

    struct exit_guard {
        lookup_pool* pool;
        ~exit_guard() { pool->stop(); }
    };

    void stop() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        for (std::thread& t : threads_) {
            if (t.joinable()) {
                t.join();
            }
        }
    }

    void work() {
        std::unique_lock lock(mutex_);
        for (;;) {
            ++idle_;
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            --idle_;
            if (stopping_) {
                return;
            }
            std::shared_ptr<lookup> job = std::move(queue_.front());
            queue_.pop_front();
            if (job->done) {
                continue;  // cancelled before it started
            }
            lock.unlock();
            resolve_result forward;
            name_result reverse;
            if (job->reverse) {
                reverse = detail::lookup_name(job->address, job->name_flags, job->want_host, job->want_service);
            } else {
                forward = detail::lookup_addresses(job->query);
                if (forward.err == error::none && job->query.kind == socket_kind::any &&
                    job->query.protocol == transport_protocol::any) {
                    merge_socket_kinds(forward);
                }
            }
            lock.lock();
            if (job->done) {
                continue;  // cancelled while it ran: the answer is dropped
            }
            job->done = true;
            jobs_.erase(job->id);
            lock.unlock();
            finish(*job, false, std::move(forward), std::move(reverse));
            lock.lock();
        }
    }

    // Posts the handler; `cancelled` replaces the answer.
    static void finish(lookup& job, bool cancelled, resolve_result forward = {}, name_result reverse = {}) {
        if (cancelled) {
            forward = {};
            reverse = {};
            forward.err = error::cancelled;
            reverse.err = error::cancelled;
        }
        if (job.reverse) {
            job.engine->post([h = std::move(job.name_done), r = std::move(reverse)]() mutable {
                detail::invoke_safely(h, std::move(r));
            });
        } else {
            job.engine->post([h = std::move(job.resolve_done), r = std::move(forward)]() mutable {
                detail::invoke_safely(h, std::move(r));
            });
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::shared_ptr<lookup>> queue_;
    std::unordered_map<lookup_id, std::shared_ptr<lookup>> jobs_;
    std::vector<std::thread> threads_;
    std::size_t idle_ = 0;
    lookup_id next_id_ = 1;
    bool stopping_ = false;
};

}  // namespace

resolver::resolver() : resolver(io_engine::instance()) {}

resolver::resolver(io_engine& engine) : engine_(&engine) {}

lookup_id resolver::async_resolve(resolve_query query, resolve_handler handler) {
    auto job = std::make_shared<lookup>();
    job->engine = engine_;
    job->query = std::move(query);
    job->resolve_done = std::move(handler);
    return lookup_pool::instance().start(std::move(job));
}

lookup_id resolver::async_reverse(const endpoint& address, unsigned flags, bool want_host, bool want_service,
                                  name_handler handler) {
    auto job = std::make_shared<lookup>();
    job->engine = engine_;
    job->reverse = true;
    job->address = address;
    job->name_flags = flags;
    job->want_host = want_host;
    job->want_service = want_service;
    job->name_done = std::move(handler);
    return lookup_pool::instance().start(std::move(job));
}

bool resolver::cancel(lookup_id id) { return lookup_pool::instance().cancel(id); }

std::size_t resolver::pending() { return lookup_pool::instance().pending(); }

}  // namespace wskemu::net
