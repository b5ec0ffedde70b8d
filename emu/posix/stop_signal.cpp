// wskemu host: SIGINT and SIGTERM, taken by one thread with sigwait.
#include "stop_signal.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

namespace wskemu::host {

void watch_stop_signals() {
    // Blocked here, before any other thread exists, so every thread inherits
    // the mask and only the watcher below ever takes these signals.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::thread([set] {
        for (;;) {
            int signal_number = 0;
            if (sigwait(&set, &signal_number) != 0) {
                continue;
            }
            const char* name = signal_number == SIGTERM ? "SIGTERM" : "SIGINT";
            if (!request_stop(name)) {
                std::fprintf(stderr, "wskemu: %s again: exiting without waiting for the driver\n", name);
                std::fflush(nullptr);
                _exit(128 + signal_number);
            }
        }
    }).detach();
}

}  // namespace wskemu::host
