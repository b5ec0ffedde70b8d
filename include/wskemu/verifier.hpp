// wskemu: the WSK verifier's control API: the driver bugs it checks for,
// what it does when it finds one, and the reports it keeps (docs/verifier.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wskemu {

/// @brief What the verifier does with a violation of a rule that is not
/// fatal (fatal rules, the ones Windows itself enforces, raise their bug
/// check in every mode).
enum class verifier_mode {
    report,  ///< log it (warning) and keep it; the run goes on
    fail,    ///< log it (error) and keep it; the running test fails (the default)
    breaks,  ///< raise a bug check at once, as Driver Verifier does
};

/// @brief One violation, as the verifier kept it.
struct verifier_report {
    std::string rule;             ///< stable rule id, e.g. "irp.no_completion_routine"
    std::string function;         ///< the WDK or WSK function where it was found, e.g. "WskSend"
    const void* object = nullptr; ///< the IRP, MDL, socket, pool block... concerned
    std::string message;          ///< what happened and how to fix it
    std::string creation_stack;   ///< where the object was created (one frame a line), or empty
    std::string freed_stack;      ///< where it was freed, for a freed object, or empty
    std::string violation_stack;  ///< where the rule was broken (one frame a line)
    std::uint32_t bug_check_code = 0;  ///< the STOP code Windows or Driver Verifier would raise
    bool raised = false;          ///< a bug check was raised for it (fatal rule, or break mode)
    verifier_mode mode = verifier_mode::fail;  ///< the mode when it was found
};

/// @brief A rule the verifier checks.
struct verifier_rule {
    std::string id;               ///< "irp.no_completion_routine"
    std::string summary;          ///< one sentence
    bool fatal = false;           ///< Windows enforces it: a bug check in every mode
    std::uint32_t bug_check_code = 0;
    std::uintptr_t parameter1 = 0;  ///< bug check parameter 1 (the 0xC4 / 0xC2 sub-code), if fixed
    bool enabled_by_default = true;
    bool can_disable = true;      ///< false where the call cannot go on without the check
};

namespace verifier {

/// @brief The current mode. Initially from WSKEMU_VERIFIER (report, fail or
/// break), else fail.
verifier_mode mode() noexcept;
/// @brief Sets the mode for the whole process.
void set_mode(verifier_mode mode) noexcept;
/// @brief "report", "fail" or "break".
const char* mode_name(verifier_mode mode) noexcept;

/// @brief Every rule, in a fixed order.
std::vector<verifier_rule> rules();
/// @brief Switches a rule off (no check, no report) or on again; an id may
/// end in ".*" to name a family ("irp.*"), and "*" names every rule (a family
/// switches off those of its rules that can be). Returns false for an unknown
/// id or a single rule that cannot be switched off. Initially every rule but
/// the opt-in ones is on, less WSKEMU_VERIFIER_DISABLE=id,id, plus
/// WSKEMU_VERIFIER_ENABLE=id,id.
bool disable(std::string_view id) noexcept;
bool enable(std::string_view id) noexcept;
bool is_enabled(std::string_view id) noexcept;

/// @brief Violations kept since the last clear, oldest first (at most 1000
/// are kept; counts go on).
std::vector<verifier_report> reports();
/// @brief As reports(), and forgets them: a test that provokes a violation
/// on purpose takes its reports so that they do not fail it.
std::vector<verifier_report> take_reports();
/// @brief Forgets kept reports and resets the counts.
void clear() noexcept;
/// @brief Violations seen since the last clear (all rules, or one).
std::size_t count() noexcept;
std::size_t count(std::string_view rule) noexcept;

/// @brief The report as the log shows it: rule, function, object, message,
/// then both stacks.
std::string format(const verifier_report& report);

/// @brief Reports (rules leak.*) every IRP, MDL, pool block, page run, MDL
/// with locked pages, socket and registration still alive that was created
/// at or after the allocation serial @p since (see
/// wskemu::next_allocation_serial; sockets and registrations always count).
/// Returns how many were reported. What a driver unload or shutdown check
/// calls.
std::size_t check_leaks(std::uint64_t since = 0);

/// @brief How long WskDeregister waits for open sockets and captures before
/// it reports wsk.deregister_blocked (default 10 s, or
/// WSKEMU_VERIFIER_DEREGISTER_TIMEOUT_MS). Returns the previous value.
std::chrono::milliseconds set_deregister_timeout(std::chrono::milliseconds timeout) noexcept;

/// @brief Whether allocations record their call stack (default on; off with
/// WSKEMU_VERIFIER_STACKS=0). Returns the previous value.
bool set_capture_stacks(bool on) noexcept;

/// @brief The stack backend in use ("libbacktrace", "dladdr", "windows", "none"...).
const char* stack_backend() noexcept;
/// @brief True if report stacks name the program's own functions (file and
/// line too); with the basic backends a frame may be a module and an address.
bool stack_names_functions() noexcept;

/// @brief Sets a mode for a scope and restores the previous one.
class scoped_mode {
public:
    explicit scoped_mode(verifier_mode mode) noexcept : previous_(verifier::mode()) { set_mode(mode); }
    ~scoped_mode() { set_mode(previous_); }
    scoped_mode(const scoped_mode&) = delete;
    scoped_mode& operator=(const scoped_mode&) = delete;

private:
    verifier_mode previous_;
};

/// @brief Switches one rule (or family) off for a scope.
class scoped_disable {
public:
    explicit scoped_disable(std::string_view id) : id_(id), was_(is_enabled(id)) { disable(id); }
    ~scoped_disable() {
        if (was_) {
            enable(id_);
        }
    }
    scoped_disable(const scoped_disable&) = delete;
    scoped_disable& operator=(const scoped_disable&) = delete;

private:
    std::string id_;
    bool was_;
};

}  // namespace verifier
}  // namespace wskemu
