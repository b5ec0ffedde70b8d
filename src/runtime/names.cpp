// wskemu: names of operations, allocation kinds and policies, as fault text,
// WSKEMU_POLICY and reports spell them.
#include <wskemu/operation.hpp>
#include <wskemu/policy.hpp>

#include <array>

namespace wskemu {

namespace {

constexpr std::array<std::string_view, operation_count> operation_names = {
    "socket",         "socket_connect",     "control_client",    "get_address_info", "get_name_info",
    "control_socket", "close",              "bind",              "connect",          "listen",
    "accept",         "inspect_complete",   "get_local_address", "get_remote_address", "send",
    "receive",        "disconnect",         "send_to",           "send_messages",    "receive_from",
    "accept_event",   "inspect_event",      "abort_event",       "receive_event",    "disconnect_event",
    "send_backlog_event", "receive_from_event",
};

}  // namespace

std::string_view operation_name(operation op) noexcept {
    const auto index = static_cast<std::size_t>(op);
    return index < operation_names.size() ? operation_names[index] : std::string_view{"unknown"};
}

std::optional<operation> parse_operation(std::string_view name) noexcept {
    if (name == "resolve") {
        return operation::get_address_info;
    }
    if (name == "control") {
        return operation::control_socket;
    }
    for (std::size_t i = 0; i < operation_names.size(); ++i) {
        if (operation_names[i] == name) {
            return static_cast<operation>(i);
        }
    }
    return std::nullopt;
}

std::string_view allocation_kind_name(allocation_kind kind) noexcept {
    switch (kind) {
    case allocation_kind::irp: return "irp";
    case allocation_kind::mdl: return "mdl";
    case allocation_kind::pool: return "pool";
    }
    return "unknown";
}

std::optional<allocation_kind> parse_allocation_kind(std::string_view name) noexcept {
    for (auto kind : {allocation_kind::irp, allocation_kind::mdl, allocation_kind::pool}) {
        if (allocation_kind_name(kind) == name) {
            return kind;
        }
    }
    return std::nullopt;
}

std::string_view policy_name(completion_policy policy) noexcept {
    switch (policy) {
    case completion_policy::natural: return "natural";
    case completion_policy::always_pending: return "pending";
    case completion_policy::inline_when_possible: return "inline";
    case completion_policy::random: return "random";
    case completion_policy::hold: return "hold";
    }
    return "unknown";
}

std::optional<completion_policy> parse_policy(std::string_view name) noexcept {
    if (name == "always_pending") {
        return completion_policy::always_pending;
    }
    if (name == "inline_when_possible") {
        return completion_policy::inline_when_possible;
    }
    for (auto policy : {completion_policy::natural, completion_policy::always_pending,
                        completion_policy::inline_when_possible, completion_policy::random,
                        completion_policy::hold}) {
        if (policy_name(policy) == name) {
            return policy;
        }
    }
    return std::nullopt;
}

}  // namespace wskemu
