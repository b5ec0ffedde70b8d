// wskemu: how the emulator's loggers are made, shared by both worlds (it
// includes neither WDK nor OS socket headers).
#pragma once

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace wskemu::common {

/// A logger writing to stderr as "[time] [name] [level] [thread] text", its
/// level from WSKEMU_LOG (trace, debug, info, warn, error, off; default warn).
/// Callers keep it for the life of the process: completions and bug checks may
/// log during static destruction.
inline spdlog::logger* make_process_logger(const std::string& name) {
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    auto* logger = new spdlog::logger(name, sink);
    logger->set_pattern("[%H:%M:%S.%e] [" + name + "] [%^%l%$] [t%t] %v");
    auto level = spdlog::level::warn;
    if (const char* env = std::getenv("WSKEMU_LOG"); env != nullptr && *env != '\0') {
        level = spdlog::level::from_str(env);
    }
    logger->set_level(level);
    logger->flush_on(spdlog::level::warn);
    return logger;
}

}  // namespace wskemu::common
