// wskemu: the emulator's logger.
#pragma once

#include <spdlog/logger.h>

namespace wskemu::kernel {

/// The "wskemu" logger; its level comes from WSKEMU_LOG (trace, debug, info,
/// warn, error, off; default warn).
spdlog::logger& log();

}  // namespace wskemu::kernel
