// wskemu: the one file that sees Boost.Stacktrace (see stack_trace.hpp). The
// backend is chosen by src/CMakeLists.txt: WSKEMU_STACKTRACE_BACKTRACE
// (libbacktrace from GCC), WSKEMU_STACKTRACE_ADDR2LINE, WSKEMU_STACKTRACE_NONE,
// or Boost's basic backend (dladdr on POSIX, module names on Windows).
#include "common/stack_trace.hpp"

#if defined(WSKEMU_STACKTRACE_NONE)
#define BOOST_STACKTRACE_USE_NOOP
#elif defined(WSKEMU_STACKTRACE_BACKTRACE)
#define BOOST_STACKTRACE_USE_BACKTRACE
#elif defined(WSKEMU_STACKTRACE_ADDR2LINE)
#define BOOST_STACKTRACE_USE_ADDR2LINE
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1  // dladdr in the basic backend
#endif
#include <boost/stacktrace.hpp>

#include <fmt/format.h>

namespace wskemu::common {

stack_trace stack_trace::capture(std::size_t skip) noexcept {
    stack_trace trace;
    // One slot more for the terminating null safe_dump_to writes, and one for
    // this function's own frame.
    std::array<void*, max_frames + 2> raw{};
    const std::size_t written = boost::stacktrace::safe_dump_to(skip + 1, raw.data(), sizeof(raw));
    const std::size_t count = written == 0 ? 0 : written - 1;
    for (std::size_t i = 0; i < count && i < max_frames && raw[i] != nullptr; ++i) {
        trace.frames_[i] = raw[i];
        trace.size_ = static_cast<std::uint8_t>(i + 1);
    }
    return trace;
}

std::string stack_trace::to_string(const std::string& indent, bool skip_emulator_frames) const {
    if (size_ == 0) {
        return indent + "(no stack available)\n";
    }
    std::string text;
    std::size_t shown = 0;
    bool leading = skip_emulator_frames;
    for (std::size_t i = 0; i < size_; ++i) {
        const boost::stacktrace::frame f(frames_[i]);
        std::string where = boost::stacktrace::to_string(f);
        if (where.empty()) {
            where = fmt::format("{}", frames_[i]);
        }
        // The last frame is kept whatever it is, so a stack never prints empty.
        if (leading && i + 1 < size_ && where.rfind("wskemu::", 0) == 0) {
            continue;
        }
        leading = false;
        text += fmt::format("{}#{} {}\n", indent, shown++, where);
    }
    return text;
}

const char* stack_trace::backend() noexcept {
#if defined(WSKEMU_STACKTRACE_NONE)
    return "none";
#elif defined(WSKEMU_STACKTRACE_BACKTRACE)
    return "libbacktrace";
#elif defined(WSKEMU_STACKTRACE_ADDR2LINE)
    return "addr2line";
#elif defined(_WIN32)
    return "windows";
#else
    return "dladdr";
#endif
}

}  // namespace wskemu::common

namespace wskemu::common {

bool stack_trace::names_functions() noexcept {
#if defined(WSKEMU_STACKTRACE_BACKTRACE) || defined(WSKEMU_STACKTRACE_ADDR2LINE)
    return true;
#else
    return false;
#endif
}

}  // namespace wskemu::common
