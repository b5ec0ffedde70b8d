// The demo host: starts an HTTP server on 127.0.0.1, then runs the HTTP
// client driver, which resolves "localhost", connects and fetches a page.
// The driver logs every WSK call with its status and byte count.
#include <cstdio>
#include <string>

#include "common/show_driver_output.hpp"

#include "http_client_driver.h"
#include "http_server.hpp"

#include <wskemu/leak_report.hpp>

int main() {
    wskemu::example::show_driver_output();
    const std::string page = "<html><body><h1>Hello from a loopback server</h1></body></html>\n";
    wskemu::example::http_server server([&](const std::string&) {
        return wskemu::example::http_chunked_page(page, {16});
    });
    if (!server.listening()) {
        std::printf("could not start the loopback HTTP server\n");
        return 1;
    }
    std::printf("wskemu HTTP client: a WSK driver fetching http://localhost:%u/ (served on 127.0.0.1)\n",
                server.port());
    const std::wstring port = std::to_wstring(server.port());
    UNICODE_STRING host_name;
    UNICODE_STRING service;
    RtlInitUnicodeString(&host_name, L"localhost");
    RtlInitUnicodeString(&service, port.c_str());
    HTTP_RESPONSE response{};
    const NTSTATUS status = HttpClientGet(&host_name, &service, "/", AF_INET, 5000, &response);
    const bool same = NT_SUCCESS(status) &&
                      std::string(reinterpret_cast<const char*>(response.Body), response.BodyLength) == page;
    if (NT_SUCCESS(status)) {
        std::printf("HTTP %lu, %zu bytes of body%s:\n%.*s", static_cast<unsigned long>(response.StatusCode),
                    static_cast<size_t>(response.BodyLength), same ? ", as served" : ", NOT as served",
                    static_cast<int>(response.BodyLength), reinterpret_cast<const char*>(response.Body));
        HttpClientFreeResponse(&response);
    }
    const std::string leaks = wskemu::format_leak_report();
    std::printf("HttpClientGet returned 0x%08X; %s\n", static_cast<unsigned>(status),
                leaks.empty() ? "no kernel object leaked" : "leaked:");
    std::fputs(leaks.c_str(), stdout);
    return same && leaks.empty() ? 0 : 1;
}
