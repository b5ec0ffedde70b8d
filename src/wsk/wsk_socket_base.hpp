// wskemu: what every WSK socket object shares, whatever its category, and
// the registry of live sockets.
//
// The PWSK_SOCKET handed to a driver is the WSK_SOCKET base of a
// socket_base-derived object. Each category's dispatch functions map it
// back with live_socket<T>(), which reports (bug check 0xC4) a handle that
// is not a live socket or not of the table's category, instead of
// dereferencing it.
#pragma once

#include <wsk.h>

#include <wskemu/operation.hpp>

#include "common/stack_trace.hpp"
#include "kernel/verifier.hpp"
#include "wsk/wsk_registration.hpp"

#include <atomic>
#include <functional>

namespace wskemu::rt {
struct socket_record;
}

namespace wskemu::wsk {

/// Verifier sub-codes (parameter 1 of DRIVER_VERIFIER_DETECTED_VIOLATION,
/// 0xC4) for socket misuse; parameter 2 is the PWSK_SOCKET.
enum socket_violation : ULONG_PTR {
    socket_not_live = 0x3101,       // a socket function called with a PWSK_SOCKET that is not a live socket
    socket_wrong_category = 0x3102, // a socket function of one category's table called on another's socket
};

/// The socket categories of WskSocket's Flags (reference §5).
enum class socket_category { basic, listen, datagram, connection, stream };

/// "connection", "listening", ... for reports.
const char* category_name(socket_category category) noexcept;

class socket_base : public WSK_SOCKET {
public:
    socket_base(const socket_base&) = delete;
    socket_base& operator=(const socket_base&) = delete;

    socket_category category() const noexcept { return category_; }
    /// The PWSK_SOCKET the driver holds, as test control names the socket.
    const void* key() const noexcept { return static_cast<const WSK_SOCKET*>(this); }
    registration_state& registration() const noexcept { return registration_; }
    /// The SocketContext given at creation (passed to event callbacks).
    PVOID context() const noexcept { return context_; }
    /// The socket's counters for test control (nullptr until published).
    rt::socket_record* observation() const noexcept { return observation_; }

    /// A fault plan (or a held call completed with a failure) made a call of
    /// `op` fail with `status`: change state as that host failure would (a
    /// reset breaks the connection, a failed connect leaves only close).
    virtual void injected_failure(operation op, NTSTATUS status) {
        (void)op;
        (void)status;
    }

    /// Where the socket was created, for verifier reports.
    const common::stack_trace& creation_stack() const noexcept { return creation_stack_; }

    /// WskCloseSocket has been accepted for this socket (its close is
    /// pending or running). Set by the dispatch layer before it calls the
    /// close, cleared again if the close refused its IRP.
    bool close_requested() const noexcept { return close_requested_.load(std::memory_order_acquire); }
    void set_close_requested(bool requested) noexcept {
        close_requested_.store(requested, std::memory_order_release);
    }

protected:
    socket_base(socket_category category, registration_state& registration, PVOID context) noexcept
        : WSK_SOCKET{}, category_(category), registration_(registration), context_(context),
          creation_stack_(kernel::verifier::capture_stacks() ? common::stack_trace::capture(1)
                                                             : common::stack_trace{}) {}
    virtual ~socket_base() = default;

    /// A socket created before its driver named its context (accepted
    /// through WskAcceptEvent, which returns it) gets it here.
    void set_context(PVOID context) noexcept { context_ = context; }

    /// Makes the socket findable through its PWSK_SOCKET (once its Dispatch
    /// is set) and starts its counters.
    void publish();
    /// Makes it unfindable again (at close, before it is freed): its test
    /// control settings go, its counters stay, and the verifier is told the
    /// close is complete.
    void withdraw();
    /// The end of a close: test control's deferred completions of the socket
    /// go first, then the socket is withdrawn and freed, then its
    /// registration hears of it (its last touch: WskDeregister may return).
    /// The caller completes the close IRP afterwards, touching nothing of
    /// the socket.
    void retire();

private:
    const socket_category category_;
    registration_state& registration_;
    PVOID context_;
    rt::socket_record* observation_ = nullptr;
    common::stack_trace creation_stack_;
    std::atomic<bool> close_requested_{false};
};

/// The status every call but WskCloseSocket gets on a socket that is
/// `closing` (STATUS_INVALID_DEVICE_STATE) or `broken` by a host failure
/// (STATUS_FILE_FORCED_CLOSED), or STATUS_SUCCESS.
constexpr NTSTATUS usable_status(bool closing, bool broken) noexcept {
    return closing ? STATUS_INVALID_DEVICE_STATE : broken ? STATUS_FILE_FORCED_CLOSED : STATUS_SUCCESS;
}

/// The live socket behind a PWSK_SOCKET; bug check 0xC4 / socket_not_live
/// naming `function` for NULL, a closed socket, or anything else.
socket_base& live_socket(PWSK_SOCKET socket, const char* function);

/// The live socket of `category` behind a PWSK_SOCKET; bug check 0xC4 /
/// socket_wrong_category for a socket of another category.
socket_base& live_socket(PWSK_SOCKET socket, socket_category category, const char* function);

/// As above, cast to the category's class.
template <typename Socket>
Socket& live_socket_as(PWSK_SOCKET socket, const char* function) {
    return static_cast<Socket&>(live_socket(socket, Socket::category_of, function));
}

/// Reports (verifier rule socket.call_while_closing) a call of `function`
/// made while the socket's WskCloseSocket is pending; the socket then answers
/// it with STATUS_INVALID_DEVICE_STATE.
void report_call_while_closing(const socket_base& socket, const char* function);

/// What every socket dispatch function does first: the IRQL check (at most
/// DISPATCH_LEVEL, reference §8; bug check 0xA naming `function` and
/// `caller`), then live_socket_as.
template <typename Socket>
Socket& enter_socket(PWSK_SOCKET socket, const char* function, void* caller) {
    check_irql(DISPATCH_LEVEL, function, "WSK socket functions run at IRQL <= DISPATCH_LEVEL", caller);
    Socket& s = live_socket_as<Socket>(socket, function);
    if (s.close_requested()) {
        report_call_while_closing(s, function);
    }
    return s;
}

/// enter_socket for WskCloseSocket, whose second call is reported by the
/// close itself (socket.close_twice).
template <typename Socket>
Socket& enter_socket_for_close(PWSK_SOCKET socket, void* caller) {
    check_irql(DISPATCH_LEVEL, "WskCloseSocket", "WSK socket functions run at IRQL <= DISPATCH_LEVEL", caller);
    return live_socket_as<Socket>(socket, "WskCloseSocket");
}

/// True if `socket` is a live socket now (for tests and reports).
bool is_live_socket(const WSK_SOCKET* socket) noexcept;

/// Calls @p each for every live socket, with the registry locked (the
/// sockets cannot be freed meanwhile; @p each must not call back into it).
void for_each_live_socket(const std::function<void(const socket_base&)>& each);

/// Logs, once per (category, request type, level, code), that WskControlSocket
/// does not support the request and returns STATUS_NOT_SUPPORTED.
void log_unsupported_control(socket_category category, WSK_CONTROL_SOCKET_TYPE type, ULONG level, ULONG code);

}  // namespace wskemu::wsk
