// wskemu host: setting environment variables (POSIX).
#include "environment.hpp"

#include <stdlib.h>

namespace wskemu::host {

void set_environment(const std::string& name, const std::string& value) { setenv(name.c_str(), value.c_str(), 1); }

}  // namespace wskemu::host
