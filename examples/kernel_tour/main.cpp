// The demo host: runs the kernel tour driver and prints what it did.
#include <cstdio>

#include "common/show_driver_output.hpp"

#include "tour_driver.h"

#include <wskemu/leak_report.hpp>

int main() {
    wskemu::example::show_driver_output();
    constexpr ULONG writes = 8;
    std::printf("wskemu kernel tour: %lu writes through a two-level driver stack, the last one cancelled\n",
                static_cast<unsigned long>(writes));
    if (!NT_SUCCESS(TourStart())) {
        std::printf("TourStart failed\n");
        return 1;
    }
    const ULONG good = TourRun(writes);
    TourStop();
    const std::string leaks = wskemu::format_leak_report();
    std::printf("%lu of %lu writes completed as expected; %s\n", static_cast<unsigned long>(good),
                static_cast<unsigned long>(writes), leaks.empty() ? "no kernel object leaked" : "leaked:");
    std::fputs(leaks.c_str(), stdout);
    return good == writes && leaks.empty() ? 0 : 1;
}
