// wskemu: the emulator's logger.
#include "log.hpp"

#include "common/logger.hpp"

namespace wskemu::kernel {

spdlog::logger& log() {
    static spdlog::logger* const instance = common::make_process_logger("wskemu");
    return *instance;
}

}  // namespace wskemu::kernel
