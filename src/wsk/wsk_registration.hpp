// wskemu: WSK registration (netio's WskRegister, WskCaptureProviderNPI,
// WskReleaseProviderNPI, WskQueryProviderCharacteristics, WskDeregister) and
// the per-registration state that the provider functions share.
//
// Each successful WskRegister creates one registration_state on the C++ heap
// (outside the driver's pool accounting: a real provider does not charge the
// driver for it). The driver's WSK_REGISTRATION points at it through
// ReservedRegistrationContext, and the PWSK_CLIENT handed out by
// WskCaptureProviderNPI is its address. One process-wide lock guards every
// registration's counters: registration calls are rare, and one lock keeps
// WskDeregister's wait free of lock-order questions.
#pragma once

#include <wsk.h>

#include "common/stack_trace.hpp"

#include <chrono>
#include <cstddef>
#include <vector>

namespace wskemu::wsk {

/// Verifier sub-codes (parameter 1 of DRIVER_VERIFIER_DETECTED_VIOLATION,
/// 0xC4) for WSK registration misuse; parameter 2 is the WSK_REGISTRATION or
/// the client handle.
enum registration_violation : ULONG_PTR {
    registered_twice = 0x3001,            // WskRegister on a block still registered
    block_not_registered = 0x3002,        // a netio export on a block that is not registered
    released_more_than_captured = 0x3003, // WskReleaseProviderNPI without an outstanding capture
    socket_count_underflow = 0x3004,      // socket_closed() without a matching socket_opened()
    unknown_client = 0x3005,              // a provider function called with a PWSK_CLIENT that is not live
    deregistered_twice = 0x3006,          // WskDeregister while another WskDeregister of the block runs
};

/// State of one WskRegister, alive until its WskDeregister returns.
class registration_state {
public:
    registration_state(PWSK_REGISTRATION block, const WSK_CLIENT_NPI& client_npi) noexcept;
    registration_state(const registration_state&) = delete;
    registration_state& operator=(const registration_state&) = delete;

    /// The driver's WSK_REGISTRATION.
    PWSK_REGISTRATION block() const noexcept { return block_; }
    /// WSK_CLIENT_NPI.ClientContext given to WskRegister.
    PVOID client_context() const noexcept { return client_context_; }
    /// WSK_CLIENT_NPI.Dispatch given to WskRegister (the driver keeps it alive).
    const WSK_CLIENT_DISPATCH* client_dispatch() const noexcept { return client_dispatch_; }
    /// The opaque PWSK_CLIENT of this registration (WSK_PROVIDER_NPI.Client).
    PWSK_CLIENT client() noexcept { return this; }

    /// For the socket code: a socket of this registration now exists.
    /// WskDeregister waits until every opened socket is closed again.
    void socket_opened();
    /// For the socket code: a socket of this registration was freed
    /// (WskCloseSocket). Must not touch this object afterwards: the last close
    /// may let a waiting WskDeregister free it at once.
    void socket_closed();
    /// Sockets currently open.
    std::size_t open_sockets() const;
    /// Outstanding WskCaptureProviderNPI successes. A hook for the verifier:
    /// a provider function called while this is 0 is a driver bug (the
    /// WSK_PROVIDER_DISPATCH may only be used between capture and release);
    /// nothing enforces that yet.
    std::size_t captures() const;
    /// True once WskDeregister has begun.
    bool deregistering() const;
    /// Where WskRegister was called, for verifier reports.
    const common::stack_trace& creation_stack() const noexcept { return creation_stack_; }

    /// WSK_SET_STATIC_EVENT_CALLBACKS: stores the mask, or fails with
    /// STATUS_INVALID_DEVICE_STATE once any socket was ever opened on this
    /// registration (the client must set them before it creates sockets).
    NTSTATUS set_static_event_callbacks(ULONG event_mask);
    /// True if WSK_SET_STATIC_EVENT_CALLBACKS succeeded; the mask it stored.
    bool has_static_event_callbacks() const;
    ULONG static_event_mask() const;

private:
    friend class registration_access;

    PWSK_REGISTRATION block_;
    PVOID client_context_;
    const WSK_CLIENT_DISPATCH* client_dispatch_;
    common::stack_trace creation_stack_;
    // Guarded by the registry lock.
    std::size_t captures_ = 0;
    std::size_t open_sockets_ = 0;
    std::size_t sockets_ever_opened_ = 0;
    std::size_t calls_in_flight_ = 0;
    bool deregistering_ = false;
    bool static_callbacks_set_ = false;
    ULONG static_event_mask_ = 0;
};

/// Bug check IRQL_NOT_LESS_OR_EQUAL (0xA; P2 = the IRQL, P4 = `caller`)
/// naming `function` and `rule` when the calling thread runs above `maximum`.
void check_irql(KIRQL maximum, const char* function, const char* rule, void* caller);

/// A provider function's hold on the registration behind a PWSK_CLIENT, for
/// the duration of the call: WskDeregister waits until every such call has
/// returned, as Windows does. Construction reports a bug check
/// (DRIVER_VERIFIER_DETECTED_VIOLATION, unknown_client) for a handle that is
/// not a live registration: never captured, or deregistered.
class client_call {
public:
    /// Also checks the IRQL (at most @p maximum_irql, rule
    /// irql.function_maximum) and that a capture is outstanding (rule
    /// wsk.call_without_capture).
    client_call(PWSK_CLIENT client, const char* function, KIRQL maximum_irql = DISPATCH_LEVEL);
    client_call(const client_call&) = delete;
    client_call& operator=(const client_call&) = delete;
    ~client_call();

    /// The registration; valid while this object lives.
    registration_state& registration() const noexcept { return *state_; }

private:
    registration_state* state_;
};

/// Test control: makes the provider unavailable (false) or available again
/// (true, the default), like a netio provider not attached yet. While it is
/// unavailable WskCaptureProviderNPI with WSK_NO_WAIT returns
/// STATUS_DEVICE_NOT_READY at once, a finite timeout waits up to that long
/// for availability, WSK_INFINITE_WAIT waits until availability or
/// deregistration, and WskQueryProviderCharacteristics returns
/// STATUS_DEVICE_NOT_READY.
void set_provider_available(bool available);
/// Test control: the provider is unavailable for `duration` from now, then
/// available again without further calls (WskCaptureProviderNPI callers
/// waiting with a timeout see it come back).
void set_provider_unavailable_for(std::chrono::milliseconds duration);
/// Whether the provider is available (see set_provider_available).
bool provider_available();

/// For tests: threads currently blocked in WskCaptureProviderNPI waiting for
/// the provider to become available.
std::size_t blocked_captures();
/// For tests: true if @p block is registered and its WskDeregister has begun.
bool deregistration_begun(PWSK_REGISTRATION block);
/// For tests: the registration of a registered block, or nullptr. Valid only
/// while the test keeps the block registered.
registration_state* find_registration(PWSK_REGISTRATION block);
/// How often a blocked WskDeregister logs what it waits for (5 s by default).
/// Returns the previous interval.
std::chrono::milliseconds set_deregister_report_interval(std::chrono::milliseconds interval);

/// What the leak check sees of a registration that is still alive.
struct registration_snapshot {
    PWSK_REGISTRATION block;
    std::size_t captures;
    std::size_t open_sockets;
    bool abandoned;  // WskDeregister gave up waiting for it (see docs/verifier.md)
    common::stack_trace creation_stack;
};
/// Every registration still alive: registered, or abandoned by a
/// WskDeregister that timed out.
std::vector<registration_snapshot> live_registrations();

/// How long WskDeregister waits before it reports wsk.deregister_blocked
/// (default 10 s, or WSKEMU_VERIFIER_DEREGISTER_TIMEOUT_MS). Returns the
/// previous value.
std::chrono::milliseconds set_deregister_timeout(std::chrono::milliseconds timeout);

}  // namespace wskemu::wsk
