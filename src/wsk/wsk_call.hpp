// wskemu: the one entry every WSK call with an IRP goes through, where test
// control applies: fault injection, the completion policy, holds and stalls
// (docs/testing.md). Dispatch functions wrap the provider's work in
// run_call(); the work itself (the body) is unchanged by any of it, except
// that it asks current_call() for a byte limit and whether it may complete
// inline.
#pragma once

#include <wsk.h>

#include <wskemu/operation.hpp>

#include "runtime/control.hpp"
#include "wsk/wsk_socket_base.hpp"

#include <cstdint>
#include <functional>
#include <utility>

namespace wskemu::wsk {

/// The WSK call the provider is running on this thread.
struct call_context {
    call_context(operation op, socket_base* socket, PIRP irp) noexcept;
    ~call_context();
    call_context(const call_context&) = delete;
    call_context& operator=(const call_context&) = delete;

    const operation op;
    socket_base* const socket;  // nullptr for client-level calls
    const PIRP irp;             // may be NULL (control calls)
    rt::call_choice choice;
    bool replay = false;        // a held call running now: its IRP is taken and pending already
    // A held call completed with (status, information): sends and receives
    // move at most `byte_limit` bytes, then end with `then_status`.
    bool limited = false;
    std::uint64_t byte_limit = 0;
    NTSTATUS then_status = STATUS_SUCCESS;

private:
    call_context* outer_;
};

/// The innermost call running on this thread (call_context keeps it).
extern thread_local constinit call_context* innermost_call;

/// The innermost call running on this thread, or nullptr. Inline: a send
/// or receive asks several times per call.
inline call_context* current_call() noexcept { return innermost_call; }

/// Logs a call's entry at debug level (docs/testing.md, "Logs").
void log_call(const char* function, const socket_base* socket, PIRP irp);

/// run_close's check: true (and `result` set) if a close is pending already.
bool refuse_second_close(socket_base& socket, PIRP irp, NTSTATUS& result);

/// The controlled path of run_call (used only while rt::active()).
NTSTATUS run_controlled_call(call_context& call, const char* function, std::function<NTSTATUS()> body);

/// Runs a WSK call's `body` (which takes the IRP and completes or pends it)
/// under test control. `body` must own copies of the call's by-value inputs
/// (a WSK_BUF, an address), because a held call runs it later.
template <typename Body>
NTSTATUS run_call(operation op, socket_base* socket, PIRP irp, const char* function, Body&& body) {
    rt::ensure_started();
    log_call(function, socket, irp);
    call_context call(op, socket, irp);
    if (!rt::active()) {
        return body();
    }
    return run_controlled_call(call, function, std::function<NTSTATUS()>(std::forward<Body>(body)));
}

/// WskCloseSocket on any category: a second close while the first is
/// pending is reported to the verifier (socket.close_twice) and refused with
/// STATUS_INVALID_DEVICE_STATE, the first undisturbed; otherwise the close
/// runs under test control. `close(irp)` is the category's close.
template <typename Close>
NTSTATUS run_close(socket_base& socket, PIRP irp, Close&& close) {
    NTSTATUS refused = STATUS_SUCCESS;
    if (refuse_second_close(socket, irp, refused)) {
        return refused;
    }
    socket.set_close_requested(true);
    const NTSTATUS status =
        run_call(operation::close, &socket, irp, "WskCloseSocket", [&socket, irp, close]() { return close(socket, irp); });
    if (status == STATUS_INVALID_PARAMETER) {
        socket.set_close_requested(false);  // the IRP was refused: the socket stays open
    }
    return status;
}

/// A copy of an optional WSK_BUF, for bodies that run later.
struct buffer_copy {
    explicit buffer_copy(const WSK_BUF* source) noexcept : present(source != nullptr) {
        if (present) {
            value = *source;
        }
    }
    PWSK_BUF get() noexcept { return present ? &value : nullptr; }
    bool present;
    WSK_BUF value{};
};

/// A copy of an optional SOCKADDR (as much as its family needs), for bodies
/// that run later.
struct address_copy {
    explicit address_copy(const SOCKADDR* source) noexcept;
    PSOCKADDR get() noexcept { return present ? reinterpret_cast<PSOCKADDR>(&value) : nullptr; }
    bool present;
    SOCKADDR_STORAGE value{};
};

}  // namespace wskemu::wsk
