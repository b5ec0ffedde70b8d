// wskemu host: what is checked of a driver module before the OS loads it.
#include "module.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace wskemu::host {

std::string module_file_problem(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code error;
    if (!fs::exists(path, error)) {
        return fmt::format("{}: no such file", path);
    }
    if (fs::is_directory(path, error)) {
        return fmt::format("{}: is a directory, not a driver module", path);
    }
    return {};
}

}  // namespace wskemu::host
