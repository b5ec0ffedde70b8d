// wskemu: completion policies, which choose between a WSK call's inline
// completion and its STATUS_PENDING path (docs/testing.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace wskemu {

/// @brief How a WSK call that takes an IRP completes. A call refused before
/// its IRP is taken (a NULL IRP) returns its status at once, whatever the
/// policy; any other result, argument errors included, follows the policy.
enum class completion_policy : std::uint8_t {
    /// Inline when the host operation finishes at once, otherwise
    /// STATUS_PENDING. A call made from inside a completion routine of ours
    /// always pends, so send loops never nest. The default.
    natural,
    /// Always STATUS_PENDING: a result known at once is delivered later, from
    /// a runtime thread (or the driving thread in deterministic mode), with
    /// PendingReturned set.
    always_pending,
    /// Inline wherever possible: as natural, but calls from completion
    /// routines may complete inline too (nesting, as Windows allows), and at
    /// IRQL < DISPATCH_LEVEL sends and receives first wait up to the inline
    /// grace period (WSKEMU_INLINE_GRACE_MS, 50 ms) for the host to finish.
    inline_when_possible,
    /// A seeded coin per call: always_pending or natural-with-nesting.
    random,
    /// The call returns STATUS_PENDING and does nothing until the test
    /// releases it (runtime::held()): release() runs it as it would have run,
    /// complete(status, information) runs it with that outcome, cancel()
    /// cancels it.
    hold,
};

/// @brief "natural", "pending", "inline", "random" or "hold" (the names
/// WSKEMU_POLICY uses).
std::string_view policy_name(completion_policy policy) noexcept;

/// @brief The policy for a name (policy_name's, or "always_pending",
/// "inline_when_possible"), or nullopt.
std::optional<completion_policy> parse_policy(std::string_view name) noexcept;

}  // namespace wskemu
