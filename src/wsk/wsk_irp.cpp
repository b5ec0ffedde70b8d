// wskemu: taking and completing driver IRPs in the WSK provider.
#include "wsk/wsk_irp.hpp"

#include <wskemu/format.hpp>

#include "kernel/irql.hpp"
#include "kernel/log.hpp"
#include "kernel/verifier_irp.hpp"
#include "runtime/faults.hpp"
#include "runtime/observer.hpp"
#include "runtime/scheduler.hpp"
#include "trace/hooks.hpp"
#include "wsk/wsk_call.hpp"

namespace wskemu::wsk {

namespace {

thread_local unsigned completion_depth = 0;

// Counts the completions running on this thread (see in_completion()).
class completion_guard {
public:
    completion_guard() noexcept { ++completion_depth; }
    ~completion_guard() { --completion_depth; }
    completion_guard(const completion_guard&) = delete;
    completion_guard& operator=(const completion_guard&) = delete;
};

// What the provider's stack location records for observation.
struct irp_tag {
    rt::socket_record* record;
    operation op;
    const void* socket;
};

irp_tag tag_of(PIRP irp) noexcept {
    const auto& others = IoGetCurrentIrpStackLocation(irp)->Parameters.Others;
    return irp_tag{static_cast<rt::socket_record*>(others.Argument2),
                   static_cast<operation>(reinterpret_cast<ULONG_PTR>(others.Argument3)), others.Argument4};
}

// IoCancelIrp calls this with the cancel spin lock held; the IRP cannot
// complete before the lock is released (complete_pending waits for it).
VOID NTAPI provider_cancel_routine(PDEVICE_OBJECT device, PIRP irp) {
    (void)device;
    auto* op = static_cast<pending_irp*>(IoGetCurrentIrpStackLocation(irp)->Parameters.Others.Argument1);
    op->cancel_requested();
    IoReleaseCancelSpinLock(irp->CancelIrql);
}

void complete_at_dispatch(PIRP irp, NTSTATUS status, ULONG_PTR information) {
    kernel::irql_scope scope(DISPATCH_LEVEL, "WSK completion");
    complete_irp_inline(irp, status, information);
}

// Hands a pending IRP's completion to the scheduler, after the plan's delay.
void schedule_completion(PIRP irp, NTSTATUS status, ULONG_PTR information, std::chrono::milliseconds delay,
                         net::callback<void()> first = nullptr) {
    const irp_tag tag = tag_of(irp);
    rt::schedule(rt::lane{tag.socket, static_cast<std::uint32_t>(tag.op)}, rt::clock::now() + delay,
                 [irp, status, information, first = std::move(first)]() mutable {
                     if (first) {
                         first();
                     }
                     complete_at_dispatch(irp, status, information);
                 });
}

}  // namespace

NTSTATUS take_irp(PIRP irp, const char* function) {
    const call_context* call = current_call();
    if (call != nullptr && call->replay && call->irp == irp && irp != nullptr) {
        return STATUS_SUCCESS;  // a held call: taken (and told to the verifier) when it was held
    }
    if (irp == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    if (!kernel::verifier::irp_taken(irp, function)) {
        return STATUS_INVALID_PARAMETER;
    }
    if (irp->CurrentLocation <= 1) {
        kernel::log().error("{}: IRP {} has no free stack location (allocate it with IoAllocateIrp(1, FALSE) or "
                            "more); refused with STATUS_INVALID_PARAMETER, not completed",
                            function, static_cast<void*>(irp));
        return STATUS_INVALID_PARAMETER;
    }
    IoSetNextIrpStackLocation(irp);
    auto& others = IoGetCurrentIrpStackLocation(irp)->Parameters.Others;
    others.Argument1 = nullptr;
    const bool on_socket = call != nullptr && call->socket != nullptr;
    others.Argument2 = on_socket ? call->socket->observation() : nullptr;
    others.Argument3 = reinterpret_cast<PVOID>(static_cast<ULONG_PTR>(call != nullptr ? call->op : operation::send));
    others.Argument4 = on_socket ? const_cast<void*>(call->socket->key()) : nullptr;
    trace::irp_submitted(irp, call != nullptr ? call->op : operation::send, others.Argument4, function);
    return STATUS_SUCCESS;
}

NTSTATUS complete_irp(PIRP irp, NTSTATUS status, ULONG_PTR information) {
    const call_context* call = current_call();
    if (call != nullptr && call->irp == irp && (call->choice.force_pending || call->replay)) {
        mark_pending(irp);
        deliver_later(irp, status, information);
        return STATUS_PENDING;
    }
    return complete_irp_inline(irp, status, information);
}

NTSTATUS complete_irp_inline(PIRP irp, NTSTATUS status, ULONG_PTR information) {
    const irp_tag tag = tag_of(irp);
    const bool pending = (IoGetCurrentIrpStackLocation(irp)->Control & SL_PENDING_RETURNED) != 0;
    irp->IoStatus.Status = status;
    irp->IoStatus.Information = information;
    // Counted, traced and logged before the routine runs: it may free the IRP, or close the socket.
    trace::irp_completed(irp, tag.op, tag.socket, status, information, pending);
    rt::note_completion(tag.record, irp, tag.op, status, information, pending);
    if (kernel::log().should_log(spdlog::level::debug)) {
        kernel::log().debug("{} completes {}: socket {}, IRP {}, {}, Information {}", operation_name(tag.op),
                            pending ? "after STATUS_PENDING" : "inline", tag.socket, static_cast<void*>(irp),
                            ntstatus{status}, information);
    }
    kernel::verifier::completion_scope verified(irp);
    completion_guard guard;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    return status;
}

bool in_completion() noexcept { return completion_depth != 0; }

bool may_complete_inline() noexcept {
    if (completion_depth == 0) {
        return true;
    }
    const call_context* call = current_call();
    return call != nullptr && call->choice.allow_nesting;
}

void mark_pending(PIRP irp) noexcept {
    kernel::verifier::irp_pending(irp);
    PIO_STACK_LOCATION location = IoGetCurrentIrpStackLocation(irp);
    if ((location->Control & SL_PENDING_RETURNED) != 0) {
        return;  // a held call's IRP, pending since it was held
    }
    IoMarkIrpPending(irp);
    const irp_tag tag = tag_of(irp);
    rt::note_pending(tag.record, irp, tag.op);
}

bool arm_cancel(pending_irp& op) noexcept {
    PIRP irp = op.irp();
    IoGetCurrentIrpStackLocation(irp)->Parameters.Others.Argument1 = &op;
    IoSetCancelRoutine(irp, provider_cancel_routine);
    if (irp->Cancel) {
        // Cancelled before the routine was there. If we take it back, nobody
        // else will call it: the caller cancels. Otherwise IoCancelIrp took it
        // and the routine runs now.
        if (IoSetCancelRoutine(irp, nullptr) != nullptr) {
            return false;
        }
    }
    return true;
}

void complete_pending(PIRP irp, NTSTATUS status, ULONG_PTR information) {
    if (IoSetCancelRoutine(irp, nullptr) == nullptr) {
        // IoCancelIrp took the routine: it runs under the cancel spin lock,
        // so once we hold the lock it has returned and no longer needs the IRP.
        KIRQL irql;
        IoAcquireCancelSpinLock(&irql);
        IoReleaseCancelSpinLock(irql);
    }
    if (rt::active()) {
        const irp_tag tag = tag_of(irp);
        const auto delay = rt::completion_delay(tag.op, tag.socket);
        if (rt::deterministic() || delay.count() > 0) {
            schedule_completion(irp, status, information, delay);
            return;
        }
    }
    complete_at_dispatch(irp, status, information);
}

void deliver_later(PIRP irp, NTSTATUS status, ULONG_PTR information, net::callback<void()> first) {
    const irp_tag tag = tag_of(irp);
    schedule_completion(irp, status, information, rt::completion_delay(tag.op, tag.socket), std::move(first));
}

}  // namespace wskemu::wsk
