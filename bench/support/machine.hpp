// wskemu benchmarks: what the machine is and how busy, and the process's
// resident memory. Neutral: standard library only.
#pragma once

#include <cstddef>
#include <string>

namespace wskemu::bench {

/// One line: CPU model, processors online, kernel, memory.
std::string machine_summary();
/// The 1-minute load average (0 if unknown).
double load_average();
/// Resident memory of this process in bytes, after handing the allocator's
/// free memory back to the system (so that it counts what is in use).
std::size_t resident_bytes();
/// Raises the soft limit on open descriptors to the hard limit; the limit now.
std::size_t raise_descriptor_limit();

}  // namespace wskemu::bench
