// Test-side code of the consumer: the control API and the driver's C entry point.
#include <cstdio>

#include <wskemu/leak_report.hpp>

extern "C" unsigned int ConsumerRoundTrip(void);

int main() {
    const unsigned int value = ConsumerRoundTrip();
    const bool clean = wskemu::format_leak_report().empty();
    std::printf("consumer: %u, %s\n", value, clean ? "no leaks" : "leaks");
    return value == 280u + 24u && clean ? 0 : 1;
}
