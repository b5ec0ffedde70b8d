// wskemu host: setting environment variables (the C runtime's copy, which
// std::getenv reads in every module of the process).
#include "environment.hpp"

#include <stdlib.h>

namespace wskemu::host {

void set_environment(const std::string& name, const std::string& value) { _putenv_s(name.c_str(), value.c_str()); }

}  // namespace wskemu::host
