// wskemu host: loading a driver module and naming addresses inside it. The
// OS part (dlopen, LoadLibrary) lives in posix/module.cpp and win/module.cpp,
// the checks before it in module.cpp.
#pragma once

#include <string>

namespace wskemu::host {

/// A driver module loaded into the process. It stays loaded until the
/// process exits, as code a driver failed to stop (a thread, a work item)
/// may still run, and allocation sites in the leak report must stay
/// meaningful.
struct driver_module {
    void* driver_entry = nullptr;  ///< the DriverEntry export; NULL on failure
    std::string error;             ///< one line saying why, on failure
};

/// Loads the module at @p path (.so or .dll) and finds its DriverEntry.
driver_module load_driver_module(const std::string& path);

/// Why @p path cannot be a module file (missing, a directory), or "" if it
/// may be one; checked before asking the OS's loader.
std::string module_file_problem(const std::string& path);

/// "echo.so+0x1a2b" for an address inside a loaded module, else "0x7f12...".
std::string describe_code_address(const void* address);

}  // namespace wskemu::host
