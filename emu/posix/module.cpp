// wskemu host: driver modules on Linux (dlopen).
#include "module.hpp"

#include <dlfcn.h>

#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <utility>

namespace wskemu::host {

driver_module load_driver_module(const std::string& path) {
    namespace fs = std::filesystem;
    if (auto problem = module_file_problem(path); !problem.empty()) {
        return {nullptr, std::move(problem)};
    }
    std::error_code error;
    // An absolute path, or dlopen would search the library path for a bare name.
    const std::string absolute = fs::absolute(path, error).string();
    // RTLD_NOW: a kernel routine wskemu lacks is reported here, by name,
    // rather than when the driver first calls it.
    void* module = dlopen(absolute.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (module == nullptr) {
        const char* why = dlerror();
        return {nullptr, fmt::format("cannot load {}: {}", path, why != nullptr ? why : "unknown error")};
    }
    void* entry = dlsym(module, "DriverEntry");
    if (entry == nullptr) {
        dlclose(module);
        return {nullptr, fmt::format("{} does not export DriverEntry", path)};
    }
    return {entry, {}};
}

std::string describe_code_address(const void* address) {
    Dl_info info{};
    if (address != nullptr && dladdr(address, &info) != 0 && info.dli_fname != nullptr && info.dli_fbase != nullptr) {
        return fmt::format("{}+{:#x}", std::filesystem::path(info.dli_fname).filename().string(),
                           reinterpret_cast<std::uintptr_t>(address) -
                               reinterpret_cast<std::uintptr_t>(info.dli_fbase));
    }
    return fmt::format("{}", address);
}

}  // namespace wskemu::host
