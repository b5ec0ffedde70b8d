// wskemu host: Ctrl-C, Ctrl-Break and console close, from the console
// control handler (which Windows runs on a thread of its own).
#include "stop_signal.hpp"

#include <windows.h>

#include <cstdio>

namespace wskemu::host {

namespace {

BOOL WINAPI on_console_event(DWORD event) {
    const char* name = event == CTRL_C_EVENT ? "Ctrl-C" : event == CTRL_BREAK_EVENT ? "Ctrl-Break" : "console close";
    if (!request_stop(name)) {
        std::fprintf(stderr, "wskemu: %s again: exiting without waiting for the driver\n", name);
        std::fflush(nullptr);
        ExitProcess(130);
    }
    return TRUE;
}

}  // namespace

void watch_stop_signals() { SetConsoleCtrlHandler(on_console_event, TRUE); }

}  // namespace wskemu::host
