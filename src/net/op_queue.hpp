// wskemu host side, internal: what every socket kind shares about pending
// operations: an intrusive FIFO of ops, and the rules for running a handler
// (never inside the initiating call, never letting a throwing handler wedge a
// queue).
#pragma once

#include "asio_glue.hpp"
#include "callback.hpp"
#include "io_engine.hpp"
#include "transfer.hpp"

#include <exception>
#include <utility>

namespace wskemu::net {

namespace detail {

// FIFO of ops, intrusive: an Op has `Op* next` and `op_id id`.
template <typename Op>
struct op_queue {
    Op* head = nullptr;
    Op* tail = nullptr;

    bool empty() const noexcept { return head == nullptr; }
    Op* front() const noexcept { return head; }

    void push(Op* op) noexcept {
        op->next = nullptr;
        if (tail != nullptr) {
            tail->next = op;
        } else {
            head = op;
        }
        tail = op;
    }

    Op* pop() noexcept {
        Op* op = head;
        head = op->next;
        if (head == nullptr) {
            tail = nullptr;
        }
        op->next = nullptr;
        return op;
    }

    // Unlinks `op` (which must be queued).
    void remove(Op* op) noexcept {
        Op* previous = nullptr;
        for (Op* o = head; o != nullptr; previous = o, o = o->next) {
            if (o == op) {
                (previous != nullptr ? previous->next : head) = o->next;
                if (tail == o) {
                    tail = previous;
                }
                o->next = nullptr;
                return;
            }
        }
    }

    Op* find(op_id id) const noexcept {
        for (Op* o = head; o != nullptr; o = o->next) {
            if (o->id == id) {
                return o;
            }
        }
        return nullptr;
    }
};

// Runs a user handler; a handler must not throw, but one that does must not
// wedge the socket's queue.
template <typename Handler, typename... Args>
void invoke_safely(Handler& h, Args&&... args) noexcept {
    try {
        h(std::forward<Args>(args)...);
    } catch (const std::exception& e) {
        log().error("net: a completion handler threw: {}", e.what());
    } catch (...) {
        log().error("net: a completion handler threw a non-standard exception");
    }
}

// Posts a completion with fixed arguments: handlers never run inside the
// initiating call.
template <typename Handler, typename... Args>
void post_completion(io_engine& engine, Handler handler, Args... args) {
    engine.post([h = std::move(handler), args...]() mutable { invoke_safely(h, args...); });
}

}  // namespace detail
}  // namespace wskemu::net
