// wskemu: fault plans: declarative, composable rules that make WSK calls and
// kernel allocations fail, connections reset or close, peers stall, and
// completions arrive late (docs/testing.md, "Fault plans").
#pragma once

#include "operation.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wskemu {

/// @brief What a fault rule does.
enum class fault_kind : std::uint8_t {
    fail_call,                  ///< the matching calls of `op` fail with `status`
    fail_allocation,            ///< the matching allocations of `allocation` return NULL
    peer_reset_after_sent,      ///< the connection resets once `bytes` were sent on a socket
    peer_reset_after_received,  ///< the connection resets once `bytes` were received on a socket
    peer_close_after_received,  ///< the peer's FIN arrives once `bytes` were received on a socket
    stall_sends,                ///< sends pend, unsent, for `duration` (0: until runtime::end_stall())
    delay_completions,          ///< pending completions of `op` arrive `duration` late
    provider_unavailable,       ///< WskCaptureProviderNPI finds no provider for `duration`
    null_indication,            ///< the matching event callbacks of `op` get a NULL indication / AcceptSocket
    short_receives,             ///< each WskReceive moves at most `bytes` bytes (WSK_FLAG_WAITALL excepted)
};

/// @brief When an injected call failure is seen.
enum class fault_timing : std::uint8_t {
    synchronously,  ///< the call returns the status (the IRP completes inline)
    at_completion,  ///< the call returns STATUS_PENDING; the IRP completes later with the status
};

/// @brief One rule. Build rules with the functions in wskemu::fault and the
/// modifiers below; each modifier returns a changed copy.
struct fault_rule {
    fault_kind kind = fault_kind::fail_call;
    operation op = operation::send;
    allocation_kind allocation = allocation_kind::pool;
    std::uint64_t first = 1;  ///< the first matching call (1-based) it applies to
    std::uint64_t count = 1;  ///< how many matching calls from `first` (0: every one from `first`)
    std::int32_t status = static_cast<std::int32_t>(0xC0000001);  ///< NTSTATUS (STATUS_UNSUCCESSFUL)
    fault_timing timing = fault_timing::synchronously;
    std::uint64_t bytes = 0;
    std::chrono::milliseconds duration{0};
    const void* socket = nullptr;  ///< only calls on this PWSK_SOCKET (nullptr: any socket)
    const void* site = nullptr;    ///< only allocations from this return address (nullptr: any)

    /// @brief Applies to the @p n-th matching call only (1-based).
    fault_rule nth(std::uint64_t n) const;
    /// @brief Applies to every matching call.
    fault_rule every() const;
    /// @brief Applies to the @p n-th matching call and every one after it.
    fault_rule from(std::uint64_t n) const;
    /// @brief Applies to @p k matching calls (from the first chosen).
    fault_rule times(std::uint64_t k) const;
    /// @brief The NTSTATUS the call fails with.
    fault_rule with(std::int32_t status) const;
    /// @brief The call returns STATUS_PENDING and the IRP completes with the status later.
    fault_rule at_completion() const;
    /// @brief The call returns the status at once (the default).
    fault_rule synchronously() const;
    /// @brief Only calls, bytes or events of this socket (a PWSK_SOCKET) count.
    fault_rule on(const void* socket) const;
    /// @brief Only allocations made from this return address count.
    fault_rule at_site(const void* site) const;

    /// @brief The rule in fault text (see parse_fault_plan).
    std::string to_string() const;
};

namespace fault {
/// @brief Fails the first call of @p op with STATUS_UNSUCCESSFUL; refine with
/// nth/every/with/at_completion/on.
fault_rule fail(operation op);
/// @brief Makes the first allocation of @p kind return NULL; refine with nth/every/at_site.
fault_rule fail_allocation(allocation_kind kind);
/// @brief Every WskConnect and WskConnectEx fails with STATUS_CONNECTION_REFUSED, pending first
/// (fail(operation::connect).every(); WskSocketConnect is operation::socket_connect).
fault_rule refuse_connections();
/// @brief A socket's connection resets once @p bytes were sent on it: the send
/// that crosses the mark moves the bytes up to it and completes with
/// STATUS_CONNECTION_RESET and Information = the bytes it moved; the peer sees
/// a reset; later calls fail with STATUS_FILE_FORCED_CLOSED.
fault_rule peer_reset_after_sent(std::uint64_t bytes);
/// @brief As peer_reset_after_sent, counting bytes received.
fault_rule peer_reset_after_received(std::uint64_t bytes);
/// @brief A socket's peer closes gracefully after @p bytes were received:
/// receives then complete with 0 bytes, as after the peer's FIN (the real
/// peer's further bytes are dropped).
fault_rule peer_close_after_received(std::uint64_t bytes);
/// @brief Backpressure: sends pend without moving a byte, for @p duration or,
/// with 0, until runtime::end_stall(); then they go in order.
fault_rule stall_sends(std::chrono::milliseconds duration = std::chrono::milliseconds{0});
/// @brief Pending completions of @p op are delivered @p duration after the host finished.
fault_rule delay(operation op, std::chrono::milliseconds duration);
/// @brief WskCaptureProviderNPI sees no provider for @p duration after the plan is installed.
fault_rule provider_unavailable(std::chrono::milliseconds duration);
/// @brief The first @p event callback (accept_event, receive_event,
/// receive_from_event, inspect_event) is given a NULL AcceptSocket,
/// DataIndication or InspectID: "the socket is dead".
fault_rule null_indication(operation event);
/// @brief Each WskReceive (without WSK_FLAG_WAITALL) completes with at most @p bytes.
fault_rule short_receives(std::uint64_t bytes);
}  // namespace fault

/// @brief An ordered set of rules; all of them apply at once.
class fault_plan {
public:
    fault_plan() = default;
    fault_plan(std::initializer_list<fault_rule> rules) : rules_(rules) {}

    fault_plan& add(const fault_rule& rule) {
        rules_.push_back(rule);
        return *this;
    }
    const std::vector<fault_rule>& rules() const noexcept { return rules_; }
    bool empty() const noexcept { return rules_.empty(); }

    /// @brief The plan in fault text, one rule per line.
    std::string to_string() const;

private:
    std::vector<fault_rule> rules_;
};

/// @brief The result of parsing fault text.
struct fault_plan_parse_result {
    fault_plan plan;
    std::string error;  ///< empty on success; else "line N: what is wrong"
    bool ok() const noexcept { return error.empty(); }
};

/// @brief Parses fault text: rules separated by newlines or ';', '#' starts a
/// comment. Forms (N: a call count, see below; STATUS: a STATUS_* name or a
/// hex value; DURATION: 250ms or 2s):
///   fail OP[COUNT] STATUS [at_completion]     e.g. "fail send#2 STATUS_CONNECTION_RESET at_completion"
///   fail_alloc irp|mdl|pool[COUNT]            e.g. "fail_alloc pool#3"
///   refuse_connections
///   peer_reset_after_sent BYTES, peer_reset_after_received BYTES, peer_close_after_received BYTES
///   stall_sends [DURATION]
///   delay OP DURATION
///   provider_unavailable DURATION
///   null_indication EVENT[COUNT]
///   short_receives BYTES
/// COUNT is "#N" (the N-th), "#N+" (N-th and later), "#N..M", or "#*" (all);
/// without it, the first.
fault_plan_parse_result parse_fault_plan(std::string_view text);

}  // namespace wskemu
