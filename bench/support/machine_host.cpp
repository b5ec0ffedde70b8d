// wskemu benchmarks, host side: machine facts and resident memory (Linux).
#include "machine.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace wskemu::bench {

std::string machine_summary() {
    std::string model = "unknown CPU";
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.rfind("model name", 0) == 0) {
            model = line.substr(line.find(':') + 2);
            break;
        }
    }
    utsname name{};
    ::uname(&name);
    std::ostringstream out;
    out << model << ", " << ::sysconf(_SC_NPROCESSORS_ONLN) << " processors online, " << name.sysname << ' '
        << name.release << ' ' << name.machine << ", "
        << (static_cast<unsigned long long>(::sysconf(_SC_PHYS_PAGES)) *
            static_cast<unsigned long long>(::sysconf(_SC_PAGESIZE)) >> 20)
        << " MiB";
    return out.str();
}

double load_average() {
    double load = 0;
    std::ifstream("/proc/loadavg") >> load;
    return load;
}

std::size_t resident_bytes() {
    ::malloc_trim(0);
    std::size_t size_pages = 0;
    std::size_t resident_pages = 0;
    std::ifstream("/proc/self/statm") >> size_pages >> resident_pages;
    return resident_pages * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

std::size_t raise_descriptor_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return 0;
    }
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
        ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    return static_cast<std::size_t>(limit.rlim_cur);
}

}  // namespace wskemu::bench
