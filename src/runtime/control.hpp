// wskemu: the runtime's internal services, as the kernel, the WSK provider
// and the public runtime handle see them (docs/architecture.md, "Test
// control"). Everything here starts on first use from the environment.
#pragma once

#include <wskemu/operation.hpp>
#include <wskemu/policy.hpp>

#include <atomic>
#include <cstdint>
#include <string>

namespace wskemu::rt {

/// True while anything but the defaults is in force (a policy other than
/// natural, a fault rule, held calls, deterministic mode, recording): the
/// provider takes its slower, controlled path only then.
bool active() noexcept;
/// Recomputes active() after a change.
void refresh_active() noexcept;

/// Loads the environment's settings into every service, once; later calls do nothing.
void ensure_started();

/// The fault plan's verdict on one kernel allocation (the tracked allocator
/// asks before each); starts the runtime on first use.
bool allocation_fails(allocation_kind kind, const void* site);

/// What a completion policy means for one call.
struct call_choice {
    bool force_pending = false;  // a result known at once is delivered later, as a pending completion
    bool allow_nesting = false;  // may complete inline from inside one of our completion routines
    bool grace_wait = false;     // sends and receives wait a little for the host at IRQL < DISPATCH_LEVEL
    bool hold = false;           // the call waits, unstarted, for the test
};

/// The choice for a call of `op` on `socket` (nullptr for client-level calls).
call_choice choose(operation op, const void* socket);

/// The policy table (policy_table.cpp).
completion_policy lookup_policy(operation op, const void* socket);
void set_global_policy(completion_policy policy);
void set_operation_policy(operation op, completion_policy policy);
void set_socket_policy(const void* socket, completion_policy policy);
void set_socket_operation_policy(const void* socket, operation op, completion_policy policy);
/// A closed socket's settings go with it (its address may be reused).
void forget_socket_policies(const void* socket);
/// Back to the environment's WSKEMU_POLICY.
void reset_policies();
/// True if any setting differs from natural.
bool policies_active() noexcept;
/// "natural" or "send=pending,*=natural" (for describe()).
std::string describe_policies();
/// Parses a WSKEMU_POLICY value; false (and nothing changed) if it is malformed.
bool apply_policy_text(const std::string& text, std::string& error);

/// The inline policy's wait for the host, in milliseconds.
std::uint32_t inline_grace_ms() noexcept;
void set_inline_grace_ms(std::uint32_t ms) noexcept;

/// The seeded random sequences (random.cpp): one for policy coins, one for
/// the deterministic scheduler's order.
std::uint64_t seed() noexcept;
void set_seed(std::uint64_t seed);  // 0: a fresh one
std::uint64_t next_policy_random();
std::uint64_t next_order_random();
/// The seed WSKEMU_SEED gives, or a fresh one.
std::uint64_t environment_seed();

/// An environment variable's value, or "" when unset.
std::string environment(const char* name);

}  // namespace wskemu::rt
