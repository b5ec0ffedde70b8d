// Running a program with CreateProcess.
#include "run_command.hpp"

#include <windows.h>

namespace wskemu::example {

namespace {

// One argument as the C runtime of the child parses it back.
std::wstring quoted(const std::string& argument) {
    const std::wstring wide(argument.begin(), argument.end());
    if (!wide.empty() && wide.find_first_of(L" \t\"") == std::wstring::npos) {
        return wide;
    }
    std::wstring out = L"\"";
    std::size_t backslashes = 0;
    for (const wchar_t c : wide) {
        if (c == L'\\') {
            ++backslashes;
            continue;
        }
        // Backslashes double before a quote, which is escaped itself.
        out.append(c == L'"' ? backslashes * 2 + 1 : backslashes, L'\\');
        backslashes = 0;
        out += c;
    }
    out.append(backslashes * 2, L'\\');
    return out + L"\"";
}

}  // namespace

int run_command(const std::vector<std::string>& arguments, std::string& error) {
    std::wstring command_line;
    for (const auto& argument : arguments) {
        command_line += (command_line.empty() ? L"" : L" ") + quoted(argument);
    }
    STARTUPINFOW startup{};
    startup.cb = sizeof(startup);
    PROCESS_INFORMATION process{};
    if (!CreateProcessW(nullptr, command_line.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr, &startup,
                        &process)) {
        error = "CreateProcess failed with error " + std::to_string(GetLastError());
        return -1;
    }
    WaitForSingleObject(process.hProcess, INFINITE);
    DWORD status = 0;
    GetExitCodeProcess(process.hProcess, &status);
    CloseHandle(process.hThread);
    CloseHandle(process.hProcess);
    return static_cast<int>(status);
}

}  // namespace wskemu::example
