// wskemu: test control at the entry of every WSK call (wsk_call.hpp).
#include "wsk/wsk_call.hpp"

#include "kernel/log.hpp"
#include "kernel/verifier.hpp"
#include "runtime/faults.hpp"
#include "runtime/holds.hpp"
#include "wsk/wsk_irp.hpp"

#include <fmt/format.h>

#include <cstring>
#include <memory>

namespace wskemu::wsk {

thread_local constinit call_context* innermost_call = nullptr;

namespace {

bool is_data_transfer(operation op) {
    return op == operation::send || op == operation::receive || op == operation::send_to ||
           op == operation::receive_from || op == operation::send_messages;
}

// A held call's decision, carried out (holds.hpp's resume_function).
void resume(operation op, socket_base* socket, PIRP irp, const std::function<NTSTATUS()>& body,
            const rt::hold_outcome& outcome) {
    using action = rt::hold_outcome::action;
    if (outcome.what == action::cancel) {
        deliver_later(irp, STATUS_CANCELLED, 0);
        return;
    }
    const NTSTATUS status = outcome.status;
    if (outcome.what == action::complete && !is_data_transfer(op) && !NT_SUCCESS(status)) {
        if (socket != nullptr) {
            socket->injected_failure(op, status);
        }
        deliver_later(irp, status, static_cast<ULONG_PTR>(outcome.information));
        return;
    }
    call_context call(op, socket, irp);
    call.replay = true;
    call.choice.force_pending = true;
    if (outcome.what == action::complete && is_data_transfer(op)) {
        call.limited = true;
        call.byte_limit = outcome.information;
        call.then_status = status;
    }
    (void)body();
}

// A fault plan's failure, injected instead of running the call.
NTSTATUS inject(call_context& call, const char* function, const rt::injected_failure& failure) {
    if (call.irp == nullptr) {
        // A control call without an IRP: the failure is the return value.
        if (call.socket != nullptr) {
            call.socket->injected_failure(call.op, failure.status);
        }
        return failure.status;
    }
    if (NTSTATUS taken = take_irp(call.irp, function); !NT_SUCCESS(taken)) {
        return taken;
    }
    if (failure.at_completion) {
        mark_pending(call.irp);
        socket_base* socket = call.socket;
        const operation op = call.op;
        const NTSTATUS status = failure.status;
        if (is_data_transfer(op)) {
            // A transfer that fails breaks its connection where it stands in
            // the stream: later sends must not go out after the missing
            // bytes. Only the report waits for the completion.
            if (socket != nullptr) {
                socket->injected_failure(op, status);
            }
            deliver_later(call.irp, status, 0);
            return STATUS_PENDING;
        }
        // Anything else fails when the call completes: so does its effect.
        // (A close flushes this before it frees the socket.)
        deliver_later(call.irp, status, 0, [socket, op, status] {
            if (socket != nullptr) {
                socket->injected_failure(op, status);
            }
        });
        return STATUS_PENDING;
    }
    if (call.socket != nullptr) {
        call.socket->injected_failure(call.op, failure.status);
    }
    return complete_irp_inline(call.irp, failure.status, 0);
}

}  // namespace

call_context::call_context(operation o, socket_base* s, PIRP i) noexcept
    : op(o), socket(s), irp(i), outer_(innermost_call) {
    innermost_call = this;
}

call_context::~call_context() { innermost_call = outer_; }

void log_call(const char* function, const socket_base* socket, PIRP irp) {
    if (kernel::log().should_log(spdlog::level::debug)) {
        kernel::log().debug("{}: socket {}, IRP {}", function, socket != nullptr ? socket->key() : nullptr,
                            static_cast<void*>(irp));
    }
}

NTSTATUS run_controlled_call(call_context& call, const char* function, std::function<NTSTATUS()> body) {
    const operation op = call.op;
    socket_base* const socket = call.socket;
    const void* const key = socket != nullptr ? socket->key() : nullptr;
    if (op == operation::close && socket != nullptr) {
        rt::cancel_socket_holds(key);  // its held calls end before the close does
    }
    if (op != operation::close) {
        if (const auto failure = rt::match_call_fault(op, key)) {
            return inject(call, function, *failure);
        }
    }
    call.choice = rt::choose(op, key);
    const bool stalled = op == operation::send && socket != nullptr &&
                         (rt::sends_stalled(key) || rt::has_stalled_holds(key));
    if ((!call.choice.hold && !stalled) || call.irp == nullptr) {
        return body();
    }
    PIRP irp = call.irp;
    if (NTSTATUS taken = take_irp(irp, function); !NT_SUCCESS(taken)) {
        return taken;
    }
    mark_pending(irp);
    auto shared_body = std::make_shared<std::function<NTSTATUS()>>(std::move(body));
    rt::hold_call(op, key, irp, stalled, [op, socket, irp, shared_body](const rt::hold_outcome& outcome) {
        resume(op, socket, irp, *shared_body, outcome);
    });
    return STATUS_PENDING;
}

bool refuse_second_close(socket_base& socket, PIRP irp, NTSTATUS& result) {
    if (!socket.close_requested()) {
        return false;
    }
    namespace verifier = kernel::verifier;
    verifier::report_details details;
    details.creation = &socket.creation_stack();
    verifier::report(verifier::rule::socket_close_twice, "WskCloseSocket", socket.key(),
                     fmt::format("WskCloseSocket: socket {} is already being closed; close a socket exactly once",
                                 socket.key()),
                     details);
    result = take_irp(irp, "WskCloseSocket");
    if (NT_SUCCESS(result)) {
        result = complete_irp(irp, STATUS_INVALID_DEVICE_STATE, 0);
    }
    return true;
}

address_copy::address_copy(const SOCKADDR* source) noexcept : present(source != nullptr) {
    if (!present) {
        return;
    }
    std::size_t size = sizeof(SOCKADDR);
    if (source->sa_family == AF_INET6) {
        size = sizeof(SOCKADDR_IN6);
    }
    std::memcpy(&value, source, size);
}

}  // namespace wskemu::wsk
