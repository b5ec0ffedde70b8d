// The demo host: starts the echo server driver on 127.0.0.1, sends it eight
// clients' streams at once from real loopback sockets, checks every byte that
// comes back, then stops the driver and reports what it counted.
#include <cstdio>

#include "echo_clients.hpp"
#include "echo_server_driver.h"
#include "common/loopback_address.hpp"

#include <wskemu/leak_report.hpp>

int main() {
    SOCKADDR_STORAGE address = wskemu::example::loopback_sockaddr(false, 0);
    USHORT port = 0;
    NTSTATUS status = EchoServerStart(reinterpret_cast<PSOCKADDR>(&address), 64, 16, &port);
    if (!NT_SUCCESS(status)) {
        std::printf("EchoServerStart failed: 0x%08X\n", static_cast<unsigned>(status));
        return 1;
    }
    std::printf("wskemu echo server: a WSK driver listening on 127.0.0.1:%u\n", port);
    wskemu::example::echo_load load;
    load.port = port;
    load.clients = 8;
    load.bytes_each = 256 * 1024;
    const auto result = wskemu::example::run_echo_clients(load);
    std::printf("%zu of %zu clients got their %zu bytes back intact%s%s\n", result.completed, load.clients,
                load.bytes_each, result.first_problem.empty() ? "" : "; first problem: ",
                result.first_problem.c_str());
    ECHO_SERVER_STATS stats;
    EchoServerQueryStats(&stats);
    status = EchoServerStop();
    std::printf("driver: %ld accepted, %lld bytes echoed, %ld receive indications (%ld not accepted at once, "
                "%ld receives posted for the rest); EchoServerStop returned 0x%08X\n",
                static_cast<long>(stats.Accepted), static_cast<long long>(stats.BytesEchoed),
                static_cast<long>(stats.Indications), static_cast<long>(stats.NotAccepted),
                static_cast<long>(stats.PostedReceives), static_cast<unsigned>(status));
    const std::string leaks = wskemu::format_leak_report();
    std::printf("%s\n", leaks.empty() ? "no kernel object leaked" : "leaked:");
    std::fputs(leaks.c_str(), stdout);
    return result.completed == load.clients && NT_SUCCESS(status) && leaks.empty() ? 0 : 1;
}
