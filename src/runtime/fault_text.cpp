// wskemu: building fault rules, and fault text both ways.
#include <wskemu/fault_plan.hpp>
#include <wskemu/status.hpp>

#include "runtime/faults.hpp"

#include <cctype>
#include <cstdio>
#include <charconv>
#include <string>
#include <vector>

namespace wskemu {

namespace {

constexpr std::int32_t status_connection_refused = static_cast<std::int32_t>(0xC0000236);

fault_rule make(fault_kind kind) {
    fault_rule rule;
    rule.kind = kind;
    return rule;
}

std::string count_text(const fault_rule& rule) {
    if (rule.first == 1 && rule.count == 0) {
        return "#*";
    }
    if (rule.count == 0) {
        return "#" + std::to_string(rule.first) + "+";
    }
    if (rule.count == 1) {
        return "#" + std::to_string(rule.first);
    }
    return "#" + std::to_string(rule.first) + ".." + std::to_string(rule.first + rule.count - 1);
}

std::string duration_text(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

std::string status_text(std::int32_t status) {
    const std::string_view name = status_name(status);
    if (!name.empty()) {
        return std::string(name);
    }
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "0x%08X", static_cast<unsigned>(status));
    return buffer;
}

bool parse_number(std::string_view text, std::uint64_t& out) {
    if (text.empty()) {
        return false;
    }
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        base = 16;
    }
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
    return ec == std::errc{} && end == text.data() + text.size();
}

bool parse_duration(std::string_view text, std::chrono::milliseconds& out) {
    std::uint64_t n = 0;
    if (text.size() > 2 && text.substr(text.size() - 2) == "ms" && parse_number(text.substr(0, text.size() - 2), n)) {
        out = std::chrono::milliseconds(n);
        return true;
    }
    if (text.size() > 1 && text.back() == 's' && parse_number(text.substr(0, text.size() - 1), n)) {
        out = std::chrono::seconds(n);
        return true;
    }
    return false;
}

// "send#3+" -> name "send", first 3, count 0.
bool split_count(std::string_view word, std::string_view& name, fault_rule& rule, std::string& error) {
    const auto hash = word.find('#');
    name = word.substr(0, hash);
    if (hash == std::string_view::npos) {
        return true;
    }
    std::string_view count = word.substr(hash + 1);
    if (count == "*") {
        rule = rule.every();
        return true;
    }
    if (!count.empty() && count.back() == '+') {
        std::uint64_t n = 0;
        if (!parse_number(count.substr(0, count.size() - 1), n) || n == 0) {
            error = "bad count '" + std::string(word) + "'";
            return false;
        }
        rule = rule.from(n);
        return true;
    }
    if (const auto dots = count.find(".."); dots != std::string_view::npos) {
        std::uint64_t a = 0;
        std::uint64_t b = 0;
        if (!parse_number(count.substr(0, dots), a) || !parse_number(count.substr(dots + 2), b) || a == 0 || b < a) {
            error = "bad count '" + std::string(word) + "'";
            return false;
        }
        rule = rule.nth(a).times(b - a + 1);
        return true;
    }
    std::uint64_t n = 0;
    if (!parse_number(count, n) || n == 0) {
        error = "bad count '" + std::string(word) + "'";
        return false;
    }
    rule = rule.nth(n);
    return true;
}

std::vector<std::string_view> words_of(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) {
            ++i;
        }
        std::size_t j = i;
        while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) {
            ++j;
        }
        if (j > i) {
            words.push_back(line.substr(i, j - i));
        }
        i = j;
    }
    return words;
}

bool parse_rule(const std::vector<std::string_view>& w, fault_rule& rule, std::string& error) {
    const std::string_view verb = w[0];
    auto need = [&](std::size_t n) {
        if (w.size() != n) {
            error = "'" + std::string(verb) + "' takes " + std::to_string(n - 1) + " argument(s)";
            return false;
        }
        return true;
    };
    std::uint64_t n = 0;
    std::chrono::milliseconds d{0};
    if (verb == "fail") {
        if (w.size() < 3 || w.size() > 4) {
            error = "'fail' takes OP[COUNT] STATUS [at_completion]";
            return false;
        }
        std::string_view name;
        rule = fault::fail(operation::send);
        if (!split_count(w[1], name, rule, error)) {
            return false;
        }
        const auto op = parse_operation(name);
        if (!op || is_event(*op)) {
            error = "unknown call '" + std::string(name) + "'";
            return false;
        }
        rule.op = *op;
        const auto status = rt::parse_status(w[2]);
        if (!status) {
            error = "unknown status '" + std::string(w[2]) + "'";
            return false;
        }
        rule = rule.with(*status);
        if (w.size() == 4) {
            if (w[3] != "at_completion") {
                error = "expected 'at_completion', not '" + std::string(w[3]) + "'";
                return false;
            }
            rule = rule.at_completion();
        }
        return true;
    }
    if (verb == "fail_alloc") {
        if (!need(2)) {
            return false;
        }
        std::string_view name;
        rule = fault::fail_allocation(allocation_kind::pool);
        if (!split_count(w[1], name, rule, error)) {
            return false;
        }
        const auto kind = parse_allocation_kind(name);
        if (!kind) {
            error = "unknown allocation '" + std::string(name) + "' (irp, mdl or pool)";
            return false;
        }
        rule.allocation = *kind;
        return true;
    }
    if (verb == "refuse_connections") {
        rule = fault::refuse_connections();
        return need(1);
    }
    if (verb == "peer_reset_after_sent" || verb == "peer_reset_after_received" ||
        verb == "peer_close_after_received" || verb == "short_receives") {
        if (!need(2)) {
            return false;
        }
        if (!parse_number(w[1], n)) {
            error = "bad byte count '" + std::string(w[1]) + "'";
            return false;
        }
        rule = verb == "peer_reset_after_sent"       ? fault::peer_reset_after_sent(n)
               : verb == "peer_reset_after_received" ? fault::peer_reset_after_received(n)
               : verb == "peer_close_after_received" ? fault::peer_close_after_received(n)
                                                     : fault::short_receives(n);
        return true;
    }
    if (verb == "stall_sends") {
        if (w.size() > 2) {
            error = "'stall_sends' takes at most a duration";
            return false;
        }
        if (w.size() == 2 && !parse_duration(w[1], d)) {
            error = "bad duration '" + std::string(w[1]) + "' (e.g. 250ms or 2s)";
            return false;
        }
        rule = fault::stall_sends(d);
        return true;
    }
    if (verb == "delay") {
        if (!need(3)) {
            return false;
        }
        const auto op = parse_operation(w[1]);
        if (!op || is_event(*op)) {
            error = "unknown call '" + std::string(w[1]) + "'";
            return false;
        }
        if (!parse_duration(w[2], d)) {
            error = "bad duration '" + std::string(w[2]) + "' (e.g. 250ms or 2s)";
            return false;
        }
        rule = fault::delay(*op, d);
        return true;
    }
    if (verb == "provider_unavailable") {
        if (!need(2)) {
            return false;
        }
        if (!parse_duration(w[1], d)) {
            error = "bad duration '" + std::string(w[1]) + "' (e.g. 250ms or 2s)";
            return false;
        }
        rule = fault::provider_unavailable(d);
        return true;
    }
    if (verb == "null_indication") {
        if (!need(2)) {
            return false;
        }
        std::string_view name;
        rule = fault::null_indication(operation::receive_event);
        if (!split_count(w[1], name, rule, error)) {
            return false;
        }
        const auto op = parse_operation(name);
        if (!op || !(op == operation::accept_event || op == operation::receive_event ||
                     op == operation::receive_from_event || op == operation::inspect_event)) {
            error = "null_indication takes accept_event, receive_event, receive_from_event or inspect_event";
            return false;
        }
        rule.op = *op;
        return true;
    }
    error = "unknown rule '" + std::string(verb) + "'";
    return false;
}

}  // namespace

fault_rule fault_rule::nth(std::uint64_t n) const {
    fault_rule r = *this;
    r.first = n;
    r.count = 1;
    return r;
}
fault_rule fault_rule::every() const {
    fault_rule r = *this;
    r.first = 1;
    r.count = 0;
    return r;
}
fault_rule fault_rule::from(std::uint64_t n) const {
    fault_rule r = *this;
    r.first = n;
    r.count = 0;
    return r;
}
fault_rule fault_rule::times(std::uint64_t k) const {
    fault_rule r = *this;
    r.count = k;
    return r;
}
fault_rule fault_rule::with(std::int32_t s) const {
    fault_rule r = *this;
    r.status = s;
    return r;
}
fault_rule fault_rule::at_completion() const {
    fault_rule r = *this;
    r.timing = fault_timing::at_completion;
    return r;
}
fault_rule fault_rule::synchronously() const {
    fault_rule r = *this;
    r.timing = fault_timing::synchronously;
    return r;
}
fault_rule fault_rule::on(const void* s) const {
    fault_rule r = *this;
    r.socket = s;
    return r;
}
fault_rule fault_rule::at_site(const void* s) const {
    fault_rule r = *this;
    r.site = s;
    return r;
}

std::string fault_rule::to_string() const {
    std::string text;
    switch (kind) {
    case fault_kind::fail_call:
        text = "fail " + std::string(operation_name(op)) + count_text(*this) + " " + status_text(status);
        if (timing == fault_timing::at_completion) {
            text += " at_completion";
        }
        break;
    case fault_kind::fail_allocation:
        text = "fail_alloc " + std::string(allocation_kind_name(allocation)) + count_text(*this);
        break;
    case fault_kind::peer_reset_after_sent: text = "peer_reset_after_sent " + std::to_string(bytes); break;
    case fault_kind::peer_reset_after_received: text = "peer_reset_after_received " + std::to_string(bytes); break;
    case fault_kind::peer_close_after_received: text = "peer_close_after_received " + std::to_string(bytes); break;
    case fault_kind::stall_sends:
        text = duration.count() == 0 ? "stall_sends" : "stall_sends " + duration_text(duration);
        break;
    case fault_kind::delay_completions:
        text = "delay " + std::string(operation_name(op)) + " " + duration_text(duration);
        break;
    case fault_kind::provider_unavailable: text = "provider_unavailable " + duration_text(duration); break;
    case fault_kind::null_indication: text = "null_indication " + std::string(operation_name(op)) + count_text(*this); break;
    case fault_kind::short_receives: text = "short_receives " + std::to_string(bytes); break;
    }
    if (socket != nullptr) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, " (socket %p)", socket);
        text += buffer;
    }
    if (site != nullptr) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, " (site %p)", site);
        text += buffer;
    }
    return text;
}

std::string fault_plan::to_string() const {
    std::string text;
    for (const fault_rule& rule : rules_) {
        text += rule.to_string();
        text += '\n';
    }
    return text;
}

namespace fault {
fault_rule fail(operation op) {
    fault_rule rule = make(fault_kind::fail_call);
    rule.op = op;
    return rule;
}
fault_rule fail_allocation(allocation_kind kind) {
    fault_rule rule = make(fault_kind::fail_allocation);
    rule.allocation = kind;
    return rule;
}
fault_rule refuse_connections() {
    return fail(operation::connect).every().with(status_connection_refused).at_completion();
}
fault_rule peer_reset_after_sent(std::uint64_t bytes) {
    fault_rule rule = make(fault_kind::peer_reset_after_sent);
    rule.bytes = bytes;
    return rule;
}
fault_rule peer_reset_after_received(std::uint64_t bytes) {
    fault_rule rule = make(fault_kind::peer_reset_after_received);
    rule.bytes = bytes;
    return rule;
}
fault_rule peer_close_after_received(std::uint64_t bytes) {
    fault_rule rule = make(fault_kind::peer_close_after_received);
    rule.bytes = bytes;
    return rule;
}
fault_rule stall_sends(std::chrono::milliseconds duration) {
    fault_rule rule = make(fault_kind::stall_sends);
    rule.duration = duration;
    return rule;
}
fault_rule delay(operation op, std::chrono::milliseconds duration) {
    fault_rule rule = make(fault_kind::delay_completions);
    rule.op = op;
    rule.duration = duration;
    return rule;
}
fault_rule provider_unavailable(std::chrono::milliseconds duration) {
    fault_rule rule = make(fault_kind::provider_unavailable);
    rule.duration = duration;
    return rule;
}
fault_rule null_indication(operation event) {
    fault_rule rule = make(fault_kind::null_indication);
    rule.op = event;
    return rule;
}
fault_rule short_receives(std::uint64_t bytes) {
    fault_rule rule = make(fault_kind::short_receives);
    rule.bytes = bytes;
    return rule;
}
}  // namespace fault

fault_plan_parse_result parse_fault_plan(std::string_view text) {
    fault_plan_parse_result result;
    std::size_t rule_number = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find_first_of("\n;", start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        std::string_view line = text.substr(start, end - start);
        if (const auto hash = line.find("# "); hash != std::string_view::npos) {
            line = line.substr(0, hash);
        }
        if (!line.empty() && line.front() == '#') {
            line = {};
        }
        ++rule_number;
        const auto words = words_of(line);
        if (!words.empty()) {
            fault_rule rule;
            std::string error;
            if (!parse_rule(words, rule, error)) {
                result.error = "rule " + std::to_string(rule_number) + " ('" + std::string(line) + "'): " + error;
                result.plan = fault_plan{};
                return result;
            }
            result.plan.add(rule);
        }
        if (end == text.size()) {
            break;
        }
        start = end + 1;
    }
    return result;
}

}  // namespace wskemu
