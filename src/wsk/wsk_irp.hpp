// wskemu: the one path by which the WSK provider takes and completes a
// driver's IRP (reference §6, IRP rules).
//
// take_irp() consumes one stack location, as a real provider does (IRP rule
// 4); the driver's completion routine then runs as that location completes.
// complete_irp() completes at once, on the caller's thread and IRQL, unless
// the completion policy defers it (then the call returns STATUS_PENDING).
// Operations that wait are marked pending first, get a cancel routine with
// arm_cancel(), and complete through complete_pending() on an engine thread
// at DISPATCH_LEVEL (or from the runtime's scheduler: deterministic mode,
// delays).
//
// The provider's stack location carries, in Parameters.Others, the pending
// operation (Argument1, for the cancel routine) and what test control
// observes (Argument2: the socket's counters, Argument3: the operation,
// Argument4: the socket).
#pragma once

#include <wdm.h>

#include "net/callback.hpp"

namespace wskemu::wsk {

/// Takes a driver's IRP: NULL is refused with STATUS_INVALID_PARAMETER,
/// touching nothing; an IRP without a free stack location, or one a pending
/// call still holds, is reported to the verifier and refused with
/// STATUS_INVALID_PARAMETER, not completed. Otherwise the provider owns the
/// next location (IoSetNextIrpStackLocation) and the result is
/// STATUS_SUCCESS: the IRP must now be completed exactly once. A held call
/// being released has its IRP taken already: STATUS_SUCCESS. May raise a
/// verifier bug check (a freed IRP; break mode).
NTSTATUS take_irp(PIRP irp, const char* function);

/// Completes a taken IRP: IoStatus = {status, information}, then
/// IoCompleteRequest. Returns `status`, so an inline completion returns what
/// IoStatus.Status holds; or, when the completion policy of the running call
/// forces the pending path, marks the IRP pending, delivers the completion
/// later and returns STATUS_PENDING.
NTSTATUS complete_irp(PIRP irp, NTSTATUS status, ULONG_PTR information);

/// Completes a taken IRP now, whatever the policy (injected synchronous failures).
NTSTATUS complete_irp_inline(PIRP irp, NTSTATUS status, ULONG_PTR information);

/// True while the calling thread runs a completion this provider started
/// (the driver's completion routine may issue the next call from there).
bool in_completion() noexcept;

/// True if the running call may complete inline: not from inside one of our
/// completions (so a send loop does not nest one completion inside the
/// other), unless the completion policy allows nesting.
bool may_complete_inline() noexcept;

/// A pending IRP as the cancel routine sees it.
class pending_irp {
public:
    explicit pending_irp(PIRP irp) noexcept : irp_(irp) {}
    pending_irp(const pending_irp&) = delete;
    pending_irp& operator=(const pending_irp&) = delete;

    PIRP irp() const noexcept { return irp_; }

    /// IoCancelIrp on the IRP: start cancelling the operation; the normal
    /// completion path then completes the IRP (with STATUS_CANCELLED, or its
    /// natural result if that won the race). Called with the cancel spin lock
    /// held, before the IRP can complete.
    virtual void cancel_requested() noexcept = 0;

protected:
    ~pending_irp() = default;

private:
    PIRP irp_;
};

/// IoMarkIrpPending on a taken IRP. Must happen before the operation that
/// completes it can finish; the call then returns STATUS_PENDING.
void mark_pending(PIRP irp) noexcept;

/// Installs the provider's cancel routine for `op`. Returns false if the IRP
/// had been cancelled already (IoCancelIrp ran before there was a routine):
/// then no routine is installed and the caller cancels the operation itself.
bool arm_cancel(pending_irp& op) noexcept;

/// Completes a pending IRP from an engine thread: removes the cancel routine
/// (waiting for one that is running to return), then completes at
/// DISPATCH_LEVEL, now or, in deterministic mode or under a delay fault,
/// from the runtime's scheduler. The driver's routine sees PendingReturned set.
void complete_pending(PIRP irp, NTSTATUS status, ULONG_PTR information);

/// Completes a pending IRP that has no cancel routine later, from the
/// runtime's scheduler at DISPATCH_LEVEL (forced-pending results, injected
/// failures at completion, cancelled holds). `first`, if given, runs just
/// before the completion (an injected failure's effect on the socket).
void deliver_later(PIRP irp, NTSTATUS status, ULONG_PTR information, net::callback<void()> first = nullptr);

}  // namespace wskemu::wsk
