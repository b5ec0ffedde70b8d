// wskemu: the fault plan in force: rule matching with per-rule counters.
#include "runtime/faults.hpp"

#include <wskemu/status.hpp>

#include "runtime/allocation_sites.hpp"
#include "runtime/control.hpp"
#include "runtime/holds.hpp"
#include "wsk/wsk_registration.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

namespace wskemu::rt {

namespace {

using clock = std::chrono::steady_clock;

struct rule_state {
    fault_rule rule;
    std::uint64_t seen = 0;   // matching calls, allocations or events counted so far
    clock::time_point start;  // when the rule was installed (stalls, unavailability)
    bool ended = false;       // a stall ended by end_stall()
};

struct fault_engine {
    std::mutex mutex;
    std::vector<rule_state> rules;
    std::atomic<bool> any{false};
    std::atomic<bool> any_allocation{false};
};

fault_engine& engine() {
    static auto* e = new fault_engine;  // never destroyed: allocations consult it at exit
    return *e;
}

bool socket_matches(const fault_rule& rule, const void* socket) {
    return rule.socket == nullptr || rule.socket == socket;
}

// Counts one more matching event for `state`; true if the count falls in the rule's window.
bool count_and_check(rule_state& state) {
    const std::uint64_t n = ++state.seen;
    return n >= state.rule.first && (state.rule.count == 0 || n < state.rule.first + state.rule.count);
}

bool stall_active(const rule_state& state, clock::time_point now) {
    return !state.ended && (state.rule.duration.count() == 0 || now < state.start + state.rule.duration);
}

// Caller holds the mutex.
void update_flags_locked(fault_engine& e) {
    bool allocation = false;
    for (const rule_state& s : e.rules) {
        allocation = allocation || s.rule.kind == fault_kind::fail_allocation;
    }
    e.any.store(!e.rules.empty(), std::memory_order_relaxed);
    e.any_allocation.store(allocation, std::memory_order_relaxed);
}

// Starts what a rule does at installation. Caller holds the mutex.
void install_locked(fault_engine& e, const fault_rule& rule) {
    rule_state state;
    state.rule = rule;
    state.start = clock::now();
    e.rules.push_back(state);
    if (rule.kind == fault_kind::provider_unavailable) {
        wsk::set_provider_unavailable_for(rule.duration);
    }
}

void schedule_stall_end(const fault_rule& rule) {
    if (rule.kind == fault_kind::stall_sends && rule.duration.count() > 0) {
        schedule_stall_release(clock::now() + rule.duration);
    }
}

}  // namespace

bool faults_active() noexcept { return engine().any.load(std::memory_order_relaxed); }

std::optional<injected_failure> match_call_fault(operation op, const void* socket) {
    auto& e = engine();
    if (!e.any.load(std::memory_order_relaxed)) {
        return std::nullopt;
    }
    std::optional<injected_failure> result;
    std::lock_guard lock(e.mutex);
    for (rule_state& state : e.rules) {
        const fault_rule& rule = state.rule;
        if (rule.kind != fault_kind::fail_call || rule.op != op || !socket_matches(rule, socket)) {
            continue;
        }
        if (count_and_check(state) && !result) {
            result = injected_failure{rule.status, rule.timing == fault_timing::at_completion};
        }
    }
    return result;
}

bool match_allocation_fault(allocation_kind kind, const void* site) {
    note_allocation_site(kind, site);
    auto& e = engine();
    if (!e.any_allocation.load(std::memory_order_relaxed)) {
        return false;
    }
    bool fail = false;
    std::lock_guard lock(e.mutex);
    for (rule_state& state : e.rules) {
        const fault_rule& rule = state.rule;
        if (rule.kind != fault_kind::fail_allocation || rule.allocation != kind ||
            (rule.site != nullptr && rule.site != site)) {
            continue;
        }
        fail = count_and_check(state) || fail;
    }
    return fail;
}

byte_marks marks_for(const void* socket) {
    byte_marks marks;
    auto& e = engine();
    if (!e.any.load(std::memory_order_relaxed)) {
        return marks;
    }
    std::lock_guard lock(e.mutex);
    for (const rule_state& state : e.rules) {
        const fault_rule& rule = state.rule;
        if (!socket_matches(rule, socket)) {
            continue;
        }
        switch (rule.kind) {
        case fault_kind::peer_reset_after_sent:
            marks.reset_after_sent = std::min(marks.reset_after_sent, rule.bytes);
            break;
        case fault_kind::peer_reset_after_received:
            marks.reset_after_received = std::min(marks.reset_after_received, rule.bytes);
            break;
        case fault_kind::peer_close_after_received:
            marks.close_after_received = std::min(marks.close_after_received, rule.bytes);
            break;
        case fault_kind::short_receives:
            marks.short_receive = std::min(marks.short_receive, std::max<std::uint64_t>(rule.bytes, 1));
            break;
        default: break;
        }
    }
    return marks;
}

bool sends_stalled(const void* socket) {
    auto& e = engine();
    if (!e.any.load(std::memory_order_relaxed)) {
        return false;
    }
    const auto now = clock::now();
    std::lock_guard lock(e.mutex);
    for (const rule_state& state : e.rules) {
        if (state.rule.kind == fault_kind::stall_sends && socket_matches(state.rule, socket) &&
            stall_active(state, now)) {
            return true;
        }
    }
    return false;
}

void end_stall() {
    {
        auto& e = engine();
        std::lock_guard lock(e.mutex);
        for (rule_state& state : e.rules) {
            if (state.rule.kind == fault_kind::stall_sends) {
                state.ended = true;
            }
        }
    }
    release_stalled_sends();
}

std::chrono::milliseconds completion_delay(operation op, const void* socket) {
    auto& e = engine();
    std::chrono::milliseconds delay{0};
    if (!e.any.load(std::memory_order_relaxed)) {
        return delay;
    }
    std::lock_guard lock(e.mutex);
    for (const rule_state& state : e.rules) {
        if (state.rule.kind == fault_kind::delay_completions && state.rule.op == op &&
            socket_matches(state.rule, socket)) {
            delay = std::max(delay, state.rule.duration);
        }
    }
    return delay;
}

bool take_null_indication(operation event, const void* socket) {
    auto& e = engine();
    if (!e.any.load(std::memory_order_relaxed)) {
        return false;
    }
    bool hit = false;
    std::lock_guard lock(e.mutex);
    for (rule_state& state : e.rules) {
        if (state.rule.kind == fault_kind::null_indication && state.rule.op == event &&
            socket_matches(state.rule, socket)) {
            hit = count_and_check(state) || hit;
        }
    }
    return hit;
}

void set_plan(const fault_plan& plan) {
    release_stalled_sends();  // a stall of the old plan ends with it
    auto& e = engine();
    {
        std::lock_guard lock(e.mutex);
        e.rules.clear();
        for (const fault_rule& rule : plan.rules()) {
            install_locked(e, rule);
        }
        update_flags_locked(e);
    }
    for (const fault_rule& rule : plan.rules()) {
        schedule_stall_end(rule);
    }
    refresh_active();
}

void add_rule(const fault_rule& rule) {
    auto& e = engine();
    {
        std::lock_guard lock(e.mutex);
        install_locked(e, rule);
        update_flags_locked(e);
    }
    schedule_stall_end(rule);
    refresh_active();
}

fault_plan current_plan() {
    auto& e = engine();
    std::lock_guard lock(e.mutex);
    fault_plan plan;
    for (const rule_state& state : e.rules) {
        plan.add(state.rule);
    }
    return plan;
}

void reset_plan() {
    std::string text = environment("WSKEMU_FAULTS");
    if (const std::string file = environment("WSKEMU_FAULTS_FILE"); !file.empty()) {
        std::ifstream in(file);
        if (!in) {
            std::fprintf(stderr, "wskemu: WSKEMU_FAULTS_FILE '%s' cannot be read; no fault plan\n", file.c_str());
        } else {
            std::stringstream contents;
            contents << in.rdbuf();
            text += "\n" + contents.str();
        }
    }
    const auto parsed = parse_fault_plan(text);
    if (!parsed.ok()) {
        std::fprintf(stderr, "wskemu: fault plan from the environment ignored: %s\n", parsed.error.c_str());
    }
    wsk::set_provider_available(true);  // an unavailability of the old plan ends with it
    set_plan(parsed.ok() ? parsed.plan : fault_plan{});
}

std::optional<std::int32_t> parse_status(std::string_view text) {
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        std::uint64_t value = 0;
        for (char c : text.substr(2)) {
            const int digit = c >= '0' && c <= '9'   ? c - '0'
                              : c >= 'a' && c <= 'f' ? c - 'a' + 10
                              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                     : -1;
            if (digit < 0 || value > 0xFFFFFFFFull) {
                return std::nullopt;
            }
            value = value * 16 + static_cast<std::uint64_t>(digit);
        }
        if (value > 0xFFFFFFFFull) {
            return std::nullopt;
        }
        return static_cast<std::int32_t>(static_cast<std::uint32_t>(value));
    }
    return status_from_name(text);
}

}  // namespace wskemu::rt
