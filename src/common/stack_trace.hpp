// wskemu: call stacks for verifier reports, behind a neutral interface.
// Capturing keeps raw return addresses only (no allocation, no symbols), so
// it is cheap enough for every tracked allocation; names, files and lines are
// looked up only when a report is printed. Only stack_trace.cpp sees the
// backend (Boost.Stacktrace); where the platform has none, a stack is empty
// and prints as "(no stack available)".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace wskemu::common {

class stack_trace {
public:
    /// Most frames kept; deeper callers are cut off.
    static constexpr std::size_t max_frames = 24;

    stack_trace() noexcept = default;

    /// The calling thread's stack, without capture() itself and the @p skip
    /// frames above it.
    static stack_trace capture(std::size_t skip = 0) noexcept;

    bool empty() const noexcept { return size_ == 0; }
    std::size_t size() const noexcept { return size_; }
    const void* frame(std::size_t i) const noexcept { return frames_[i]; }

    /// One line per frame ("#0 function at file:line"), each indented by
    /// @p indent; "(no stack available)" when empty. With
    /// @p skip_emulator_frames, leading frames inside wskemu's own
    /// namespaces are left out, so the first line is the WDK routine or the
    /// driver code that called it.
    std::string to_string(const std::string& indent = "    ", bool skip_emulator_frames = true) const;

    /// The backend's name ("libbacktrace", "addr2line", "dladdr", "windows",
    /// "none"), for diagnostics.
    static const char* backend() noexcept;
    /// True if printed frames name the functions of the program itself
    /// (libbacktrace, addr2line); otherwise they may be module and address.
    static bool names_functions() noexcept;

private:
    std::array<const void*, max_frames> frames_{};
    std::uint8_t size_ = 0;
};

}  // namespace wskemu::common
