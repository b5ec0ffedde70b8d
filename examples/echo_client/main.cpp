// The demo host: starts a loopback echo server, then runs the echo client
// driver against it. The driver logs every WSK call with its status and
// byte count.
#include <cstdio>

#include "common/show_driver_output.hpp"

#include "echo_client_driver.h"
#include "common/loopback_address.hpp"

#include <wskemu/leak_report.hpp>
#include <wskemu/loopback_server.hpp>

int main() {
    wskemu::example::show_driver_output();
    wskemu::loopback_server peer(wskemu::server_behaviour::echo);
    if (!peer.listening()) {
        std::printf("could not start the loopback echo server\n");
        return 1;
    }
    std::printf("wskemu echo client: a WSK driver talking to an echo server on 127.0.0.1:%u\n", peer.port());
    SOCKADDR_STORAGE remote = wskemu::example::loopback_sockaddr(false, peer.port());
    SIZE_T echoed = 0;
    const NTSTATUS status = EchoClientRun(reinterpret_cast<PSOCKADDR>(&remote), 4, &echoed);
    const std::string leaks = wskemu::format_leak_report();
    std::printf("EchoClientRun returned 0x%08X, %zu bytes echoed; %s\n", static_cast<unsigned>(status),
                static_cast<size_t>(echoed), leaks.empty() ? "no kernel object leaked" : "leaked:");
    std::fputs(leaks.c_str(), stdout);
    return NT_SUCCESS(status) && leaks.empty() ? 0 : 1;
}
