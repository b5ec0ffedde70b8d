// wskemu: completion policies, globally, per operation, per socket and per
// socket and operation; the most specific wins.
#include "runtime/control.hpp"

#include <wskemu/operation.hpp>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace wskemu::rt {

namespace {

struct overrides {
    std::optional<completion_policy> all;
    std::array<std::optional<completion_policy>, operation_count> by_operation{};

    bool empty() const noexcept {
        if (all) {
            return false;
        }
        for (const auto& p : by_operation) {
            if (p) {
                return false;
            }
        }
        return true;
    }
};

struct policy_table {
    std::mutex mutex;
    completion_policy global = completion_policy::natural;
    overrides by_operation;  // `all` unused here
    std::unordered_map<const void*, overrides> by_socket;
    std::atomic<bool> non_default{false};
    std::atomic<std::uint32_t> grace_ms{50};
};

policy_table& table() {
    static auto* t = new policy_table;  // never destroyed: consulted by completions at exit
    return *t;
}

// Caller holds the mutex.
void update_active_locked(policy_table& t) {
    bool any = t.global != completion_policy::natural || !t.by_socket.empty();
    for (const auto& p : t.by_operation.by_operation) {
        any = any || (p && *p != completion_policy::natural);
    }
    t.non_default.store(any, std::memory_order_relaxed);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

completion_policy lookup_policy(operation op, const void* socket) {
    auto& t = table();
    if (!t.non_default.load(std::memory_order_relaxed)) {
        return completion_policy::natural;
    }
    std::lock_guard lock(t.mutex);
    const auto index = static_cast<std::size_t>(op);
    if (socket != nullptr) {
        if (auto it = t.by_socket.find(socket); it != t.by_socket.end()) {
            if (it->second.by_operation[index]) {
                return *it->second.by_operation[index];
            }
            if (it->second.all) {
                return *it->second.all;
            }
        }
    }
    if (t.by_operation.by_operation[index]) {
        return *t.by_operation.by_operation[index];
    }
    return t.global;
}

bool policies_active() noexcept { return table().non_default.load(std::memory_order_relaxed); }

void set_global_policy(completion_policy policy) {
    auto& t = table();
    {
        std::lock_guard lock(t.mutex);
        t.global = policy;
        update_active_locked(t);
    }
    refresh_active();
}

void set_operation_policy(operation op, completion_policy policy) {
    auto& t = table();
    {
        std::lock_guard lock(t.mutex);
        t.by_operation.by_operation[static_cast<std::size_t>(op)] = policy;
        update_active_locked(t);
    }
    refresh_active();
}

void set_socket_policy(const void* socket, completion_policy policy) {
    auto& t = table();
    {
        std::lock_guard lock(t.mutex);
        t.by_socket[socket].all = policy;
        update_active_locked(t);
    }
    refresh_active();
}

void set_socket_operation_policy(const void* socket, operation op, completion_policy policy) {
    auto& t = table();
    {
        std::lock_guard lock(t.mutex);
        t.by_socket[socket].by_operation[static_cast<std::size_t>(op)] = policy;
        update_active_locked(t);
    }
    refresh_active();
}

void forget_socket_policies(const void* socket) {
    auto& t = table();
    if (!t.non_default.load(std::memory_order_relaxed)) {
        return;
    }
    {
        std::lock_guard lock(t.mutex);
        t.by_socket.erase(socket);
        update_active_locked(t);
    }
    refresh_active();
}

bool apply_policy_text(const std::string& text, std::string& error) {
    // "hold", or "send=pending, receive=inline, *=natural".
    completion_policy global = completion_policy::natural;
    overrides per_operation;
    std::string_view rest = text;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string_view item = trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (item.empty()) {
            continue;
        }
        const auto equals = item.find('=');
        const std::string_view name = equals == std::string_view::npos ? std::string_view{"*"} : trim(item.substr(0, equals));
        const std::string_view value = equals == std::string_view::npos ? item : trim(item.substr(equals + 1));
        const auto policy = parse_policy(value);
        if (!policy) {
            error = "unknown completion policy '" + std::string(value) +
                    "' (natural, pending, inline, random or hold)";
            return false;
        }
        if (name == "*") {
            global = *policy;
        } else if (const auto op = parse_operation(name)) {
            per_operation.by_operation[static_cast<std::size_t>(*op)] = *policy;
        } else {
            error = "unknown operation '" + std::string(name) + "'";
            return false;
        }
    }
    auto& t = table();
    {
        std::lock_guard lock(t.mutex);
        t.global = global;
        t.by_operation = per_operation;
        update_active_locked(t);
    }
    refresh_active();
    return true;
}

void reset_policies() {
    auto& t = table();
    {
        std::lock_guard lock(t.mutex);
        t.global = completion_policy::natural;
        t.by_operation = overrides{};
        t.by_socket.clear();
        update_active_locked(t);
    }
    const std::string text = environment("WSKEMU_POLICY");
    std::string error;
    if (!text.empty() && !apply_policy_text(text, error)) {
        std::fprintf(stderr, "wskemu: WSKEMU_POLICY ignored: %s\n", error.c_str());
    }
    std::uint32_t grace = 50;
    if (const std::string g = environment("WSKEMU_INLINE_GRACE_MS"); !g.empty()) {
        grace = static_cast<std::uint32_t>(std::strtoul(g.c_str(), nullptr, 10));
    }
    t.grace_ms.store(grace, std::memory_order_relaxed);
    refresh_active();
}

std::string describe_policies() {
    auto& t = table();
    std::lock_guard lock(t.mutex);
    std::string text;
    for (std::size_t i = 0; i < operation_count; ++i) {
        if (const auto& p = t.by_operation.by_operation[i]) {
            text += std::string(operation_name(static_cast<operation>(i))) + "=" + std::string(policy_name(*p)) + ",";
        }
    }
    if (text.empty()) {
        text = std::string(policy_name(t.global));
    } else {
        text += "*=" + std::string(policy_name(t.global));
    }
    if (!t.by_socket.empty()) {
        text += " (+" + std::to_string(t.by_socket.size()) + " socket settings)";
    }
    return text;
}

std::uint32_t inline_grace_ms() noexcept { return table().grace_ms.load(std::memory_order_relaxed); }

void set_inline_grace_ms(std::uint32_t ms) noexcept { table().grace_ms.store(ms, std::memory_order_relaxed); }

call_choice choose(operation op, const void* socket) {
    call_choice choice;
    switch (lookup_policy(op, socket)) {
    case completion_policy::natural: break;
    case completion_policy::always_pending: choice.force_pending = true; break;
    case completion_policy::inline_when_possible:
        choice.allow_nesting = true;
        choice.grace_wait = true;
        break;
    case completion_policy::random:
        if ((next_policy_random() & 1) != 0) {
            choice.force_pending = true;
        } else {
            choice.allow_nesting = true;
        }
        break;
    case completion_policy::hold: choice.hold = true; break;
    }
    return choice;
}

}  // namespace wskemu::rt
