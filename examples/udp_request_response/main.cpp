// The demo host: starts a loopback UDP server that ignores the first copy of
// every fourth request, then runs the request/response driver against it.
// The driver logs each step; its retries answer the ignored requests.
#include <cstdio>

#include "common/loopback_address.hpp"
#include "common/show_driver_output.hpp"

#include "udp_request_response_driver.h"
#include "udp_responder.hpp"

#include <wskemu/leak_report.hpp>

int main() {
    wskemu::example::show_driver_output();
    wskemu::example::udp_responder server(false, 4);
    if (!server.listening()) {
        std::printf("could not start the loopback UDP server\n");
        return 1;
    }
    std::printf("wskemu UDP request/response: a WSK driver asking a server on 127.0.0.1:%u\n", server.port());
    SOCKADDR_STORAGE address = wskemu::example::loopback_sockaddr(false, server.port());
    UDP_RR_RESULT result{};
    const NTSTATUS status = UdpRequestResponseRun(reinterpret_cast<PSOCKADDR>(&address), 12, 100, 3, &result);
    const std::string leaks = wskemu::format_leak_report();
    std::printf("UdpRequestResponseRun returned 0x%08X: %lu answered, %lu retries (the server ignored %u); %s\n",
                static_cast<unsigned>(status), static_cast<unsigned long>(result.Answered),
                static_cast<unsigned long>(result.Retries), server.dropped(),
                leaks.empty() ? "no kernel object leaked" : "leaked:");
    std::fputs(leaks.c_str(), stdout);
    return NT_SUCCESS(status) && leaks.empty() ? 0 : 1;
}
