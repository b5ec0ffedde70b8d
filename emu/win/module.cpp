// wskemu host: driver modules on Windows (LoadLibrary).
#include "module.hpp"

#include <windows.h>

#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <utility>

namespace wskemu::host {

namespace {

// FormatMessage's text for an error code, on one line.
std::string system_message(DWORD code) {
    char* text = nullptr;
    const DWORD length =
        FormatMessageA(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                       nullptr, code, 0, reinterpret_cast<char*>(&text), 0, nullptr);
    std::string message = length != 0 ? std::string(text, length) : fmt::format("error {}", code);
    LocalFree(text);
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r' || message.back() == ' ')) {
        message.pop_back();
    }
    return fmt::format("{} (error {})", message, code);
}

}  // namespace

driver_module load_driver_module(const std::string& path) {
    namespace fs = std::filesystem;
    if (auto problem = module_file_problem(path); !problem.empty()) {
        return {nullptr, std::move(problem)};
    }
    std::error_code error;
    // The module's own directory is searched for what it imports.
    const std::wstring absolute = fs::absolute(path, error).wstring();
    HMODULE module = LoadLibraryExW(absolute.c_str(), nullptr, LOAD_WITH_ALTERED_SEARCH_PATH);
    if (module == nullptr) {
        return {nullptr, fmt::format("cannot load {}: {}", path, system_message(GetLastError()))};
    }
    FARPROC entry = GetProcAddress(module, "DriverEntry");
    if (entry == nullptr) {
        FreeLibrary(module);
        return {nullptr, fmt::format("{} does not export DriverEntry", path)};
    }
    return {reinterpret_cast<void*>(entry), {}};
}

std::string describe_code_address(const void* address) {
    HMODULE module = nullptr;
    wchar_t name[MAX_PATH];
    if (address != nullptr &&
        GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                           static_cast<LPCWSTR>(address), &module) &&
        GetModuleFileNameW(module, name, MAX_PATH) != 0) {
        return fmt::format("{}+{:#x}", std::filesystem::path(name).filename().string(),
                           reinterpret_cast<std::uintptr_t>(address) - reinterpret_cast<std::uintptr_t>(module));
    }
    return fmt::format("{}", address);
}

}  // namespace wskemu::host
