// wskemu: the runtime handle tests configure: completion policies, the
// deterministic mode, fault plans, held calls, and what can be observed.
// No WDK, OS or Asio headers: sockets and IRPs are passed as pointers.
//
// Every setting starts from the environment (docs/testing.md):
//   WSKEMU_POLICY         natural | pending | inline | random | hold, or per
//                         operation: "send=pending,receive=inline,*=natural"
//   WSKEMU_SEED           the seed of random policies and of the deterministic order
//   WSKEMU_DETERMINISTIC  1: no runtime threads; the driving thread runs everything
//   WSKEMU_FAULTS         fault text (see parse_fault_plan); WSKEMU_FAULTS_FILE: a file of it
//   WSKEMU_INLINE_GRACE_MS  the inline policy's wait for the host (default 50)
// and reset() returns to them.
#pragma once

#include "fault_plan.hpp"
#include "observation.hpp"
#include "operation.hpp"
#include "policy.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace wskemu {

class runtime;

/// @brief A call held by the hold policy or by a send stall. A handle: copies
/// name the same call; once the call is released, completed or cancelled, the
/// handle's actions do nothing and return false.
class held_call {
public:
    held_call() = default;

    std::uint64_t id() const noexcept { return id_; }
    operation op() const noexcept { return op_; }
    const void* irp() const noexcept { return irp_; }        ///< the PIRP
    const void* socket() const noexcept { return socket_; }  ///< the PWSK_SOCKET, or nullptr

    /// @brief Runs the call as it would have run; its IRP completes when the
    /// host finishes (inline results are delivered as pending completions).
    bool release() const;
    /// @brief Runs the call with this outcome. Sends and receives move at most
    /// @p information bytes (so the stream stays consistent with what the
    /// driver is told); a failure status then breaks the connection as the
    /// host error would (reset statuses reset it). Other calls: a success
    /// runs them normally, a failure completes the IRP with it untouched.
    bool complete(std::int32_t status, std::uint64_t information = 0) const;
    /// @brief IoCancelIrp on the held IRP: it completes with STATUS_CANCELLED.
    bool cancel() const;

private:
    friend class runtime;
    held_call(std::uint64_t id, operation op, const void* irp, const void* socket) noexcept
        : id_(id), op_(op), irp_(irp), socket_(socket) {}
    std::uint64_t id_ = 0;
    operation op_ = operation::send;
    const void* irp_ = nullptr;
    const void* socket_ = nullptr;
};

/// @brief The process-wide runtime. Thread safety: every member may be called
/// from any thread; the deterministic drive (poll, run_*) is meant for one
/// thread at a time.
class runtime {
public:
    /// @brief The runtime, started on first use (by this or by any kernel or WSK call).
    static runtime& instance();

    /// @brief Back to the environment's settings: policies, seed,
    /// deterministic mode, fault plan. Held calls are cancelled, counters,
    /// records and stall state cleared. Call between tests, with nothing pending.
    void reset();

    /// @name Completion policy
    /// The most specific setting wins: socket and operation, socket,
    /// operation, global.
    ///@{
    void set_policy(completion_policy policy);
    void set_policy(operation op, completion_policy policy);
    void set_policy(const void* socket, completion_policy policy);
    void set_policy(const void* socket, operation op, completion_policy policy);
    /// @brief The policy a call of @p op on @p socket gets now.
    completion_policy policy(operation op, const void* socket = nullptr) const;
    ///@}

    /// @name Seed
    ///@{
    /// @brief The seed of random policies and of the deterministic order
    /// (WSKEMU_SEED, or a fresh one per reset; never 0).
    std::uint64_t seed() const;
    /// @brief Restarts the random sequences from @p seed (0 chooses a fresh one).
    void set_seed(std::uint64_t seed);
    ///@}

    /// @name Deterministic mode
    /// No runtime threads: completions, callbacks and work items run only
    /// when the driving thread calls poll/run_until_idle/run_until, or waits
    /// in KeWaitForSingleObject/KeWaitForMultipleObjects. Ready completions
    /// run in an order chosen by the seed; completions of one socket and
    /// operation keep their order, as do one socket's callbacks.
    ///@{
    void set_deterministic(bool on);
    bool deterministic() const;
    /// @brief Runs everything ready now without blocking; how many tasks ran.
    std::size_t poll();
    /// @brief Runs until nothing is ready (host I/O still in flight is not
    /// "ready"), or the timeout passes; how many tasks ran.
    std::size_t run_until_idle(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// @brief Runs (waiting for host I/O as needed) until @p done is true or
    /// the timeout passes; returns done(). In threaded mode it just waits.
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ///@}

    /// @name Fault plan
    ///@{
    void set_faults(const fault_plan& plan);
    void add_fault(const fault_rule& rule);
    void clear_faults();
    fault_plan faults() const;
    /// @brief Ends a stall_sends rule's stall now: stalled sends go, in order.
    void end_stall();
    ///@}

    /// @name Held calls
    ///@{
    /// @brief The calls held now, oldest first.
    std::vector<held_call> held() const;
    /// @brief Waits (driving the runtime in deterministic mode) until at least
    /// @p count calls are held; returns the held calls (fewer on timeout).
    std::vector<held_call> wait_for_held(std::size_t count,
                                         std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// @brief Releases every held call; how many.
    std::size_t release_all();
    ///@}

    /// @name Observation
    ///@{
    /// @brief The counters of the socket most recently created at @p socket
    /// (all zero for an unknown pointer).
    socket_stats stats(const void* socket) const;
    /// @brief The counters of every socket created since reset(), in creation order.
    std::vector<socket_stats> all_stats() const;
    /// @brief Completed calls of @p op since reset(), any socket (client-level calls included).
    std::uint64_t calls(operation op) const;
    /// @brief Every IRP pending in a WSK call now, oldest first.
    std::vector<pending_irp_info> pending_irps() const;
    /// @brief Starts (clearing the record) or stops recording completions.
    void record_completions(bool on);
    /// @brief The completions recorded, in the order they happened.
    std::vector<completion_record> completions() const;
    ///@}

    /// @brief The inline policy's wait for the host (default 50 ms).
    void set_inline_grace(std::chrono::milliseconds grace);

    /// @brief One line naming the settings in force ("policy=natural seed=... deterministic=0 faults=...").
    std::string describe() const;

    runtime(const runtime&) = delete;
    runtime& operator=(const runtime&) = delete;

private:
    runtime();
};

}  // namespace wskemu
