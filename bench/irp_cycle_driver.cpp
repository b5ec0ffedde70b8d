// wskemu benchmarks, driver side: an IRP reused for requests that complete
// without I/O. WDK headers only.
#include <ntddk.h>

#include "irp_cycle.hpp"

namespace wskemu::bench {

namespace {
constexpr ULONG cycler_tag = 'lcyC';
}  // namespace

struct irp_cycler {
    PIRP irp;
    ULONG64 completions;
};

namespace {

NTSTATUS NTAPI cycle_completed(PDEVICE_OBJECT device, PIRP irp, PVOID context) {
    UNREFERENCED_PARAMETER(device);
    UNREFERENCED_PARAMETER(irp);
    ++static_cast<irp_cycler*>(context)->completions;
    return STATUS_MORE_PROCESSING_REQUIRED;
}

}  // namespace

irp_cycler* irp_cycler_open() {
    auto* cycler = static_cast<irp_cycler*>(ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(irp_cycler), cycler_tag));
    if (cycler == nullptr) {
        return nullptr;
    }
    cycler->irp = IoAllocateIrp(1, FALSE);
    if (cycler->irp == nullptr) {
        ExFreePoolWithTag(cycler, cycler_tag);
        return nullptr;
    }
    return cycler;
}

void irp_cycle(irp_cycler* cycler) {
    PIRP irp = cycler->irp;
    IoReuseIrp(irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(irp, cycle_completed, cycler, TRUE, TRUE, TRUE);
    // The lower driver takes the request and completes it at once.
    IoSetNextIrpStackLocation(irp);
    irp->IoStatus.Status = STATUS_SUCCESS;
    irp->IoStatus.Information = 0;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
}

std::uint64_t irp_cycler_completions(const irp_cycler* cycler) { return cycler->completions; }

void irp_cycler_close(irp_cycler* cycler) {
    IoFreeIrp(cycler->irp);
    ExFreePoolWithTag(cycler, cycler_tag);
}

bool irp_allocate_free() {
    PIRP irp = IoAllocateIrp(1, FALSE);
    if (irp == nullptr) {
        return false;
    }
    IoFreeIrp(irp);
    return true;
}

}  // namespace wskemu::bench
