// wskemu: DbgPrint, DbgPrintEx, vDbgPrintEx, vDbgPrintExWithPrefix. The text
// is formatted with Windows' printf conventions, cut to the 512 bytes Windows
// transmits (documented: DbgPrint remarks), stripped of one trailing newline
// and logged at a level mapped from DPFLTR_*_LEVEL: ERROR -> error,
// WARNING -> warn, TRACE -> debug, INFO -> info; DbgPrint logs at info; a
// Level above 31 is a mask in Windows and logs at trace.
#include <wdm.h>

#include "dbg_print.hpp"
#include "log.hpp"
#include "windows_format.hpp"

#include <mutex>
#include <string>
#include <utility>

namespace wskemu::kernel {
namespace {

std::mutex& sink_mutex() {
    static std::mutex mutex;
    return mutex;
}

debug_output_sink& current_sink() {
    static debug_output_sink sink;
    return sink;
}

spdlog::level::level_enum log_level_for(ULONG level) noexcept {
    switch (level) {
    case DPFLTR_ERROR_LEVEL:
        return spdlog::level::err;
    case DPFLTR_WARNING_LEVEL:
        return spdlog::level::warn;
    case DPFLTR_TRACE_LEVEL:
        return spdlog::level::debug;
    case DPFLTR_INFO_LEVEL:
        return spdlog::level::info;
    default:
        return spdlog::level::trace;
    }
}

void emit(ULONG component, ULONG level, spdlog::level::level_enum log_level, std::string text) {
    if (text.size() > debug_message_limit) {
        text.resize(debug_message_limit);
    }
    if (!text.empty() && text.back() == '\n') {
        text.pop_back();
    }
    log().log(log_level, "DbgPrint: {}", text);
    debug_output_sink sink;
    {
        std::lock_guard lock(sink_mutex());
        sink = current_sink();
    }
    if (sink) {
        sink(component, level, text);
    }
}

// Formats and emits; never lets an exception out to the C caller.
ULONG print(const char* prefix, ULONG component, ULONG level, spdlog::level::level_enum log_level, const char* format,
            va_list args) noexcept {
    try {
        std::string text = prefix != nullptr ? std::string(prefix) : std::string();
        text += windows_vformat(format, args);
        emit(component, level, log_level, std::move(text));
    } catch (const std::exception& e) {
        log().error("DbgPrint: output lost: {}", e.what());
    }
    return STATUS_SUCCESS;
}

}  // namespace

debug_output_sink set_debug_output_sink(debug_output_sink sink) {
    std::lock_guard lock(sink_mutex());
    return std::exchange(current_sink(), std::move(sink));
}

}  // namespace wskemu::kernel

namespace k = wskemu::kernel;

/* DbgPrint (ntoskrnl) */
extern "C" ULONG __cdecl DbgPrint(PCSTR Format, ...) {
    va_list args;
    va_start(args, Format);
    const ULONG status =
        k::print(nullptr, DPFLTR_DEFAULT_ID, DPFLTR_INFO_LEVEL, spdlog::level::info, Format, args);
    va_end(args);
    return status;
}

/* DbgPrintEx (ntoskrnl) */
extern "C" ULONG __cdecl DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...) {
    va_list args;
    va_start(args, Format);
    const ULONG status = k::print(nullptr, ComponentId, Level, k::log_level_for(Level), Format, args);
    va_end(args);
    return status;
}

/* vDbgPrintEx (ntoskrnl) */
extern "C" ULONG NTAPI vDbgPrintEx(ULONG ComponentId, ULONG Level, PCCH Format, va_list arglist) {
    return k::print(nullptr, ComponentId, Level, k::log_level_for(Level), Format, arglist);
}

/* vDbgPrintExWithPrefix (ntoskrnl) */
extern "C" ULONG NTAPI vDbgPrintExWithPrefix(PCCH Prefix, ULONG ComponentId, ULONG Level, PCCH Format,
                                             va_list arglist) {
    return k::print(Prefix, ComponentId, Level, k::log_level_for(Level), Format, arglist);
}
