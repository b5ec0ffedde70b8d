// wskemu: the emulator's logger.
#include "log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>

namespace wskemu::kernel {

namespace {

std::shared_ptr<spdlog::logger> make_logger() {
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    auto logger = std::make_shared<spdlog::logger>("wskemu", sink);
    logger->set_pattern("[%H:%M:%S.%e] [wskemu] [%^%l%$] [t%t] %v");
    auto level = spdlog::level::warn;
    if (const char* env = std::getenv("WSKEMU_LOG"); env != nullptr && *env != '\0') {
        level = spdlog::level::from_str(env);
    }
    logger->set_level(level);
    logger->flush_on(spdlog::level::warn);
    return logger;
}

}  // namespace

spdlog::logger& log() {
    // Leaked on purpose: completions and bug checks may log during static
    // destruction, after a function-local static would have been destroyed.
    static spdlog::logger* const instance = new spdlog::logger(*make_logger());
    return *instance;
}

}  // namespace wskemu::kernel
