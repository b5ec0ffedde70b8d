// wskemu: the verifier's core, for the emulator's own checks: the rule
// table, the mode, and report(), which every rule violation goes through
// (docs/verifier.md; the control API is include/wskemu/verifier.hpp).
#pragma once

#include <ntdef.h>

#include "common/stack_trace.hpp"
#include "kernel/irql.hpp"

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace wskemu::kernel::verifier {

/// Every rule; rule_table() has one entry per value, in this order.
enum class rule : unsigned {
    // IRPs
    irp_no_stack_location,
    irp_no_completion_routine,
    irp_invoke_flags,
    irp_completion_status,
    irp_pending_reused,
    irp_reuse_while_pending,
    irp_free_while_pending,
    irp_completed_twice,
    irp_freed_access,
    irp_completed_pending,
    irp_cancel_routine_at_completion,
    irp_not_an_irp,
    irp_stack_overflow,
    // MDLs and buffers
    mdl_wsk_buf_offset,
    mdl_wsk_buf_past_chain,
    mdl_freed_while_pending,
    mdl_unlocked_while_pending,
    mdl_freed_while_locked,
    mdl_nonpaged_then_locked,
    mdl_already_locked,
    mdl_not_locked,
    buffer_modified_while_pending,
    // IRQL and spin locks
    irql_function_maximum,
    irql_paged_code,
    irql_not_restored,
    irql_wrong_direction,
    spinlock_already_owned,
    spinlock_not_owner,
    spinlock_release_irql,
    // sockets and event callbacks
    socket_not_live,
    socket_wrong_category,
    socket_close_twice,
    socket_call_while_closing,
    socket_callback_after_close,
    indication_not_released,
    indication_released_twice,
    indication_wrong_socket,
    // registration
    wsk_registered_twice,
    wsk_not_registered,
    wsk_released_more_than_captured,
    wsk_socket_count_underflow,
    wsk_unknown_client,
    wsk_deregistered_twice,
    wsk_deregister_blocked,
    wsk_call_without_capture,
    // pool
    pool_tag_mismatch,
    pool_double_free,
    pool_bad_free,
    // leaks (check_leaks)
    leak_pool_block,
    leak_irp,
    leak_mdl,
    leak_locked_pages,
    leak_socket,
    leak_registration,
    count_
};

inline constexpr std::size_t rule_count = static_cast<std::size_t>(rule::count_);

/// One rule's fixed facts.
struct rule_definition {
    const char* id;
    const char* summary;
    bool fatal;                // Windows enforces it: raised in every mode
    ULONG code;                // bug check code
    ULONG_PTR parameter1;      // fixed parameter 1 (a sub-code), or 0 = the caller's
    bool enabled_by_default;
    bool can_disable;
};

const std::array<rule_definition, rule_count>& rule_table() noexcept;

namespace detail {
// Bit i set: rule i is on. Read on every check, so a plain atomic load.
extern std::atomic<std::uint64_t> enabled_bits;
void ensure_initialised() noexcept;
}  // namespace detail
static_assert(rule_count <= 64, "enabled_bits holds one bit per rule");

/// True if the rule is switched on (cheap: one relaxed load).
inline bool enabled(rule r) noexcept {
    detail::ensure_initialised();
    return (detail::enabled_bits.load(std::memory_order_relaxed) >> static_cast<unsigned>(r)) & 1u;
}

/// The bits of @p rules in the enabled set.
constexpr std::uint64_t mask_of(std::initializer_list<rule> rules) noexcept {
    std::uint64_t mask = 0;
    for (rule r : rules) {
        mask |= std::uint64_t{1} << static_cast<unsigned>(r);
    }
    return mask;
}

/// True if any rule of @p mask (from mask_of) is on: one load for a group.
inline bool any_enabled(std::uint64_t mask) noexcept {
    detail::ensure_initialised();
    return (detail::enabled_bits.load(std::memory_order_relaxed) & mask) != 0;
}

/// Optional facts for a report.
struct report_details {
    const common::stack_trace* creation = nullptr;  // where the object was created
    const common::stack_trace* freed = nullptr;     // where it was freed, for a freed object
    ULONG code = 0;                                 // the bug check code, if not the rule's
    bool has_parameters = false;                    // use `parameters` for the bug check
    std::array<ULONG_PTR, 4> parameters{};
};

/// Details giving the bug check's four parameters.
inline report_details with_parameters(ULONG_PTR p1, ULONG_PTR p2 = 0, ULONG_PTR p3 = 0, ULONG_PTR p4 = 0) noexcept {
    report_details details;
    details.has_parameters = true;
    details.parameters = {p1, p2, p3, p4};
    return details;
}

/// Records a violation of @p r by @p function on @p object. Raises the rule's
/// bug check (and does not return) when the rule is fatal or the mode is
/// break; otherwise logs it and returns. Does nothing for a rule switched off.
void report(rule r, const char* function, const void* object, const std::string& message,
            const report_details& details = {});

/// report() for a rule whose call cannot go on: always raises.
[[noreturn]] void report_fatal(rule r, const char* function, const void* object, const std::string& message,
                               const report_details& details = {});

/// Checks a function's maximum IRQL at entry (rule irql.function_maximum):
/// bug check IRQL_NOT_LESS_OR_EQUAL (P2 the IRQL, P4 @p caller) naming the
/// function and @p rule_text when the calling thread's IRQL is above it.
void report_irql_above(const char* function, KIRQL maximum, const void* caller, const char* rule_text);
inline void check_irql(const char* function, KIRQL maximum, const void* caller, const char* rule_text = nullptr) {
    // Inline: every I/O routine and WSK call checks, and nearly always passes.
    if (current_irql() > maximum) {
        report_irql_above(function, maximum, caller, rule_text);
    }
}

/// Applies settings spelled as WSKEMU_VERIFIER, WSKEMU_VERIFIER_DISABLE,
/// WSKEMU_VERIFIER_ENABLE and WSKEMU_VERIFIER_STACKS spell them (nullptr: not
/// set), from the defaults. The environment is applied once, at first use;
/// tests call this to check the parsing.
void configure(const char* mode, const char* disable, const char* enable, const char* stacks) noexcept;

/// Whether tracked allocations capture their stack (WSKEMU_VERIFIER_STACKS).
bool capture_stacks() noexcept;

/// The id of a rule ("irp.no_completion_routine").
inline const char* id(rule r) noexcept { return rule_table()[static_cast<std::size_t>(r)].id; }

}  // namespace wskemu::kernel::verifier
