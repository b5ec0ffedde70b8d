// wskemu benchmarks: the cost of an IRP's round trip without I/O. The driver
// side (irp_cycle_driver.cpp) reuses one IRP as a driver's IRP pool does:
// IoReuseIrp, IoSetCompletionRoutine, the lower driver's
// IoSetNextIrpStackLocation and IoCompleteRequest, the completion routine
// taking the IRP back (STATUS_MORE_PROCESSING_REQUIRED). Neutral: standard
// library only.
#pragma once

#include <cstdint>

namespace wskemu::bench {

struct irp_cycler;

/// One IRP with one stack location; nullptr if it cannot be allocated.
irp_cycler* irp_cycler_open();
/// One cycle: reuse, completion routine, complete, routine runs.
void irp_cycle(irp_cycler* cycler);
/// How many times the completion routine ran.
std::uint64_t irp_cycler_completions(const irp_cycler* cycler);
void irp_cycler_close(irp_cycler* cycler);

/// IoAllocateIrp(1, FALSE) then IoFreeIrp; false if the allocation failed.
bool irp_allocate_free();

}  // namespace wskemu::bench
