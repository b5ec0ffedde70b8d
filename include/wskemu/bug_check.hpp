// wskemu: a bug check raised by the emulated kernel, as a C++ exception.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace wskemu {

/// @brief Thrown where Windows would stop the machine (KeBugCheckEx, a failed
/// ASSERT, a broken IRP or IRQL rule), when the calling test asked to catch it
/// with wskemu::catch_bug_check(). Otherwise the process prints the report and
/// aborts, which a GoogleTest death test can match.
class bug_check_error : public std::runtime_error {
public:
    bug_check_error(std::uint32_t code, std::array<std::uintptr_t, 4> parameters, const std::string& report)
        : std::runtime_error(report), code_(code), parameters_(parameters) {}

    /// The STOP code, e.g. 0xD1 for DRIVER_IRQL_NOT_LESS_OR_EQUAL.
    std::uint32_t code() const noexcept { return code_; }
    /// The four bug-check parameters, as KeBugCheckEx received them.
    const std::array<std::uintptr_t, 4>& parameters() const noexcept { return parameters_; }

private:
    std::uint32_t code_;
    std::array<std::uintptr_t, 4> parameters_;
};

/// @brief Runs @p body; a bug check raised on this thread while it runs is
/// thrown as bug_check_error instead of aborting the process.
/// @par Thread Safety Affects the calling thread only.
template <typename Body>
void catch_bug_check(Body&& body);

namespace detail {
/// Nesting depth of catch_bug_check on the calling thread.
int& bug_check_catch_depth() noexcept;
}  // namespace detail

template <typename Body>
void catch_bug_check(Body&& body) {
    struct depth_guard {
        depth_guard() { ++detail::bug_check_catch_depth(); }
        ~depth_guard() { --detail::bug_check_catch_depth(); }
    } guard;
    body();
}

}  // namespace wskemu
