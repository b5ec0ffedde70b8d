// wskemu host: running a driver module (the run and ioctl commands).
#pragma once

#include "command_line.hpp"

namespace wskemu::host {

/// Loads the module, starts the driver, sends the IOCTLs, runs it until a
/// stop signal or --for (run) or not at all (ioctl), unloads it, prints the
/// summary. Returns the exit status: 0 nothing reported, 1 something
/// reported, 2 the module could not be loaded. After a bug check the driver
/// is not called again and the process ends here, without its destructors.
int run_driver(const options& o);

}  // namespace wskemu::host
