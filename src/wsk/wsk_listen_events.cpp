// wskemu: the callbacks of WSK listening sockets: WskAcceptEvent, and for
// conditional accept WskInspectEvent and WskAbortEvent (docs/semantics.md,
// "WskAcceptEvent", "Conditional accept"). All of them go through the
// socket's socket_events: one at a time, at DISPATCH_LEVEL on an engine
// thread, none once WskCloseSocket has begun.
#include "wsk/wsk_listen_ops.hpp"

#include "kernel/bug_check.hpp"
#include "kernel/irql.hpp"
#include "kernel/log.hpp"
#include "runtime/control.hpp"
#include "runtime/faults.hpp"
#include "wsk/wsk_address.hpp"
#include "wsk/wsk_socket.hpp"
#include "wsk/wsk_verifier.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace wskemu::wsk {

namespace {

constexpr ULONG connection_events = WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT | WSK_EVENT_SEND_BACKLOG;

struct address_pair {
    SOCKADDR_STORAGE local{};
    SOCKADDR_STORAGE remote{};
    address_pair(const waiting_connection& connection) noexcept {
        to_sockaddr(connection.local, reinterpret_cast<SOCKADDR*>(&local));
        to_sockaddr(connection.remote, reinterpret_cast<SOCKADDR*>(&remote));
    }
    PSOCKADDR local_address() noexcept { return reinterpret_cast<PSOCKADDR>(&local); }
    PSOCKADDR remote_address() noexcept { return reinterpret_cast<PSOCKADDR>(&remote); }
};

[[noreturn]] void bad_callback_result(const void* socket, ULONG_PTR code, ULONG value, const char* callback,
                                      const char* allowed) {
    kernel::raise_bug_check(DRIVER_VERIFIER_DETECTED_VIOLATION, code, reinterpret_cast<ULONG_PTR>(socket), value, 0,
                            fmt::format("{} of socket {} returned {:#010x}; it may return only {}", callback, socket,
                                        value, allowed));
}

}  // namespace

ULONG listen_socket::inherited_connection_events() const {
    ULONG mask = 0;
    for (ULONG event : {ULONG{WSK_EVENT_RECEIVE}, ULONG{WSK_EVENT_DISCONNECT}, ULONG{WSK_EVENT_SEND_BACKLOG}}) {
        if (events_.enabled(event)) {
            mask |= event;
        }
    }
    return mask & connection_events;
}

void listen_socket::settle_delivery() {
    {
        std::lock_guard lock(mutex_);
        --delivering_;
        start_host_accept_locked();
    }
    finished_one();
}

void listen_socket::events_enabled(ULONG events) {
    if ((events & WSK_EVENT_ACCEPT) != 0) {
        std::lock_guard lock(mutex_);
        pump_locked();
    }
}

// ---- WskAcceptEvent ---------------------------------------------------------------------

void listen_socket::deliver_accept(connection_ptr connection) {
    events_.deliver(WSK_EVENT_ACCEPT, [this, connection = std::move(connection)](bool run) {
        if (!run) {
            connection->host.close_abortive();  // closed before its turn
            settle_delivery();
            return;
        }
        {
            std::unique_lock lock(mutex_);
            if (!accepts_.empty()) {
                // A WskAccept came while this waited its turn: it takes precedence.
                accept_operation* op = accepts_.front();
                accepts_.pop_front();
                lock.unlock();
                hand_to_accept(op, connection);
                settle_delivery();
                return;
            }
            if (!events_.enabled(WSK_EVENT_ACCEPT) || dead_) {
                ready_.push_front(connection);  // disabled meanwhile: first in line for a WskAccept
                lock.unlock();
                settle_delivery();
                return;
            }
        }
        if (!event_callback_allowed(this, "WskAcceptEvent")) {
            connection->host.close_abortive();
            settle_delivery();
            return;
        }
        PVOID accepted_context = nullptr;
        const WSK_CLIENT_CONNECTION_DISPATCH* accepted_dispatch = nullptr;
        if (rt::active() && rt::take_null_indication(operation::accept_event, key())) {
            // Test control: "the listener is dead", as the callback may be
            // told; the connection is reset.
            connection->host.close_abortive();
            {
                kernel::irql_scope scope(DISPATCH_LEVEL, "WskAcceptEvent");
                client_dispatch_->WskAcceptEvent(context(), WSK_FLAG_AT_DISPATCH_LEVEL, nullptr, nullptr, nullptr,
                                                 &accepted_context, &accepted_dispatch);
            }
            settle_delivery();
            return;
        }
        address_pair addresses(*connection);
        if (connection->watched) {
            connection->host.cancel();
        }
        connection_socket* socket =
            connection_socket::adopt_accepted(registration(), family_, std::move(connection->host), nullptr, nullptr);
        // Once the callback returns the driver owns the socket and may close
        // it from another thread at once: the hold keeps it until its context,
        // dispatch and inherited events are in place.
        socket->hold_for_accept();
        NTSTATUS status;
        {
            kernel::irql_scope scope(DISPATCH_LEVEL, "WskAcceptEvent");
            status = client_dispatch_->WskAcceptEvent(context(), WSK_FLAG_AT_DISPATCH_LEVEL,
                                                      addresses.local_address(), addresses.remote_address(), socket,
                                                      &accepted_context, &accepted_dispatch);
        }
        if (status == STATUS_SUCCESS) {
            socket->set_client(accepted_context, accepted_dispatch);
            socket->inherit_listener_events(inherited_connection_events());
            socket->release_accept_hold();  // a close the driver made meanwhile goes on now
        } else {
            socket->drop_accept_hold();
            socket->discard_accepted();  // refused: WSK closes the new socket
        }
        const void* self = key();
        settle_delivery();  // may free the listener
        if (status != STATUS_SUCCESS && status != STATUS_REQUEST_NOT_ACCEPTED) {
            bad_callback_result(self, accept_event_bad_status, static_cast<ULONG>(status), "WskAcceptEvent",
                                "STATUS_SUCCESS or STATUS_REQUEST_NOT_ACCEPTED");
        }
    });
}

void listen_socket::deliver_dead() {
    events_.deliver(WSK_EVENT_ACCEPT, [this](bool run) {
        if (run && events_.enabled(WSK_EVENT_ACCEPT) && event_callback_allowed(this, "WskAcceptEvent")) {
            PVOID accepted_context = nullptr;
            const WSK_CLIENT_CONNECTION_DISPATCH* accepted_dispatch = nullptr;
            kernel::irql_scope scope(DISPATCH_LEVEL, "WskAcceptEvent");
            client_dispatch_->WskAcceptEvent(context(), WSK_FLAG_AT_DISPATCH_LEVEL, nullptr, nullptr, nullptr,
                                             &accepted_context, &accepted_dispatch);
        }
        finished_one();
    });
}

// ---- conditional accept -------------------------------------------------------------------

void listen_socket::deliver_inspect(connection_ptr connection) {
    events_.deliver(conditional_accept_callbacks, [this, connection = std::move(connection)](bool run) {
        if (!run || !event_callback_allowed(this, "WskInspectEvent")) {
            connection->host.close_abortive();
            settle_delivery();
            return;
        }
        {
            std::lock_guard lock(mutex_);
            connection->id.Key = reinterpret_cast<ULONG_PTR>(key());
            connection->id.SerialNumber = next_serial_++;
        }
        address_pair addresses(*connection);
        if (rt::active() && rt::take_null_indication(operation::inspect_event, key())) {
            connection->host.close_abortive();  // test control: "the listener is dead"
            {
                kernel::irql_scope scope(DISPATCH_LEVEL, "WskInspectEvent");
                client_dispatch_->WskInspectEvent(context(), addresses.local_address(), addresses.remote_address(),
                                                  nullptr);
            }
            settle_delivery();
            return;
        }
        WSK_INSPECT_ID id = connection->id;  // valid during the call only: the driver copies it to pend
        WSK_INSPECT_ACTION action;
        {
            kernel::irql_scope scope(DISPATCH_LEVEL, "WskInspectEvent");
            action = client_dispatch_->WskInspectEvent(context(), addresses.local_address(),
                                                       addresses.remote_address(), &id);
        }
        bool reset = false;
        {
            std::lock_guard lock(mutex_);
            if (closing_ || dead_ || action == WskInspectReject ||
                (action != WskInspectAccept && action != WskInspectPend)) {
                reset = true;
            } else if (action == WskInspectAccept) {
                ready_.push_back(connection);
                watch_locked(connection);
                pump_locked();
            } else {
                inspecting_.push_back(connection);
                watch_locked(connection);
            }
        }
        if (reset) {
            connection->host.close_abortive();  // rejected: neither accept nor abort follows
        }
        const void* self = key();
        settle_delivery();  // may free the listener
        if (action != WskInspectAccept && action != WskInspectPend && action != WskInspectReject) {
            bad_callback_result(self, inspect_event_bad_action, static_cast<ULONG>(action), "WskInspectEvent",
                                "WskInspectReject, WskInspectAccept or WskInspectPend");
        }
    });
}

void listen_socket::watch_locked(const connection_ptr& connection) {
    if (connection->watched) {
        return;
    }
    connection->watched = true;
    ++busy_;
    connection->host.async_wait_readable([this, connection](net::error e) { on_watch(connection, e); });
}

void listen_socket::on_watch(const connection_ptr& connection, net::error e) {
    std::unique_lock lock(mutex_);
    const bool waiting = std::find(ready_.begin(), ready_.end(), connection) != ready_.end() ||
                         std::find(inspecting_.begin(), inspecting_.end(), connection) != inspecting_.end();
    if (!waiting || closing_ || e == net::error::cancelled) {
        lock.unlock();
        finished_one();  // taken by the driver, or closed
        return;
    }
    const net::error state = e == net::error::none ? connection->host.peek_receive_state() : e;
    if (state == net::error::none) {
        connection->watched = false;  // the peer sent data early: it stays, unwatched (decision)
        lock.unlock();
        finished_one();
        return;
    }
    // The peer dropped it (a reset or its FIN) before the driver had it.
    remove_locked(connection);
    start_host_accept_locked();
    ++busy_;
    lock.unlock();
    connection->host.close_abortive();
    deliver_abort(connection);
    finished_one();
}

void listen_socket::deliver_abort(connection_ptr connection) {
    events_.deliver(conditional_accept_callbacks, [this, connection = std::move(connection)](bool run) {
        if (run && event_callback_allowed(this, "WskAbortEvent")) {
            WSK_INSPECT_ID id = connection->id;
            kernel::irql_scope scope(DISPATCH_LEVEL, "WskAbortEvent");
            client_dispatch_->WskAbortEvent(context(), &id);
        }
        finished_one();
    });
}

}  // namespace wskemu::wsk
