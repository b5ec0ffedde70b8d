// wskemu: calls held by the hold policy or by a send stall: taken, pending,
// unstarted, until the test releases, completes or cancels them.
#pragma once

#include <wdm.h>

#include <wskemu/operation.hpp>

#include "runtime/scheduler.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace wskemu::rt {

/// What the test decided for a held call.
struct hold_outcome {
    enum class action { release, complete, cancel } what = action::release;
    std::int32_t status = 0;
    std::uint64_t information = 0;
};

/// Runs a held call (release, complete) or finishes its IRP (cancel). The WSK
/// provider supplies it; it runs on the thread that decided (release,
/// complete) or on a runtime thread at DISPATCH_LEVEL (cancel).
using resume_function = std::function<void(const hold_outcome&)>;

/// Holds a taken, pending IRP's call; IoCancelIrp on it cancels it. A stalled
/// send is released when the stall ends. Returns the hold's id.
std::uint64_t hold_call(operation op, const void* socket, PIRP irp, bool stalled, resume_function resume);

/// Carries out `outcome` for a held call; false if it is no longer held.
bool resume_held(std::uint64_t id, const hold_outcome& outcome);

/// IoCancelIrp on a held call's IRP; false if it is no longer held.
bool cancel_held(std::uint64_t id);

struct held_info {
    std::uint64_t id;
    operation op;
    const void* socket;
    PIRP irp;
    clock::time_point since;
};
/// The calls held now, oldest first.
std::vector<held_info> held_now();

/// True if sends of `socket` are held by a stall (a new send must queue behind them).
bool has_stalled_holds(const void* socket);
/// True if any call is held.
bool holds_exist() noexcept;

/// Releases the stalled sends, in order (a stall ended).
void release_stalled_sends();
/// Ends stalls at `when` (a timed stall_sends rule).
void schedule_stall_release(clock::time_point when);
/// Cancels every call held on `socket` (its close is about to complete).
void cancel_socket_holds(const void* socket);
/// Cancels every held call (reset).
void cancel_all_holds();

}  // namespace wskemu::rt
