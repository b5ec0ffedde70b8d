// Running a program and waiting for it, for the sink runner. The OS part is
// in posix/run_command.cpp and win/run_command.cpp.
#pragma once

#include <string>
#include <vector>

namespace wskemu::example {

/// Runs @p arguments (the program first, found on the PATH if it has no
/// directory) with this process's standard streams, waits for it and returns
/// its exit status; -1 if it could not be started, with @p error set.
int run_command(const std::vector<std::string>& arguments, std::string& error);

}  // namespace wskemu::example
