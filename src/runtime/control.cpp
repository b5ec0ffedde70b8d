// wskemu: starting the runtime from the environment, and the flag that
// tells the provider whether any control is in force.
#include "runtime/control.hpp"

#include "runtime/allocation_sites.hpp"
#include "runtime/faults.hpp"
#include "runtime/scheduler.hpp"
#include "trace/hooks.hpp"

#include <atomic>
#include <mutex>

namespace wskemu::rt {

namespace {

std::atomic<bool> any_control{false};
std::once_flag started;
// Read first on every WSK call: an acquire load, where call_once costs a
// library call (docs/performance.md, "fifth session").
std::atomic<bool> start_done{false};

}  // namespace

bool active() noexcept { return any_control.load(std::memory_order_relaxed); }

void refresh_active() noexcept {
    any_control.store(policies_active() || faults_active() || deterministic(), std::memory_order_relaxed);
}

void ensure_started() {
    if (start_done.load(std::memory_order_acquire)) {
        return;
    }
    std::call_once(started, [] {
        reset_policies();
        reset_plan();
        const std::string deterministic_text = environment("WSKEMU_DETERMINISTIC");
        if (!deterministic_text.empty() && deterministic_text != "0") {
            set_deterministic(true);
        }
        refresh_active();
        trace::start_from_environment();
        start_done.store(true, std::memory_order_release);
    });
}

bool allocation_fails(allocation_kind kind, const void* site) {
    ensure_started();
    return match_allocation_fault(kind, site);
}

}  // namespace wskemu::rt
