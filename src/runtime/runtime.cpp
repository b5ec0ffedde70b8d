// wskemu: the public runtime handle (include/wskemu/runtime.hpp), over the
// runtime's services.
#include <wskemu/runtime.hpp>

#include "runtime/control.hpp"
#include "runtime/faults.hpp"
#include "runtime/holds.hpp"
#include "runtime/observer.hpp"
#include "runtime/scheduler.hpp"

#include <algorithm>
#include <thread>

namespace wskemu {


runtime::runtime() { rt::ensure_started(); }

runtime& runtime::instance() {
    static auto* r = new runtime;  // never destroyed: used by tests' static teardown
    return *r;
}

void runtime::reset() {
    rt::cancel_all_holds();
    rt::reset_policies();
    rt::set_seed(rt::environment_seed());
    rt::reset_plan();
    const std::string deterministic_text = rt::environment("WSKEMU_DETERMINISTIC");
    rt::set_deterministic(!deterministic_text.empty() && deterministic_text != "0");
    rt::reset_observations();
    rt::refresh_active();
}

void runtime::set_policy(completion_policy policy) { rt::set_global_policy(policy); }
void runtime::set_policy(operation op, completion_policy policy) { rt::set_operation_policy(op, policy); }
void runtime::set_policy(const void* socket, completion_policy policy) { rt::set_socket_policy(socket, policy); }
void runtime::set_policy(const void* socket, operation op, completion_policy policy) {
    rt::set_socket_operation_policy(socket, op, policy);
}
completion_policy runtime::policy(operation op, const void* socket) const { return rt::lookup_policy(op, socket); }

std::uint64_t runtime::seed() const { return rt::seed(); }
void runtime::set_seed(std::uint64_t seed) { rt::set_seed(seed); }

void runtime::set_deterministic(bool on) { rt::set_deterministic(on); }
bool runtime::deterministic() const { return rt::deterministic(); }
std::size_t runtime::poll() { return rt::poll_ready(); }
std::size_t runtime::run_until_idle(std::chrono::milliseconds timeout) { return rt::run_until_idle(timeout); }
bool runtime::run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    return rt::run_until(done, timeout);
}

void runtime::set_faults(const fault_plan& plan) { rt::set_plan(plan); }
void runtime::add_fault(const fault_rule& rule) { rt::add_rule(rule); }
void runtime::clear_faults() { rt::set_plan(fault_plan{}); }
fault_plan runtime::faults() const { return rt::current_plan(); }
void runtime::end_stall() { rt::end_stall(); }

std::vector<held_call> runtime::held() const {
    std::vector<held_call> out;
    for (const rt::held_info& h : rt::held_now()) {
        out.push_back(held_call(h.id, h.op, h.irp, h.socket));
    }
    return out;
}

std::vector<held_call> runtime::wait_for_held(std::size_t count, std::chrono::milliseconds timeout) {
    run_until([&] { return rt::held_now().size() >= count; }, timeout);
    return held();
}

std::size_t runtime::release_all() {
    std::size_t released = 0;
    for (const held_call& call : held()) {
        released += call.release() ? 1 : 0;
    }
    return released;
}

socket_stats runtime::stats(const void* socket) const { return rt::stats_of(socket); }
std::vector<socket_stats> runtime::all_stats() const { return rt::all_socket_stats(); }
std::uint64_t runtime::calls(operation op) const { return rt::completed_calls(op); }
std::vector<pending_irp_info> runtime::pending_irps() const { return rt::pending_irps_now(); }
void runtime::record_completions(bool on) { rt::set_recording(on); }
std::vector<completion_record> runtime::completions() const { return rt::recorded_completions(); }

void runtime::set_inline_grace(std::chrono::milliseconds grace) {
    rt::set_inline_grace_ms(static_cast<std::uint32_t>(std::max<long long>(0, grace.count())));
}

std::string runtime::describe() const {
    std::string text = "policy=" + rt::describe_policies() + " seed=" + std::to_string(rt::seed()) +
                       " deterministic=" + (rt::deterministic() ? "1" : "0");
    const fault_plan plan = rt::current_plan();
    if (!plan.empty()) {
        std::string rules;
        for (const fault_rule& rule : plan.rules()) {
            rules += (rules.empty() ? "" : "; ") + rule.to_string();
        }
        text += " faults=\"" + rules + "\"";
    }
    return text;
}

bool held_call::release() const {
    return rt::resume_held(id_, rt::hold_outcome{rt::hold_outcome::action::release, 0, 0});
}

bool held_call::complete(std::int32_t status, std::uint64_t information) const {
    return rt::resume_held(id_, rt::hold_outcome{rt::hold_outcome::action::complete, status, information});
}

bool held_call::cancel() const { return rt::cancel_held(id_); }

std::uint64_t socket_stats::calls_of(operation op) const noexcept {
    std::uint64_t total = 0;
    for (const call_count& c : calls) {
        total += c.op == op ? c.count : 0;
    }
    return total;
}

std::uint64_t socket_stats::calls_of(operation op, std::int32_t status) const noexcept {
    std::uint64_t total = 0;
    for (const call_count& c : calls) {
        total += c.op == op && c.status == status ? c.count : 0;
    }
    return total;
}

}  // namespace wskemu
