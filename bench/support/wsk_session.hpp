// wskemu benchmarks: the driver side's one WSK registration. Neutral:
// standard library only.
#pragma once

#include <cstdint>

namespace wskemu::bench {

/// WskRegister and WskCaptureProviderNPI for the benchmarks' driver code;
/// the NTSTATUS (0 = success). Call once, before any benchmark runs.
std::int32_t start_wsk_client();
/// WskReleaseProviderNPI and WskDeregister (every socket closed first).
void stop_wsk_client();

}  // namespace wskemu::bench
