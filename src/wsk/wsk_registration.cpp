// wskemu: WSK registration, the five netio exports (see wsk_registration.hpp).
#include "wsk/wsk_registration.hpp"

#include "kernel/bug_check.hpp"
#include "kernel/caller_address.hpp"
#include "kernel/irql.hpp"
#include "kernel/log.hpp"
#include "kernel/verifier.hpp"
#include "wsk/wsk_provider.hpp"
#include "wsk/wsk_socket_base.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_set>
#include <utility>

namespace wskemu::wsk {

namespace {

// Marks a WSK_REGISTRATION this provider registered ("WSKEMU" + 1); the
// context pointer, checked against the live set, is what counts.
constexpr ULONGLONG registered_marker = 0x57534B454D550001ULL;

std::chrono::milliseconds initial_deregister_timeout() {
    if (const char* text = std::getenv("WSKEMU_VERIFIER_DEREGISTER_TIMEOUT_MS"); text != nullptr && *text != '\0') {
        char* end = nullptr;
        const unsigned long long ms = std::strtoull(text, &end, 10);
        if (end != nullptr && *end == '\0') {
            return std::chrono::milliseconds(ms);
        }
    }
    return std::chrono::milliseconds(10000);
}

struct registry {
    std::mutex mutex;
    // Notified on every change a waiter may care about: captures, sockets,
    // calls in flight, availability, deregistration.
    std::condition_variable changed;
    std::unordered_set<registration_state*> live;
    // Left behind by a WskDeregister that timed out (never freed: sockets and
    // calls may still point at them).
    std::unordered_set<registration_state*> abandoned;
    bool provider_available = true;
    // A timed unavailability (test control): unavailable until then.
    std::chrono::steady_clock::time_point unavailable_until{};
    std::size_t blocked_captures = 0;
    std::chrono::milliseconds report_interval{5000};
    std::chrono::milliseconds verifier_timeout{initial_deregister_timeout()};
};

registry& the_registry();

// Caller holds the registry's lock.
bool available_locked(const registry& r) {
    return r.provider_available && std::chrono::steady_clock::now() >= r.unavailable_until;
}

registry& the_registry() {
    // Leaked on purpose: a driver thread may still deregister during static
    // destruction.
    static registry* const instance = new registry;
    return *instance;
}

namespace verifier = kernel::verifier;

verifier::rule rule_of(ULONG_PTR subcode) {
    switch (subcode) {
    case registered_twice: return verifier::rule::wsk_registered_twice;
    case block_not_registered: return verifier::rule::wsk_not_registered;
    case released_more_than_captured: return verifier::rule::wsk_released_more_than_captured;
    case socket_count_underflow: return verifier::rule::wsk_socket_count_underflow;
    case unknown_client: return verifier::rule::wsk_unknown_client;
    default: return verifier::rule::wsk_deregistered_twice;
    }
}

// The function a report names: the text before the first ':'.
std::string function_of(const std::string& why) { return why.substr(0, why.find(':')); }

[[noreturn]] void report_violation(ULONG_PTR subcode, const void* object, const std::string& why) {
    auto details = verifier::with_parameters(subcode, reinterpret_cast<ULONG_PTR>(object));
    verifier::report_fatal(rule_of(subcode), function_of(why).c_str(), object, why, details);
}

}  // namespace

void check_irql(KIRQL maximum, const char* function, const char* rule, void* caller) {
    verifier::check_irql(function, maximum, caller, rule);
}

// Lookups and counter changes that need the registry's lock; a friend of
// registration_state so its counters stay private.
class registration_access {
public:
    static registration_state* find_locked(registry& r, PWSK_REGISTRATION block) noexcept {
        auto* state = static_cast<registration_state*>(block->ReservedRegistrationContext);
        // A block on the stack or in uninitialised pool holds garbage here:
        // only a pointer in the live set that points back counts.
        if (r.live.count(state) == 0 || state->block_ != block) {
            return nullptr;
        }
        return state;
    }

    // Finds the registration of a block for an export, or reports the
    // driver bug; the caller holds the lock.
    static registration_state& require_locked(registry& r, PWSK_REGISTRATION block, const char* function) {
        registration_state* state = find_locked(r, block);
        if (state == nullptr) {
            report_violation(block_not_registered, block,
                             fmt::format("{}: WSK_REGISTRATION {} is not registered (never registered, or "
                                         "already deregistered)",
                                         function, static_cast<void*>(block)));
        }
        return *state;
    }

    static std::size_t& captures(registration_state& s) noexcept { return s.captures_; }
    static std::size_t& open_sockets(registration_state& s) noexcept { return s.open_sockets_; }
    static std::size_t& calls_in_flight(registration_state& s) noexcept { return s.calls_in_flight_; }
    static bool& deregistering(registration_state& s) noexcept { return s.deregistering_; }
    static bool idle(const registration_state& s) noexcept {
        return s.captures_ == 0 && s.open_sockets_ == 0 && s.calls_in_flight_ == 0;
    }
};

namespace {

// Holds a registration for the duration of an export, like client_call
// does for provider functions, so that WskDeregister cannot free it under a
// woken capture.
class export_call {
public:
    export_call(PWSK_REGISTRATION block, const char* function) : lock_(the_registry().mutex) {
        state_ = &registration_access::require_locked(the_registry(), block, function);
        ++registration_access::calls_in_flight(*state_);
    }
    export_call(const export_call&) = delete;
    export_call& operator=(const export_call&) = delete;
    ~export_call() {
        if (--registration_access::calls_in_flight(*state_) == 0) {
            the_registry().changed.notify_all();
        }
    }

    registration_state& state() const noexcept { return *state_; }
    std::unique_lock<std::mutex>& lock() noexcept { return lock_; }

private:
    std::unique_lock<std::mutex> lock_;
    registration_state* state_ = nullptr;
};

NTSTATUS register_client(PWSK_CLIENT_NPI npi, PWSK_REGISTRATION block) {
    registry& r = the_registry();
    std::lock_guard lock(r.mutex);
    if (registration_access::find_locked(r, block) != nullptr) {
        report_violation(registered_twice, block,
                         fmt::format("WskRegister: WSK_REGISTRATION {} is already registered; each WskRegister "
                                     "needs its own block, and a block can be registered again only after "
                                     "WskDeregister",
                                     static_cast<void*>(block)));
    }
    auto* state = new (std::nothrow) registration_state(block, *npi);
    if (state == nullptr) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    try {
        r.live.insert(state);
    } catch (const std::bad_alloc&) {
        delete state;
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    block->ReservedRegistrationState = registered_marker;
    block->ReservedRegistrationContext = state;
    kernel::log().debug("WskRegister({}): client context {}, version {:#06x}", static_cast<void*>(block),
                        npi->ClientContext, npi->Dispatch->Version);
    return STATUS_SUCCESS;
}

NTSTATUS capture_provider(PWSK_REGISTRATION block, ULONG wait_timeout, PWSK_PROVIDER_NPI provider) {
    registry& r = the_registry();
    export_call call(block, "WskCaptureProviderNPI");
    registration_state& state = call.state();
    bool& deregistering = registration_access::deregistering(state);
    auto stop_waiting = [&] { return available_locked(r) || deregistering; };
    if (!stop_waiting() && wait_timeout != WSK_NO_WAIT) {
        ++r.blocked_captures;
        using clock = std::chrono::steady_clock;
        const auto deadline = wait_timeout == WSK_INFINITE_WAIT
                                  ? clock::time_point::max()
                                  : clock::now() + std::chrono::milliseconds(wait_timeout);
        while (!stop_waiting() && clock::now() < deadline) {
            // A timed unavailability ends without a notification: wake for it.
            const auto wake = r.provider_available ? std::min(deadline, r.unavailable_until) : deadline;
            if (wake == clock::time_point::max()) {
                r.changed.wait(call.lock());
            } else {
                r.changed.wait_until(call.lock(), wake);
            }
        }
        --r.blocked_captures;
    }
    if (deregistering || !available_locked(r)) {
        return STATUS_DEVICE_NOT_READY;
    }
    // Any 1.x client gets the 1.0 table: a higher minor with the same major
    // is a superset, and the provider reports the version it implements.
    const USHORT requested = state.client_dispatch()->Version;
    if (WSK_MAJOR_VERSION(requested) != WSK_MAJOR_VERSION(provider_version)) {
        kernel::log().debug("WskCaptureProviderNPI({}): client version {:#06x} not supported",
                            static_cast<void*>(block), requested);
        return STATUS_NOINTERFACE;
    }
    ++registration_access::captures(state);
    provider->Client = state.client();
    provider->Dispatch = &provider_dispatch();
    return STATUS_SUCCESS;
}

void release_provider(PWSK_REGISTRATION block) {
    export_call call(block, "WskReleaseProviderNPI");
    std::size_t& captures = registration_access::captures(call.state());
    if (captures == 0) {
        report_violation(released_more_than_captured, block,
                         fmt::format("WskReleaseProviderNPI: WSK_REGISTRATION {} has no outstanding capture; "
                                     "each successful WskCaptureProviderNPI is released exactly once",
                                     static_cast<void*>(block)));
    }
    if (--captures == 0) {
        the_registry().changed.notify_all();
    }
}

NTSTATUS query_characteristics(PWSK_REGISTRATION block, PWSK_PROVIDER_CHARACTERISTICS characteristics) {
    export_call call(block, "WskQueryProviderCharacteristics");
    if (registration_access::deregistering(call.state()) || !available_locked(the_registry())) {
        return STATUS_DEVICE_NOT_READY;
    }
    characteristics->HighestVersion = provider_version;
    characteristics->LowestVersion = provider_version;
    return STATUS_SUCCESS;
}

// What a blocked WskDeregister waits for: captures, and each open socket of
// the registration with its creation site.
std::string outstanding_text(registration_state& state, std::size_t captures, std::size_t sockets,
                             std::size_t calls) {
    std::string text = fmt::format("{} capture(s) not released (WskReleaseProviderNPI), {} socket(s) not closed "
                                   "(WskCloseSocket), {} provider call(s) not returned",
                                   captures, sockets, calls);
    for_each_live_socket([&](const socket_base& socket) {
        if (&socket.registration() == &state) {
            text += fmt::format("\n  socket {} ({}) created at:\n{}",
                                static_cast<const void*>(static_cast<const WSK_SOCKET*>(&socket)),
                                category_name(socket.category()), socket.creation_stack().to_string("    "));
        }
    });
    return text;
}

// WskDeregister has waited the verifier's timeout: reports
// wsk.deregister_blocked (in break mode that raises). Returns true if the
// registration was abandoned: then WskDeregister returns without freeing it
// (Windows would hang; a hung test tells nothing), the block is zeroed, and
// the registration shows in the leak check. Lock held on entry and return.
bool blocked_deregistration(registry& r, std::unique_lock<std::mutex>& lock, registration_state& state,
                            PWSK_REGISTRATION block, std::chrono::milliseconds waited) {
    const std::size_t captures = registration_access::captures(state);
    const std::size_t sockets = registration_access::open_sockets(state);
    const std::size_t calls = registration_access::calls_in_flight(state);
    lock.unlock();
    const std::string what = outstanding_text(state, captures, sockets, calls);
    verifier::report_details details;
    details.creation = &state.creation_stack();
    verifier::report(verifier::rule::wsk_deregister_blocked, "WskDeregister", block,
                     fmt::format("WskDeregister({}) has waited {} ms and would wait forever on Windows: {}; "
                                 "release every capture and close every socket before WskDeregister (it returns "
                                 "now and leaves the registration allocated)",
                                 static_cast<void*>(block), waited.count(), what),
                     details);
    lock.lock();
    if (registration_access::idle(state)) {
        return false;  // finished meanwhile: deregister normally
    }
    r.live.erase(&state);
    r.abandoned.insert(&state);
    std::memset(block, 0, sizeof(*block));
    r.changed.notify_all();
    return true;
}

void deregister_client(PWSK_REGISTRATION block) {
    registry& r = the_registry();
    std::unique_lock lock(r.mutex);
    registration_state& state = registration_access::require_locked(r, block, "WskDeregister");
    if (registration_access::deregistering(state)) {
        report_violation(deregistered_twice, block,
                         fmt::format("WskDeregister: WSK_REGISTRATION {} is already being deregistered by another "
                                     "thread; each WskRegister needs exactly one WskDeregister",
                                     static_cast<void*>(block)));
    }
    registration_access::deregistering(state) = true;
    r.changed.notify_all();  // blocked captures return STATUS_DEVICE_NOT_READY

    auto idle = [&] { return registration_access::idle(state); };
    const auto started = std::chrono::steady_clock::now();
    auto next_log = started + r.report_interval;
    const auto give_up = started + r.verifier_timeout;
    bool reported = false;
    while (!idle()) {
        const auto wake = reported ? next_log : std::min(next_log, give_up);
        if (r.changed.wait_until(lock, wake, idle)) {
            break;
        }
        const auto now = std::chrono::steady_clock::now();
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - started);
        if (now >= next_log) {
            next_log = now + r.report_interval;
            kernel::log().warn("WskDeregister({}) has waited {} ms for {} capture(s) to be released "
                               "(WskReleaseProviderNPI), {} socket(s) to be closed and {} provider call(s) to return",
                               static_cast<void*>(block), waited.count(), registration_access::captures(state),
                               registration_access::open_sockets(state),
                               registration_access::calls_in_flight(state));
        }
        if (!reported && now >= give_up && verifier::enabled(verifier::rule::wsk_deregister_blocked)) {
            reported = true;
            if (blocked_deregistration(r, lock, state, block, waited)) {
                return;  // abandoned: the registration stays allocated
            }
        }
    }
    r.live.erase(&state);
    // Cleared so that the block can be registered again.
    std::memset(block, 0, sizeof(*block));
    lock.unlock();
    delete &state;
}

}  // namespace

registration_state::registration_state(PWSK_REGISTRATION block, const WSK_CLIENT_NPI& client_npi) noexcept
    : block_(block), client_context_(client_npi.ClientContext), client_dispatch_(client_npi.Dispatch),
      creation_stack_(verifier::capture_stacks() ? common::stack_trace::capture(2) : common::stack_trace{}) {}

void registration_state::socket_opened() {
    std::lock_guard lock(the_registry().mutex);
    ++open_sockets_;
    ++sockets_ever_opened_;
}

void registration_state::socket_closed() {
    registry& r = the_registry();
    std::lock_guard lock(r.mutex);
    if (open_sockets_ == 0) {
        report_violation(socket_count_underflow, client(),
                         fmt::format("WSK client {}: a socket was closed but none is open", client()));
    }
    if (--open_sockets_ == 0) {
        r.changed.notify_all();
        if (r.abandoned.count(this) != 0 && registration_access::idle(*this)) {
            // Abandoned by a WskDeregister that timed out: nothing refers to it now.
            r.abandoned.erase(this);
            delete this;
        }
    }
}

std::size_t registration_state::open_sockets() const {
    // The lock is not re-entrant: code holding it reads the member through
    // registration_access instead.
    std::lock_guard lock(the_registry().mutex);
    return open_sockets_;
}

std::size_t registration_state::captures() const {
    std::lock_guard lock(the_registry().mutex);
    return captures_;
}

bool registration_state::deregistering() const {
    std::lock_guard lock(the_registry().mutex);
    return deregistering_;
}

NTSTATUS registration_state::set_static_event_callbacks(ULONG event_mask) {
    std::lock_guard lock(the_registry().mutex);
    if (sockets_ever_opened_ != 0) {
        return STATUS_INVALID_DEVICE_STATE;
    }
    static_callbacks_set_ = true;
    static_event_mask_ = event_mask;
    return STATUS_SUCCESS;
}

bool registration_state::has_static_event_callbacks() const {
    std::lock_guard lock(the_registry().mutex);
    return static_callbacks_set_;
}

ULONG registration_state::static_event_mask() const {
    std::lock_guard lock(the_registry().mutex);
    return static_event_mask_;
}

client_call::client_call(PWSK_CLIENT client, const char* function, KIRQL maximum_irql) {
    verifier::check_irql(function, maximum_irql, WSKEMU_CALLER());
    registry& r = the_registry();
    std::unique_lock lock(r.mutex);
    auto* state = static_cast<registration_state*>(client);
    if (r.live.count(state) == 0) {
        lock.unlock();
        report_violation(unknown_client, client,
                         fmt::format("{}: Client {} is not the PWSK_CLIENT of a live registration (it was never "
                                     "returned by WskCaptureProviderNPI, or its registration was deregistered)",
                                     function, client));
    }
    ++registration_access::calls_in_flight(*state);
    state_ = state;
    if (registration_access::captures(*state) == 0 && verifier::enabled(verifier::rule::wsk_call_without_capture)) {
        lock.unlock();
        try {
            verifier::report_details details;
            details.creation = &state->creation_stack();
            verifier::report(verifier::rule::wsk_call_without_capture, function, client,
                             fmt::format("{}: the provider NPI of WSK_REGISTRATION {} is not captured (every "
                                         "WskCaptureProviderNPI was released): capture it again, or keep it "
                                         "captured while you use its dispatch table",
                                         function, static_cast<void*>(state->block())));
        } catch (...) {
            // Break mode: the call does not happen; let go of the registration.
            std::lock_guard relock(r.mutex);
            if (--registration_access::calls_in_flight(*state) == 0) {
                r.changed.notify_all();
            }
            throw;
        }
    }
}

client_call::~client_call() {
    registry& r = the_registry();
    std::lock_guard lock(r.mutex);
    if (--registration_access::calls_in_flight(*state_) == 0) {
        r.changed.notify_all();
        if (r.abandoned.count(state_) != 0 && registration_access::idle(*state_)) {
            r.abandoned.erase(state_);
            delete state_;
        }
    }
}

void set_provider_available(bool available) {
    registry& r = the_registry();
    std::lock_guard lock(r.mutex);
    r.provider_available = available;
    r.unavailable_until = {};
    r.changed.notify_all();
}

void set_provider_unavailable_for(std::chrono::milliseconds duration) {
    registry& r = the_registry();
    std::lock_guard lock(r.mutex);
    r.unavailable_until = std::chrono::steady_clock::now() + duration;
    r.changed.notify_all();
}

bool provider_available() {
    registry& r = the_registry();
    std::lock_guard lock(r.mutex);
    return available_locked(r);
}

std::size_t blocked_captures() {
    registry& r = the_registry();
    std::lock_guard lock(r.mutex);
    return r.blocked_captures;
}

bool deregistration_begun(PWSK_REGISTRATION block) {
    registry& r = the_registry();
    std::lock_guard lock(r.mutex);
    registration_state* state = registration_access::find_locked(r, block);
    return state != nullptr && registration_access::deregistering(*state);
}

registration_state* find_registration(PWSK_REGISTRATION block) {
    registry& r = the_registry();
    std::lock_guard lock(r.mutex);
    return registration_access::find_locked(r, block);
}

std::vector<registration_snapshot> live_registrations() {
    registry& r = the_registry();
    std::lock_guard lock(r.mutex);
    std::vector<registration_snapshot> out;
    for (bool abandoned : {false, true}) {
        for (registration_state* state : abandoned ? r.abandoned : r.live) {
            out.push_back({state->block(), registration_access::captures(*state),
                           registration_access::open_sockets(*state), abandoned, state->creation_stack()});
        }
    }
    return out;
}

namespace {

// Sets one of the registry's durations; returns the previous value.
std::chrono::milliseconds exchange_duration(std::chrono::milliseconds registry::*member,
                                            std::chrono::milliseconds value) {
    registry& r = the_registry();
    std::lock_guard lock(r.mutex);
    return std::exchange(r.*member, value);
}

}  // namespace

std::chrono::milliseconds set_deregister_timeout(std::chrono::milliseconds timeout) {
    return exchange_duration(&registry::verifier_timeout, timeout);
}

std::chrono::milliseconds set_deregister_report_interval(std::chrono::milliseconds interval) {
    return exchange_duration(&registry::report_interval, interval);
}

}  // namespace wskemu::wsk

using namespace wskemu::wsk;

/* WskRegister (netio) */
extern "C" NTSTATUS NTAPI WskRegister(PWSK_CLIENT_NPI WskClientNpi, PWSK_REGISTRATION WskRegistration) {
    wskemu::kernel::log().trace("WskRegister({}, {})", static_cast<void*>(WskClientNpi),
                                static_cast<void*>(WskRegistration));
    check_irql(PASSIVE_LEVEL, "WskRegister", "callable only at PASSIVE_LEVEL", WSKEMU_CALLER());
    if (WskClientNpi == nullptr || WskRegistration == nullptr || WskClientNpi->Dispatch == nullptr ||
        WskClientNpi->Dispatch->Reserved != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    return register_client(WskClientNpi, WskRegistration);
}

/* WskCaptureProviderNPI (netio) */
extern "C" NTSTATUS NTAPI WskCaptureProviderNPI(PWSK_REGISTRATION WskRegistration, ULONG WaitTimeout,
                                                PWSK_PROVIDER_NPI WskProviderNpi) {
    wskemu::kernel::log().trace("WskCaptureProviderNPI({}, {:#x}, {})", static_cast<void*>(WskRegistration),
                                WaitTimeout, static_cast<void*>(WskProviderNpi));
    if (WaitTimeout == WSK_NO_WAIT) {
        check_irql(DISPATCH_LEVEL, "WskCaptureProviderNPI", "callable at most at DISPATCH_LEVEL",
                   WSKEMU_CALLER());
    } else {
        check_irql(PASSIVE_LEVEL, "WskCaptureProviderNPI",
                   "a WaitTimeout other than WSK_NO_WAIT is allowed only at PASSIVE_LEVEL", WSKEMU_CALLER());
    }
    if (WskRegistration == nullptr || WskProviderNpi == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return capture_provider(WskRegistration, WaitTimeout, WskProviderNpi);
}

/* WskReleaseProviderNPI (netio) */
extern "C" VOID NTAPI WskReleaseProviderNPI(PWSK_REGISTRATION WskRegistration) {
    wskemu::kernel::log().trace("WskReleaseProviderNPI({})", static_cast<void*>(WskRegistration));
    check_irql(DISPATCH_LEVEL, "WskReleaseProviderNPI", "callable at most at DISPATCH_LEVEL",
               WSKEMU_CALLER());
    if (WskRegistration == nullptr) {
        report_violation(block_not_registered, nullptr, "WskReleaseProviderNPI: WskRegistration is NULL");
    }
    release_provider(WskRegistration);
}

/* WskQueryProviderCharacteristics (netio) */
extern "C" NTSTATUS NTAPI WskQueryProviderCharacteristics(PWSK_REGISTRATION WskRegistration,
                                                          PWSK_PROVIDER_CHARACTERISTICS WskProviderCharacteristics) {
    check_irql(DISPATCH_LEVEL, "WskQueryProviderCharacteristics", "callable at most at DISPATCH_LEVEL",
               WSKEMU_CALLER());
    if (WskRegistration == nullptr || WskProviderCharacteristics == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return query_characteristics(WskRegistration, WskProviderCharacteristics);
}

/* WskDeregister (netio): blocks until captures, sockets and provider calls
 * of the registration are gone. */
extern "C" VOID NTAPI WskDeregister(PWSK_REGISTRATION WskRegistration) {
    wskemu::kernel::log().trace("WskDeregister({})", static_cast<void*>(WskRegistration));
    check_irql(PASSIVE_LEVEL, "WskDeregister", "callable only at PASSIVE_LEVEL (it blocks)",
               WSKEMU_CALLER());
    if (WskRegistration == nullptr) {
        report_violation(block_not_registered, nullptr, "WskDeregister: WskRegistration is NULL");
    }
    deregister_client(WskRegistration);
}
