// wskemu tests: a gate an event callback waits at until the test opens it.
// Host primitives: the callback runs at DISPATCH_LEVEL, where a kernel wait
// with a timeout is not allowed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace wskemu::test {

struct gate {
    std::mutex mutex;
    std::condition_variable cv;
    bool open = false;
    int waiting = 0;
    // In the callback: waits (10 s at most) until release().
    void wait() {
        std::unique_lock lock(mutex);
        ++waiting;
        cv.notify_all();
        cv.wait_for(lock, std::chrono::seconds(10), [&] { return open; });
    }
    // In the test: true once a callback waits at the gate.
    bool wait_for_waiter() {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, std::chrono::seconds(5), [&] { return waiting > 0; });
    }
    void release() {
        std::lock_guard lock(mutex);
        open = true;
        cv.notify_all();
    }
};

}  // namespace wskemu::test
