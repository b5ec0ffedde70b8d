// wskemu: IRP allocation, initialisation, reuse and release.
#include <wdm.h>

#include "bug_check.hpp"
#include "caller_address.hpp"
#include "common/cold.hpp"
#include "ex_pool.hpp"
#include "verifier.hpp"
#include "verifier_irp.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstring>

using namespace wskemu::kernel;

namespace {

constexpr ULONG irp_tag = 0x20707249;  // 'Irp '

PIO_STACK_LOCATION past_last_location(PIRP irp, CCHAR stack_size) {
    return reinterpret_cast<PIO_STACK_LOCATION>(reinterpret_cast<PUCHAR>(irp) + sizeof(IRP)) + stack_size;
}

WSKEMU_COLD void report_not_an_irp(PIRP irp, const char* function) {
    auto details = verifier::with_parameters(0x1, reinterpret_cast<ULONG_PTR>(irp));
    verifier::report_fatal(verifier::rule::irp_not_an_irp, function, irp,
                           fmt::format("{}: {} is not an IRP (Type {})", function, static_cast<void*>(irp),
                                       irp == nullptr ? -1 : irp->Type),
                           details);
}

WSKEMU_COLD void report_reused_with_cancel_routine(PIRP irp, PDRIVER_CANCEL cancel_routine) {
    auto details =
        verifier::with_parameters(reinterpret_cast<ULONG_PTR>(irp), reinterpret_cast<ULONG_PTR>(cancel_routine));
    verifier::report(verifier::rule::irp_cancel_routine_at_completion, "IoReuseIrp", irp,
                     fmt::format("IoReuseIrp: IRP {} still has a cancel routine set", static_cast<void*>(irp)),
                     details);
}

void check_is_irp(PIRP irp, const char* function) {
    if (irp != nullptr) {
        verifier::check_not_freed(irp, function);
    }
    if (irp == nullptr || irp->Type != IO_TYPE_IRP) [[unlikely]] {
        report_not_an_irp(irp, function);
    }
}

}  // namespace

/* IoAllocateIrp (ntoskrnl) */
extern "C" PIRP NTAPI IoAllocateIrp(CCHAR StackSize, BOOLEAN ChargeQuota) {
    verifier::check_irql("IoAllocateIrp", DISPATCH_LEVEL, WSKEMU_CALLER());
    if (StackSize < 0) {
        return nullptr;
    }
    const USHORT size = IoSizeOfIrp(StackSize);
    auto irp = static_cast<PIRP>(tracked_allocate(block_kind::irp, size, irp_tag, true, WSKEMU_CALLER()));
    if (irp == nullptr) {
        return nullptr;
    }
    IoInitializeIrp(irp, size, StackSize);
    irp->AllocationFlags = IRP_ALLOCATED_FIXED_SIZE | (ChargeQuota ? IRP_QUOTA_CHARGED : 0);
    return irp;
}

/* IoInitializeIrp (ntoskrnl) */
extern "C" VOID NTAPI IoInitializeIrp(PIRP Irp, USHORT PacketSize, CCHAR StackSize) {
    std::memset(Irp, 0, PacketSize);
    Irp->Type = IO_TYPE_IRP;
    Irp->Size = PacketSize;
    Irp->StackCount = StackSize;
    Irp->CurrentLocation = static_cast<CHAR>(StackSize + 1);
    Irp->ApcEnvironment = 0;
    Irp->ThreadListEntry.Flink = &Irp->ThreadListEntry;
    Irp->ThreadListEntry.Blink = &Irp->ThreadListEntry;
    Irp->Tail.Overlay.CurrentStackLocation = past_last_location(Irp, StackSize);
}

/* IoReuseIrp (ntoskrnl) */
extern "C" VOID NTAPI IoReuseIrp(PIRP Irp, NTSTATUS Iostatus) {
    verifier::check_irql("IoReuseIrp", DISPATCH_LEVEL, WSKEMU_CALLER());
    check_is_irp(Irp, "IoReuseIrp");
    if (!verifier::irp_releasable(Irp, "IoReuseIrp")) {
        return;
    }
    const PDRIVER_CANCEL cancel_routine =
        std::atomic_ref<PDRIVER_CANCEL>(const_cast<PDRIVER_CANCEL&>(Irp->CancelRoutine)).load(std::memory_order_acquire);
    if (cancel_routine != nullptr) [[unlikely]] {
        report_reused_with_cancel_routine(Irp, cancel_routine);
    }
    const UCHAR allocation_flags = Irp->AllocationFlags;
    IoInitializeIrp(Irp, Irp->Size, Irp->StackCount);
    Irp->AllocationFlags = allocation_flags;
    Irp->IoStatus.Status = Iostatus;
}

/* IoFreeIrp (ntoskrnl) */
extern "C" VOID NTAPI IoFreeIrp(PIRP Irp) {
    verifier::check_irql("IoFreeIrp", DISPATCH_LEVEL, WSKEMU_CALLER());
    if (Irp == nullptr || !is_live_block(Irp, block_kind::irp)) {
        // Let the allocator tell a double free from a bad address.
        tracked_free(Irp, block_kind::irp, 0, false, "IoFreeIrp");
        return;
    }
    check_is_irp(Irp, "IoFreeIrp");
    if (!verifier::irp_releasable(Irp, "IoFreeIrp")) {
        return;
    }
    tracked_free(Irp, block_kind::irp, 0, false, "IoFreeIrp");
}

/* wskemu_IoStackOverflow: IoSetNextIrpStackLocation ran out of locations. */
extern "C" VOID NTAPI wskemu_IoStackOverflow(PIRP Irp) {
    auto details = verifier::with_parameters(reinterpret_cast<ULONG_PTR>(Irp));
    verifier::report_fatal(verifier::rule::irp_stack_overflow, "IoSetNextIrpStackLocation", Irp,
                    fmt::format("IRP {} has no free stack location left (StackCount {}, CurrentLocation {})",
                                static_cast<void*>(Irp), static_cast<int>(Irp->StackCount),
                                static_cast<int>(Irp->CurrentLocation)),
                    details);
}
