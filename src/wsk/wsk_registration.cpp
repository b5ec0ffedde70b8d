// wskemu: WSK registration, the five netio exports (see wsk_registration.hpp).
#include "wsk/wsk_registration.hpp"

#include "kernel/bug_check.hpp"
#include "kernel/caller_address.hpp"
#include "kernel/irql.hpp"
#include "kernel/log.hpp"
#include "wsk/wsk_provider.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_set>

namespace wskemu::wsk {

namespace {

// Marks a WSK_REGISTRATION this provider registered ("WSKEMU" + 1); the
// context pointer, checked against the live set, is what counts.
constexpr ULONGLONG registered_marker = 0x57534B454D550001ULL;

struct registry {
    std::mutex mutex;
    // Notified on every change a waiter may care about: captures, sockets,
    // calls in flight, availability, deregistration.
    std::condition_variable changed;
    std::unordered_set<registration_state*> live;
    bool provider_available = true;
    // A timed unavailability (test control): unavailable until then.
    std::chrono::steady_clock::time_point unavailable_until{};
    std::size_t blocked_captures = 0;
    std::chrono::milliseconds report_interval{5000};
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

[[noreturn]] void report_violation(ULONG_PTR subcode, const void* object, const std::string& why) {
    kernel::raise_bug_check(DRIVER_VERIFIER_DETECTED_VIOLATION, subcode, reinterpret_cast<ULONG_PTR>(object), 0, 0,
                            why);
}

void check_irql(KIRQL maximum, const char* function, const char* rule, void* caller) {
    const KIRQL irql = kernel::current_irql();
    if (irql > maximum) {
        kernel::raise_bug_check(IRQL_NOT_LESS_OR_EQUAL, 0, irql, 0, reinterpret_cast<ULONG_PTR>(caller),
                                fmt::format("{} at IRQL {}: {}", function, irql, rule));
    }
}

}  // namespace

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
    while (!r.changed.wait_for(lock, r.report_interval, idle)) {
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        kernel::log().warn("WskDeregister({}) has waited {} ms for {} capture(s) to be released "
                           "(WskReleaseProviderNPI), {} socket(s) to be closed and {} provider call(s) to return",
                           static_cast<void*>(block), waited.count(), registration_access::captures(state),
                           registration_access::open_sockets(state),
                           registration_access::calls_in_flight(state));
    }
    r.live.erase(&state);
    // Cleared so that the block can be registered again.
    std::memset(block, 0, sizeof(*block));
    lock.unlock();
    delete &state;
}

}  // namespace

registration_state::registration_state(PWSK_REGISTRATION block, const WSK_CLIENT_NPI& client_npi) noexcept
    : block_(block), client_context_(client_npi.ClientContext), client_dispatch_(client_npi.Dispatch) {}

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

client_call::client_call(PWSK_CLIENT client, const char* function) {
    registry& r = the_registry();
    std::lock_guard lock(r.mutex);
    auto* state = static_cast<registration_state*>(client);
    if (r.live.count(state) == 0) {
        report_violation(unknown_client, client,
                         fmt::format("{}: Client {} is not the PWSK_CLIENT of a live registration (it was never "
                                     "returned by WskCaptureProviderNPI, or its registration was deregistered)",
                                     function, client));
    }
    ++registration_access::calls_in_flight(*state);
    state_ = state;
}

client_call::~client_call() {
    registry& r = the_registry();
    std::lock_guard lock(r.mutex);
    if (--registration_access::calls_in_flight(*state_) == 0) {
        r.changed.notify_all();
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

std::chrono::milliseconds set_deregister_report_interval(std::chrono::milliseconds interval) {
    registry& r = the_registry();
    std::lock_guard lock(r.mutex);
    const auto previous = r.report_interval;
    r.report_interval = interval;
    return previous;
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
