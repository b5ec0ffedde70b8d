// The example hosts show DbgPrint output: it goes to the wskemu log, whose
// default level (warn) hides it, unless WSKEMU_LOG says otherwise.
#pragma once

#include <cstdlib>

namespace wskemu::example {

/// Sets WSKEMU_LOG=info unless it is set; call before the first kernel call.
inline void show_driver_output() {
#if defined(_WIN32)
    if (std::getenv("WSKEMU_LOG") == nullptr) {
        _putenv_s("WSKEMU_LOG", "info");
    }
#else
    setenv("WSKEMU_LOG", "info", 0);
#endif
}

}  // namespace wskemu::example
