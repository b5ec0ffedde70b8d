// wskemu: the fault plan in force, as the provider and the kernel consult it.
#pragma once

#include <wskemu/fault_plan.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>

namespace wskemu::rt {

/// A call failure to inject.
struct injected_failure {
    std::int32_t status;
    bool at_completion;
};

/// Counts a call of `op` on `socket` (nullptr: client level) against every
/// fail_call rule; the failure to inject if one applies.
std::optional<injected_failure> match_call_fault(operation op, const void* socket);

/// Counts an allocation against the fail_allocation rules; true if it must
/// fail. Also records the site while a sweep records (allocation_sweep.cpp).
bool match_allocation_fault(allocation_kind kind, const void* site);

/// A socket's byte marks from the plan; max() where no rule applies.
struct byte_marks {
    static constexpr std::uint64_t none = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t reset_after_sent = none;
    std::uint64_t reset_after_received = none;
    std::uint64_t close_after_received = none;
    std::uint64_t short_receive = none;
};
byte_marks marks_for(const void* socket);

/// True while a stall_sends rule stalls this socket's sends.
bool sends_stalled(const void* socket);
/// When the current timed stall ends (max() for none or until released).
std::chrono::steady_clock::time_point stall_end();
/// Ends every stall now.
void end_stall();

/// How late pending completions of `op` on `socket` arrive.
std::chrono::milliseconds completion_delay(operation op, const void* socket);

/// Counts an event callback against the null_indication rules; true if this
/// one gets a NULL indication.
bool take_null_indication(operation event, const void* socket);

void set_plan(const fault_plan& plan);
void add_rule(const fault_rule& rule);
fault_plan current_plan();
/// Back to the environment's WSKEMU_FAULTS / WSKEMU_FAULTS_FILE.
void reset_plan();
bool faults_active() noexcept;

/// Reverse of wskemu::describe_status: a STATUS_* name or a number.
std::optional<std::int32_t> parse_status(std::string_view text);

}  // namespace wskemu::rt
