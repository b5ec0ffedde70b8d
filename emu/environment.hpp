// wskemu host: the WSKEMU_* variables the runtime reads at first use. The OS
// part lives in posix/environment.cpp and win/environment.cpp.
#pragma once

#include <string>

namespace wskemu::host {

/// Sets @p name to @p value in this process's environment, replacing any
/// value it had; the runtime reads it when first used.
void set_environment(const std::string& name, const std::string& value);

}  // namespace wskemu::host
