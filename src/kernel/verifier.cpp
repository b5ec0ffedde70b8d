// wskemu: the verifier's core: rules, mode, switches, kept reports, and the
// public control API (include/wskemu/verifier.hpp).
#include "verifier.hpp"

#include <wdm.h>

#include <wskemu/bug_check.hpp>
#include <wskemu/verifier.hpp>

#include "bug_check.hpp"
#include "irql.hpp"
#include "log.hpp"
#include "trace/hooks.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <deque>
#include <mutex>
#include <optional>

namespace wskemu::kernel::verifier {

namespace {

constexpr ULONG c4 = DRIVER_VERIFIER_DETECTED_VIOLATION;
constexpr ULONG_PTR pool_leak_subcode = 0x62;           // Driver Verifier: pool not freed at unload
constexpr ULONG_PTR release_irql_subcode = 0x20015;     // DDI compliance rule IrqlKeReleaseSpinLock

// Order = enum rule. Sub-codes from 0x3000 up are wskemu's own (0x30xx
// registration, 0x31xx sockets, 0x50xx IRPs, 0x51xx buffers).
constexpr std::array<rule_definition, rule_count> table = {{
    {"irp.no_stack_location", "a WSK call with an IRP that has no free stack location", false,
     NO_MORE_IRP_STACK_LOCATIONS, 0, true, true},
    {"irp.no_completion_routine", "a client-allocated IRP passed to WSK without a completion routine", false, c4,
     0x5001, true, true},
    {"irp.invoke_flags", "a client-allocated IRP's completion routine not set to run on success, error and cancel",
     false, c4, 0x5002, true, true},
    {"irp.completion_status",
     "a completion routine of a client-allocated IRP returned other than STATUS_MORE_PROCESSING_REQUIRED", false, c4,
     0x5003, true, true},
    {"irp.pending_reused", "an IRP passed to a second WSK call while the first still holds it", false, c4, 0x5004,
     true, true},
    {"irp.reuse_while_pending", "IoReuseIrp on an IRP that WSK still holds", false, c4, 0x5005, true, true},
    {"irp.free_while_pending", "IoFreeIrp on an IRP that WSK still holds", false, c4, 0x5006, true, true},
    {"irp.completed_twice", "an IRP completed with no stack location in use (twice, or never sent)", true,
     MULTIPLE_IRP_COMPLETE_REQUESTS, 0, true, true},
    {"irp.freed_access", "a freed IRP passed to a WSK or I/O routine", true, PAGE_FAULT_IN_NONPAGED_AREA, 0, true,
     false},
    {"irp.completed_pending", "an IRP completed with STATUS_PENDING", true, DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x06,
     true, true},
    {"irp.cancel_routine_at_completion", "an IRP completed or reused with its cancel routine still set", true,
     CANCEL_STATE_IN_COMPLETED_IRP, 0, true, true},
    {"irp.not_an_irp", "an I/O routine given something that is not an IRP", true,
     DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x1, true, false},
    {"irp.stack_overflow", "IoSetNextIrpStackLocation past the first stack location", true,
     NO_MORE_IRP_STACK_LOCATIONS, 0, true, false},
    {"mdl.wsk_buf_offset", "a WSK_BUF whose Offset is outside its first MDL", false, c4, 0x5101, true, true},
    {"mdl.wsk_buf_past_chain", "a WSK_BUF whose Length runs past the end of its MDL chain", false, c4, 0x5102, true,
     true},
    {"mdl.freed_while_pending", "IoFreeMdl on an MDL that a pending WSK call uses", false, c4, 0x5103, true, true},
    {"mdl.unlocked_while_pending", "MmUnlockPages on an MDL that a pending WSK call uses", false, c4, 0x5104, true,
     true},
    {"mdl.freed_while_locked", "IoFreeMdl on an MDL whose pages are still locked", false,
     DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS, 0, true, true},
    {"mdl.nonpaged_then_locked", "MmProbeAndLockPages on an MDL built by MmBuildMdlForNonPagedPool", false, c4,
     0x5105, true, true},
    {"mdl.already_locked", "MmProbeAndLockPages on an MDL whose pages are locked already", true, PFN_LIST_CORRUPT,
     0x9A, true, true},
    {"mdl.not_locked", "MmUnlockPages on an MDL whose pages are not locked", true, PFN_LIST_CORRUPT, 0x7, true, true},
    {"buffer.modified_while_pending", "the bytes of a pending send changed before it completed (opt-in checksum)",
     false, c4, 0x5106, false, true},
    {"irql.function_maximum", "a kernel or WSK function called above its maximum IRQL", true, IRQL_NOT_LESS_OR_EQUAL,
     0, true, true},
    {"irql.paged_code", "PAGED_CODE() above APC_LEVEL", true, IRQL_NOT_LESS_OR_EQUAL, 0, true, true},
    {"irql.not_restored", "a callback or completion routine returned at another IRQL than it was called at", true,
     IRQL_NOT_LESS_OR_EQUAL, 0, true, true},
    {"irql.wrong_direction", "KeRaiseIrql to a lower IRQL, or KeLowerIrql to a higher one", true,
     IRQL_NOT_GREATER_OR_EQUAL, 0, true, true},
    {"spinlock.already_owned", "a spin lock acquired by the thread that holds it", true, SPIN_LOCK_ALREADY_OWNED, 0,
     true, false},
    {"spinlock.not_owner", "a spin lock released by a thread that does not hold it", true, SPIN_LOCK_NOT_OWNED, 0,
     true, false},
    {"spinlock.release_irql",
     "a spin lock released at an IRQL other than DISPATCH_LEVEL, or to another IRQL than it was acquired at", false,
     c4, release_irql_subcode, true, true},
    {"socket.not_live", "a socket function called on a closed or unknown socket", true, c4, 0x3101, true, false},
    {"socket.wrong_category", "a socket function of one category's table called on another category's socket", true,
     c4, 0x3102, true, false},
    {"socket.close_twice", "WskCloseSocket while a WskCloseSocket of the socket is pending", false, c4, 0x3103, true,
     true},
    {"socket.call_while_closing", "a socket function called while the socket's WskCloseSocket is pending", false, c4,
     0x3104, true, true},
    {"socket.callback_after_close", "an event callback delivered after the socket's close completed (internal)",
     false, c4, 0x3105, true, true},
    {"indication.not_released", "a retained indication list not released (WskRelease) by WskCloseSocket", false, c4,
     0x3106, true, true},
    {"indication.released_twice", "WskRelease of an indication list that is not retained", false, c4, 0x3107, true,
     true},
    {"indication.wrong_socket", "WskRelease of an indication list on another socket than the one it came from",
     false, c4, 0x3108, true, true},
    {"wsk.registered_twice", "WskRegister on a block that is still registered", true, c4, 0x3001, true, false},
    {"wsk.not_registered", "a netio export on a WSK_REGISTRATION that is not registered", true, c4, 0x3002, true,
     false},
    {"wsk.released_more_than_captured", "WskReleaseProviderNPI without an outstanding capture", true, c4, 0x3003,
     true, false},
    {"wsk.socket_count_underflow", "more sockets closed than opened (internal)", true, c4, 0x3004, true, false},
    {"wsk.unknown_client", "a provider function called with a PWSK_CLIENT that is not live", true, c4, 0x3005, true,
     false},
    {"wsk.deregistered_twice", "WskDeregister while another WskDeregister of the block runs", true, c4, 0x3006, true,
     false},
    {"wsk.deregister_blocked", "WskDeregister still waiting for sockets or captures after the verifier's timeout",
     false, c4, 0x3007, true, true},
    {"wsk.call_without_capture", "a provider function called after the last WskReleaseProviderNPI", false, c4,
     0x3008, true, true},
    {"pool.tag_mismatch", "a pool block freed with another tag than it was allocated with", true, BAD_POOL_CALLER, 0xA,
     true, true},
    {"pool.double_free", "a pool block, IRP or MDL freed twice", true, BAD_POOL_CALLER, 0x7, true, true},
    {"pool.bad_free", "a free of memory wskemu did not allocate, or of the wrong kind", true, BAD_POOL_CALLER, 0x46,
     true, true},
    {"leak.pool_block", "a pool block still allocated at the leak check", false, c4, pool_leak_subcode, true, true},
    {"leak.irp", "an IRP still allocated at the leak check", false, c4, pool_leak_subcode, true, true},
    {"leak.mdl", "an MDL (or page run) still allocated at the leak check", false, c4, pool_leak_subcode, true, true},
    {"leak.locked_pages", "MDL pages probed and locked and never unlocked", false, DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS,
     0, true, true},
    {"leak.socket", "a WSK socket still open at the leak check", false, c4, 0x3009, true, true},
    {"leak.registration", "a WSK registration not deregistered at the leak check", false, c4, 0x300A, true, true},
}};

// One kept violation; stacks are symbolised only when read.
struct record {
    rule which;
    std::string function;
    const void* object;
    std::string message;
    std::optional<common::stack_trace> creation;
    std::optional<common::stack_trace> freed;
    common::stack_trace violation;
    ULONG code;
    bool raised;
    verifier_mode mode;
};

constexpr std::size_t max_kept = 1000;

struct state_type {
    std::mutex mutex;
    std::deque<record> kept;
    std::array<std::atomic<std::size_t>, rule_count> counts{};
    std::atomic<std::size_t> total{0};
    std::atomic<int> mode{static_cast<int>(verifier_mode::fail)};
    std::atomic<bool> capture_stacks{true};
};

state_type& state() {
    static state_type* const instance = new state_type();  // used during static destruction
    return *instance;
}

std::optional<std::size_t> find_rule(std::string_view id) noexcept {
    for (std::size_t i = 0; i < rule_count; ++i) {
        if (id == table[i].id) {
            return i;
        }
    }
    return std::nullopt;
}

// The rules an id names: one rule, or a family ("irp.*"); empty if none.
std::uint64_t rule_mask(std::string_view id) noexcept {
    if (id == "*") {
        return rule_count == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << rule_count) - 1;
    }
    if (id.size() > 2 && id.substr(id.size() - 2) == ".*") {
        const std::string_view family = id.substr(0, id.size() - 1);  // "irp."
        std::uint64_t mask = 0;
        for (std::size_t i = 0; i < rule_count; ++i) {
            if (std::string_view(table[i].id).substr(0, family.size()) == family) {
                mask |= std::uint64_t{1} << i;
            }
        }
        return mask;
    }
    const auto index = find_rule(id);
    return index ? std::uint64_t{1} << *index : 0;
}

std::uint64_t switchable(std::uint64_t mask) noexcept {
    std::uint64_t result = 0;
    for (std::size_t i = 0; i < rule_count; ++i) {
        if ((mask >> i & 1u) && table[i].can_disable) {
            result |= std::uint64_t{1} << i;
        }
    }
    return result;
}

template <typename Each>
void for_each_listed(const char* list, Each each) {
    std::string_view rest(list);
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        while (!item.empty() && item.front() == ' ') {
            item.remove_prefix(1);
        }
        while (!item.empty() && item.back() == ' ') {
            item.remove_suffix(1);
        }
        if (!item.empty()) {
            each(item);
        }
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
}

std::optional<verifier_mode> parse_mode(std::string_view text) noexcept {
    if (text == "report") {
        return verifier_mode::report;
    }
    if (text == "fail") {
        return verifier_mode::fail;
    }
    if (text == "break") {
        return verifier_mode::breaks;
    }
    return std::nullopt;
}

// The switches and mode from settings spelled as the environment variables
// spell them (nullptr: not set), starting from the defaults.
std::uint64_t settings_bits(const char* mode, const char* disable, const char* enable, const char* stacks) noexcept {
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < rule_count; ++i) {
        if (table[i].enabled_by_default) {
            bits |= std::uint64_t{1} << i;
        }
    }
    auto& s = state();
    s.mode.store(static_cast<int>(verifier_mode::fail));
    if (mode != nullptr && *mode != '\0') {
        if (const auto m = parse_mode(mode)) {
            s.mode.store(static_cast<int>(*m));
        } else {
            log().error("WSKEMU_VERIFIER={} is not report, fail or break; the verifier stays in fail mode", mode);
        }
    }
    if (disable != nullptr) {
        for_each_listed(disable, [&](std::string_view id) {
            const std::uint64_t mask = rule_mask(id);
            if (mask == 0) {
                log().error("WSKEMU_VERIFIER_DISABLE: no verifier rule '{}'", id);
            } else if (switchable(mask) == 0) {
                log().error("WSKEMU_VERIFIER_DISABLE: '{}' names a rule that cannot be switched off", id);
            }
            bits &= ~switchable(mask);
        });
    }
    if (enable != nullptr) {
        for_each_listed(enable, [&](std::string_view id) {
            const std::uint64_t mask = rule_mask(id);
            if (mask == 0) {
                log().error("WSKEMU_VERIFIER_ENABLE: no verifier rule '{}'", id);
            }
            bits |= mask;
        });
    }
    s.capture_stacks.store(stacks == nullptr || std::string_view(stacks) != "0");
    return bits;
}

std::string object_text(const void* object) { return object == nullptr ? "NULL" : fmt::format("{}", object); }

std::string stacks_text(const record& r) {
    std::string text;
    if (r.creation) {
        text += "  object created at:\n" + r.creation->to_string("    ");
    }
    if (r.freed) {
        text += "  object freed at:\n" + r.freed->to_string("    ");
    }
    return text + "  rule broken at:\n" + r.violation.to_string("    ");
}

std::string format_record(const record& r) {
    const rule_definition& def = table[static_cast<std::size_t>(r.which)];
    return fmt::format("[{}] {}, object {}: {}\n{}", def.id, r.function, object_text(r.object), r.message,
                       stacks_text(r));
}

verifier_report to_public(const record& r) {
    verifier_report out;
    out.rule = table[static_cast<std::size_t>(r.which)].id;
    out.function = r.function;
    out.object = r.object;
    out.message = r.message;
    if (r.creation) {
        out.creation_stack = r.creation->to_string("");
    }
    if (r.freed) {
        out.freed_stack = r.freed->to_string("");
    }
    out.violation_stack = r.violation.to_string("");
    out.bug_check_code = r.code;
    out.raised = r.raised;
    out.mode = r.mode;
    return out;
}

}  // namespace

namespace detail {

std::atomic<std::uint64_t> enabled_bits{0};

void ensure_initialised() noexcept {
    static const bool done = [] {
        enabled_bits.store(settings_bits(std::getenv("WSKEMU_VERIFIER"), std::getenv("WSKEMU_VERIFIER_DISABLE"),
                                         std::getenv("WSKEMU_VERIFIER_ENABLE"), std::getenv("WSKEMU_VERIFIER_STACKS")));
        return true;
    }();
    (void)done;
}

}  // namespace detail

void configure(const char* mode, const char* disable, const char* enable, const char* stacks) noexcept {
    detail::ensure_initialised();
    detail::enabled_bits.store(settings_bits(mode, disable, enable, stacks));
}

namespace detail {

}  // namespace detail

const std::array<rule_definition, rule_count>& rule_table() noexcept { return table; }

bool capture_stacks() noexcept {
    detail::ensure_initialised();
    return state().capture_stacks.load(std::memory_order_relaxed);
}

void report(rule r, const char* function, const void* object, const std::string& message,
            const report_details& details) {
    if (!enabled(r)) {
        return;
    }
    const rule_definition& def = table[static_cast<std::size_t>(r)];
    auto& s = state();
    const auto mode = static_cast<verifier_mode>(s.mode.load(std::memory_order_relaxed));
    const bool raise = def.fatal || mode == verifier_mode::breaks;
    record rec{r,
               function == nullptr ? "?" : function,
               object,
               message,
               details.creation != nullptr && !details.creation->empty() ? std::optional(*details.creation)
                                                                          : std::nullopt,
               details.freed != nullptr && !details.freed->empty() ? std::optional(*details.freed) : std::nullopt,
               common::stack_trace::capture(1),
               details.code != 0 ? details.code : def.code,
               raise,
               mode};
    s.counts[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed);
    s.total.fetch_add(1, std::memory_order_relaxed);
    trace::verifier_report(def.id, rec.function, object, message);
    if (raise) {
        std::array<ULONG_PTR, 4> p = details.parameters;
        if (!details.has_parameters) {
            p = {def.parameter1, reinterpret_cast<ULONG_PTR>(object), 0, 0};
        }
        // A bug check a test catches on purpose is not symbolised (it costs
        // the first time on each thread); one that ends the process is.
        const bool ends_process = wskemu::detail::bug_check_catch_depth() == 0;
        std::string why = fmt::format("{} [verifier rule {}]", message, def.id);
        if (ends_process) {
            why += "\n" + stacks_text(rec);
        }
        {
            std::lock_guard lock(s.mutex);
            if (s.kept.size() < max_kept) {
                s.kept.push_back(std::move(rec));
            }
        }
        raise_bug_check(details.code != 0 ? details.code : def.code, p[0], p[1], p[2], p[3], why);
    }
    const std::string text = format_record(rec);
    if (mode == verifier_mode::report) {
        log().warn("verifier: {}", text);
    } else {
        log().error("verifier: {}", text);
    }
    std::lock_guard lock(s.mutex);
    if (s.kept.size() < max_kept) {
        s.kept.push_back(std::move(rec));
    }
}

void report_fatal(rule r, const char* function, const void* object, const std::string& message,
                  const report_details& details) {
    const rule_definition& def = table[static_cast<std::size_t>(r)];
    report(r, function, object, message, details);
    // Only a rule switched off gets here, and these cannot be switched off;
    // keep the promise of [[noreturn]] all the same.
    raise_bug_check(def.code, def.parameter1, reinterpret_cast<ULONG_PTR>(object), 0, 0, message);
}

void report_irql_above(const char* function, KIRQL maximum, const void* caller, const char* rule_text) {
    const KIRQL irql = current_irql();
    static constexpr const char* level_names[] = {"PASSIVE_LEVEL", "APC_LEVEL", "DISPATCH_LEVEL"};
    const std::string limit = maximum < 3 ? level_names[maximum] : fmt::format("IRQL {}", maximum);
    auto details = with_parameters(0, irql, 0, reinterpret_cast<ULONG_PTR>(caller));
    report(rule::irql_function_maximum, function, nullptr,
           rule_text != nullptr ? fmt::format("{} at IRQL {}: {}", function, irql, rule_text)
                                : fmt::format("{} at IRQL {}: callable at IRQL <= {}", function, irql, limit),
           details);
}

}  // namespace wskemu::kernel::verifier

namespace wskemu::verifier {

namespace core = wskemu::kernel::verifier;

verifier_mode mode() noexcept {
    core::detail::ensure_initialised();
    return static_cast<verifier_mode>(core::state().mode.load());
}

void set_mode(verifier_mode m) noexcept {
    core::detail::ensure_initialised();
    core::state().mode.store(static_cast<int>(m));
}

const char* mode_name(verifier_mode m) noexcept {
    switch (m) {
    case verifier_mode::report: return "report";
    case verifier_mode::fail: return "fail";
    case verifier_mode::breaks: return "break";
    }
    return "?";
}

std::vector<verifier_rule> rules() {
    std::vector<verifier_rule> out;
    for (const auto& def : core::table) {
        out.push_back({def.id, def.summary, def.fatal, def.code, def.parameter1, def.enabled_by_default,
                       def.can_disable});
    }
    return out;
}

bool disable(std::string_view id) noexcept {
    core::detail::ensure_initialised();
    // A family switches off what can be; a single rule that cannot, refuses.
    const std::uint64_t off = core::switchable(core::rule_mask(id));
    if (off == 0) {
        return false;
    }
    core::detail::enabled_bits.fetch_and(~off);
    return true;
}

bool enable(std::string_view id) noexcept {
    core::detail::ensure_initialised();
    const std::uint64_t mask = core::rule_mask(id);
    if (mask == 0) {
        return false;
    }
    core::detail::enabled_bits.fetch_or(mask);
    return true;
}

bool is_enabled(std::string_view id) noexcept {
    core::detail::ensure_initialised();
    const std::uint64_t mask = core::rule_mask(id);
    return mask != 0 && (core::detail::enabled_bits.load() & mask) == mask;
}

std::vector<verifier_report> reports() {
    auto& s = core::state();
    std::deque<core::record> copy;
    {
        std::lock_guard lock(s.mutex);
        copy = s.kept;
    }
    std::vector<verifier_report> out;
    for (const auto& r : copy) {
        out.push_back(core::to_public(r));
    }
    return out;
}

std::vector<verifier_report> take_reports() {
    auto& s = core::state();
    std::deque<core::record> taken;
    {
        std::lock_guard lock(s.mutex);
        taken.swap(s.kept);
    }
    std::vector<verifier_report> out;
    for (const auto& r : taken) {
        out.push_back(core::to_public(r));
    }
    return out;
}

void clear() noexcept {
    auto& s = core::state();
    std::lock_guard lock(s.mutex);
    s.kept.clear();
    for (auto& c : s.counts) {
        c.store(0);
    }
    s.total.store(0);
}

std::size_t count() noexcept { return core::state().total.load(); }

std::size_t count(std::string_view rule) noexcept {
    const auto index = core::find_rule(rule);
    return index ? core::state().counts[*index].load() : 0;
}

std::string format(const verifier_report& report) {
    std::string text = fmt::format("[{}] {}, object {}: {}", report.rule, report.function,
                                   report.object == nullptr ? std::string("NULL") : fmt::format("{}", report.object),
                                   report.message);
    auto indent = [](const std::string& stack) {
        std::string out;
        std::size_t start = 0;
        while (start < stack.size()) {
            const auto end = stack.find('\n', start);
            out += "    " + stack.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
            if (end == std::string::npos) {
                out += '\n';
                break;
            }
            start = end + 1;
        }
        return out;
    };
    if (!report.creation_stack.empty()) {
        text += "\n  object created at:\n" + indent(report.creation_stack);
    }
    if (!report.freed_stack.empty()) {
        text += "\n  object freed at:\n" + indent(report.freed_stack);
    }
    text += "\n  rule broken at:\n" + indent(report.violation_stack);
    return text;
}

bool set_capture_stacks(bool on) noexcept {
    core::detail::ensure_initialised();
    return core::state().capture_stacks.exchange(on);
}

const char* stack_backend() noexcept { return common::stack_trace::backend(); }

bool stack_names_functions() noexcept { return common::stack_trace::names_functions(); }

}  // namespace wskemu::verifier
