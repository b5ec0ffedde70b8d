// wskemu: memory descriptor lists. In user mode a buffer's system address is
// its own address; the page frame array holds virtual page numbers, which is
// all that drivers can observe of it.
#include "mm_mdl.hpp"
#include "caller_address.hpp"

#include "bug_check.hpp"
#include "ex_pool.hpp"
#include "log.hpp"
#include "seh.hpp"
#include "verifier.hpp"
#include "verifier_irp.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>


using namespace wskemu::kernel;

namespace {

constexpr ULONG mdl_tag = 0x206c644d;        // 'Mdl '
constexpr ULONG page_run_tag = 0x6c64704d;   // 'Mpdl'
constexpr ULONG max_mdl_length = 0xFFFFFFFFu - (PAGE_SIZE - 1);

struct locked_registry {
    std::mutex lock;
    std::unordered_map<const MDL*, locked_mdl_info> mdls;
    std::uint64_t order = 0;
};

locked_registry& registry() {
    static locked_registry* const instance = new locked_registry();
    return *instance;
}

void fill_page_numbers(PMDL mdl) {
    const ULONG pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(mdl), mdl->ByteCount);
    PPFN_NUMBER pfns = MmGetMdlPfnArray(mdl);
    const PFN_NUMBER first = reinterpret_cast<ULONG_PTR>(mdl->StartVa) >> PAGE_SHIFT;
    for (ULONG i = 0; i < pages; ++i) {
        pfns[i] = first + i;
    }
}

// IoFreeMdl of an MDL whose pages are locked: reported, and forgotten as
// locked (the pages would stay locked forever on Windows).
void report_freed_while_locked(PMDL mdl) {
    const locked_mdl_info* info = nullptr;
    locked_mdl_info copy{};
    {
        auto& r = registry();
        std::lock_guard guard(r.lock);
        if (auto it = r.mdls.find(mdl); it != r.mdls.end()) {
            copy = it->second;
            info = &copy;
            r.mdls.erase(it);
        }
    }
    const block_history history = block_history_of(mdl);
    verifier::report_details details;
    details.creation = &history.info.stack;
    details.has_parameters = true;
    details.parameters = {reinterpret_cast<ULONG_PTR>(mdl), 0, 0, 0};
    verifier::report(verifier::rule::mdl_freed_while_locked, "IoFreeMdl", mdl,
                     fmt::format("IoFreeMdl: the pages of MDL {} are still locked{}; call MmUnlockPages first",
                                 static_cast<void*>(mdl),
                                 info != nullptr ? fmt::format(" (locked at {})", info->lock_site) : std::string()),
                     details);
}

}  // namespace

namespace wskemu::kernel {

std::vector<locked_mdl_info> locked_mdls() {
    auto& r = registry();
    std::lock_guard guard(r.lock);
    std::vector<locked_mdl_info> result;
    result.reserve(r.mdls.size());
    for (const auto& [mdl, info] : r.mdls) {
        result.push_back(info);
    }
    return result;
}

}  // namespace wskemu::kernel

/* MmSizeOfMdl (ntoskrnl) */
extern "C" SIZE_T NTAPI MmSizeOfMdl(PVOID Base, SIZE_T Length) {
    return sizeof(MDL) + sizeof(PFN_NUMBER) * ADDRESS_AND_SIZE_TO_SPAN_PAGES(Base, Length);
}

/* IoAllocateMdl (ntoskrnl) */
extern "C" PMDL NTAPI IoAllocateMdl(PVOID VirtualAddress, ULONG Length, BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota,
                                    PIRP Irp) {
    verifier::check_irql("IoAllocateMdl", DISPATCH_LEVEL, WSKEMU_CALLER());
    if (Length > max_mdl_length) {
        return nullptr;
    }
    if (ChargeQuota) {
        log().warn("IoAllocateMdl: ChargeQuota must be FALSE; quota is not charged");
    }
    const SIZE_T size = MmSizeOfMdl(VirtualAddress, Length);
    auto mdl = static_cast<PMDL>(tracked_allocate(block_kind::mdl, size, mdl_tag, true, WSKEMU_CALLER()));
    if (mdl == nullptr) {
        return nullptr;
    }
    MmInitializeMdl(mdl, VirtualAddress, Length);
    mdl->MdlFlags = MDL_ALLOCATED_FIXED_SIZE;
    if (Irp != nullptr) {
        if (!SecondaryBuffer) {
            Irp->MdlAddress = mdl;
        } else {
            PMDL tail = Irp->MdlAddress;
            if (tail == nullptr) {
                Irp->MdlAddress = mdl;
            } else {
                while (tail->Next != nullptr) {
                    tail = tail->Next;
                }
                tail->Next = mdl;
            }
        }
    }
    return mdl;
}

/* IoFreeMdl (ntoskrnl) */
extern "C" VOID NTAPI IoFreeMdl(PMDL Mdl) {
    verifier::check_irql("IoFreeMdl", DISPATCH_LEVEL, WSKEMU_CALLER());
    if (Mdl != nullptr && is_live_block(Mdl, block_kind::mdl)) {
        if (!verifier::mdl_releasable(Mdl, "IoFreeMdl")) {
            return;  // a pending WSK call still reads or writes through it
        }
        if (Mdl->MdlFlags & MDL_PAGES_LOCKED) {
            report_freed_while_locked(Mdl);
        }
        if (Mdl->MdlFlags & MDL_PARTIAL_HAS_BEEN_MAPPED) {
            MmUnmapLockedPages(Mdl->MappedSystemVa, Mdl);
        }
    }
    tracked_free(Mdl, block_kind::mdl, 0, false, "IoFreeMdl");
}

/* MmCreateMdl (ntoskrnl, obsolete) */
extern "C" PMDL NTAPI MmCreateMdl(PMDL MemoryDescriptorList, PVOID Base, SIZE_T Length) {
    if (Length > max_mdl_length) {
        return nullptr;
    }
    PMDL mdl = MemoryDescriptorList;
    if (mdl == nullptr) {
        mdl = static_cast<PMDL>(
            tracked_allocate(block_kind::mdl, MmSizeOfMdl(Base, Length), mdl_tag, true, WSKEMU_CALLER()));
        if (mdl == nullptr) {
            return nullptr;
        }
    }
    MmInitializeMdl(mdl, Base, Length);
    return mdl;
}

/* MmBuildMdlForNonPagedPool (ntoskrnl) */
extern "C" VOID NTAPI MmBuildMdlForNonPagedPool(PMDL MemoryDescriptorList) {
    PMDL mdl = MemoryDescriptorList;
    fill_page_numbers(mdl);
    mdl->MappedSystemVa = MmGetMdlVirtualAddress(mdl);
    mdl->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
}

/* MmProbeAndLockPages (ntoskrnl) */
extern "C" VOID NTAPI MmProbeAndLockPages(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                                          LOCK_OPERATION Operation) {
    PMDL mdl = MemoryDescriptorList;
    (void)AccessMode;
    verifier::check_irql("MmProbeAndLockPages", APC_LEVEL, WSKEMU_CALLER(),
                         "pageable memory is probed and locked at IRQL <= APC_LEVEL");
    if (mdl->MdlFlags & MDL_PAGES_LOCKED) {
        auto details = verifier::with_parameters(0x9A, reinterpret_cast<ULONG_PTR>(mdl));
        verifier::report(verifier::rule::mdl_already_locked, "MmProbeAndLockPages", mdl,
                         fmt::format("MmProbeAndLockPages: MDL {} is already locked", static_cast<void*>(mdl)),
                         details);
        return;  // switched off: it stays locked once
    }
    if (mdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL) {
        const block_history history = block_history_of(mdl);
        verifier::report_details details;
        details.creation = &history.info.stack;
        verifier::report(verifier::rule::mdl_nonpaged_then_locked, "MmProbeAndLockPages", mdl,
                         fmt::format("MmProbeAndLockPages: MDL {} was built by MmBuildMdlForNonPagedPool; such an "
                                     "MDL describes nonpaged memory and is never probed, locked or unlocked",
                                     static_cast<void*>(mdl)),
                         details);
    }
    if (mdl->StartVa == nullptr && mdl->ByteCount != 0) {
        // What a bad buffer address raises on Windows; caught by __except.
        wskemu::kernel::raise_structured_exception(STATUS_ACCESS_VIOLATION);
    }
    fill_page_numbers(mdl);
    mdl->MdlFlags |= MDL_PAGES_LOCKED;
    if (Operation != IoReadAccess) {
        mdl->MdlFlags |= MDL_WRITE_OPERATION;
    }
    auto& r = registry();
    std::lock_guard guard(r.lock);
    r.mdls[mdl] = locked_mdl_info{mdl, WSKEMU_CALLER(),
                                  verifier::capture_stacks() ? wskemu::common::stack_trace::capture(1)
                                                              : wskemu::common::stack_trace{}};
}

/* MmUnlockPages (ntoskrnl) */
extern "C" VOID NTAPI MmUnlockPages(PMDL MemoryDescriptorList) {
    PMDL mdl = MemoryDescriptorList;
    if ((mdl->MdlFlags & MDL_PAGES_LOCKED) == 0) {
        auto details = verifier::with_parameters(0x7, reinterpret_cast<ULONG_PTR>(mdl));
        verifier::report(verifier::rule::mdl_not_locked, "MmUnlockPages", mdl,
                         fmt::format("MmUnlockPages: the pages of MDL {} are not locked", static_cast<void*>(mdl)),
                         details);
        return;  // switched off: nothing to unlock
    }
    (void)verifier::mdl_releasable(mdl, "MmUnlockPages");
    if (mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) {
        MmUnmapLockedPages(mdl->MappedSystemVa, mdl);
    }
    mdl->MdlFlags &= ~(MDL_PAGES_LOCKED | MDL_WRITE_OPERATION);
    auto& r = registry();
    std::lock_guard guard(r.lock);
    r.mdls.erase(mdl);
}

/* MmMapLockedPagesSpecifyCache (ntoskrnl) */
extern "C" PVOID NTAPI MmMapLockedPagesSpecifyCache(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                                                    MEMORY_CACHING_TYPE CacheType, PVOID RequestedAddress,
                                                    ULONG BugCheckOnFailure, ULONG Priority) {
    PMDL mdl = MemoryDescriptorList;
    (void)CacheType;
    (void)BugCheckOnFailure;
    (void)Priority;
    if (AccessMode != KernelMode || RequestedAddress != nullptr) {
        log().error("MmMapLockedPagesSpecifyCache: only kernel-mode mappings at a system-chosen address are emulated");
        return nullptr;
    }
    if (mdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED | MDL_SOURCE_IS_NONPAGED_POOL)) {
        return mdl->MappedSystemVa;
    }
    mdl->MappedSystemVa = MmGetMdlVirtualAddress(mdl);
    mdl->MdlFlags |= (mdl->MdlFlags & MDL_PARTIAL) ? MDL_PARTIAL_HAS_BEEN_MAPPED : MDL_MAPPED_TO_SYSTEM_VA;
    return mdl->MappedSystemVa;
}

/* MmMapLockedPages (ntoskrnl, obsolete) */
extern "C" PVOID NTAPI MmMapLockedPages(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode) {
    return MmMapLockedPagesSpecifyCache(MemoryDescriptorList, AccessMode, MmCached, nullptr, TRUE,
                                        NormalPagePriority);
}

/* MmUnmapLockedPages (ntoskrnl) */
extern "C" VOID NTAPI MmUnmapLockedPages(PVOID BaseAddress, PMDL MemoryDescriptorList) {
    (void)BaseAddress;
    MemoryDescriptorList->MdlFlags &= ~(MDL_MAPPED_TO_SYSTEM_VA | MDL_PARTIAL_HAS_BEEN_MAPPED);
}

/* IoBuildPartialMdl (ntoskrnl) */
extern "C" VOID NTAPI IoBuildPartialMdl(PMDL SourceMdl, PMDL TargetMdl, PVOID VirtualAddress, ULONG Length) {
    const auto source_start = reinterpret_cast<ULONG_PTR>(MmGetMdlVirtualAddress(SourceMdl));
    const auto address = reinterpret_cast<ULONG_PTR>(VirtualAddress);
    if (address < source_start || address - source_start > SourceMdl->ByteCount) {
        raise_bug_check(DRIVER_VERIFIER_DETECTED_VIOLATION, 0x1000, reinterpret_cast<ULONG_PTR>(SourceMdl), address, 0,
                        fmt::format("IoBuildPartialMdl: address {} is outside the source MDL {} ({} bytes at {:#x})",
                                    VirtualAddress, static_cast<void*>(SourceMdl), SourceMdl->ByteCount,
                                    source_start));
    }
    const ULONG offset = static_cast<ULONG>(address - source_start);
    if (Length == 0) {
        Length = SourceMdl->ByteCount - offset;
    }
    if (static_cast<ULONGLONG>(offset) + Length > SourceMdl->ByteCount) {
        raise_bug_check(DRIVER_VERIFIER_DETECTED_VIOLATION, 0x1001, reinterpret_cast<ULONG_PTR>(SourceMdl), offset,
                        Length,
                        fmt::format("IoBuildPartialMdl: {} bytes at offset {} run past the end of the source MDL {} "
                                    "({} bytes)",
                                    Length, offset, static_cast<void*>(SourceMdl), SourceMdl->ByteCount));
    }
    const SIZE_T needed = MmSizeOfMdl(VirtualAddress, Length);
    if (static_cast<SIZE_T>(static_cast<USHORT>(TargetMdl->Size)) < needed) {
        raise_bug_check(TARGET_MDL_TOO_SMALL, reinterpret_cast<ULONG_PTR>(SourceMdl),
                        reinterpret_cast<ULONG_PTR>(TargetMdl), needed, static_cast<USHORT>(TargetMdl->Size),
                        fmt::format("IoBuildPartialMdl: target MDL {} has {} bytes, {} needed",
                                    static_cast<void*>(TargetMdl), TargetMdl->Size, needed));
    }
    const CSHORT kept = TargetMdl->MdlFlags & (MDL_ALLOCATED_FIXED_SIZE | MDL_ALLOCATED_MUST_SUCCEED);
    TargetMdl->Process = SourceMdl->Process;
    TargetMdl->StartVa = PAGE_ALIGN(VirtualAddress);
    TargetMdl->ByteOffset = BYTE_OFFSET(VirtualAddress);
    TargetMdl->ByteCount = Length;
    TargetMdl->MdlFlags = static_cast<CSHORT>(kept | MDL_PARTIAL | (SourceMdl->MdlFlags & MDL_IO_SPACE));
    if (SourceMdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL) {
        TargetMdl->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
        TargetMdl->MappedSystemVa = VirtualAddress;
    } else if (SourceMdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) {
        TargetMdl->MdlFlags |= MDL_PARENT_MAPPED_SYSTEM_VA;
        TargetMdl->MappedSystemVa = static_cast<PCHAR>(SourceMdl->MappedSystemVa) + offset;
    }
    const ULONG first_page = static_cast<ULONG>((reinterpret_cast<ULONG_PTR>(TargetMdl->StartVa) -
                                                 reinterpret_cast<ULONG_PTR>(SourceMdl->StartVa)) >>
                                                PAGE_SHIFT);
    const ULONG pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(VirtualAddress, Length);
    std::copy_n(MmGetMdlPfnArray(SourceMdl) + first_page, pages, MmGetMdlPfnArray(TargetMdl));
}

/* MmAllocatePagesForMdlEx (ntoskrnl) */
extern "C" PMDL NTAPI MmAllocatePagesForMdlEx(PHYSICAL_ADDRESS LowAddress, PHYSICAL_ADDRESS HighAddress,
                                              PHYSICAL_ADDRESS SkipBytes, SIZE_T TotalBytes,
                                              MEMORY_CACHING_TYPE CacheType, ULONG Flags) {
    (void)LowAddress;
    (void)HighAddress;
    (void)SkipBytes;
    (void)CacheType;
    const SIZE_T bytes = ROUND_TO_PAGES(TotalBytes);
    if (bytes == 0 || bytes > max_mdl_length) {
        return nullptr;
    }
    const void* site = WSKEMU_CALLER();
    void* pages = tracked_allocate(block_kind::page_run, bytes, page_run_tag, (Flags & MM_DONT_ZERO_ALLOCATION) == 0,
                                   site, PAGE_SIZE);
    if (pages == nullptr) {
        return nullptr;
    }
    auto mdl = static_cast<PMDL>(
        tracked_allocate(block_kind::mdl, MmSizeOfMdl(pages, bytes), mdl_tag, true, site));
    if (mdl == nullptr) {
        tracked_free(pages, block_kind::page_run, 0, false, "MmAllocatePagesForMdlEx");
        return nullptr;
    }
    MmInitializeMdl(mdl, pages, bytes);
    fill_page_numbers(mdl);
    return mdl;
}

/* MmAllocatePagesForMdl (ntoskrnl) */
extern "C" PMDL NTAPI MmAllocatePagesForMdl(PHYSICAL_ADDRESS LowAddress, PHYSICAL_ADDRESS HighAddress,
                                            PHYSICAL_ADDRESS SkipBytes, SIZE_T TotalBytes) {
    return MmAllocatePagesForMdlEx(LowAddress, HighAddress, SkipBytes, TotalBytes, MmCached, 0);
}

/* MmFreePagesFromMdl (ntoskrnl): the MDL itself is then freed with ExFreePool. */
extern "C" VOID NTAPI MmFreePagesFromMdl(PMDL MemoryDescriptorList) {
    PMDL mdl = MemoryDescriptorList;
    if (mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA) {
        MmUnmapLockedPages(mdl->MappedSystemVa, mdl);
    }
    tracked_free(mdl->StartVa, block_kind::page_run, 0, false, "MmFreePagesFromMdl");
    mdl->ByteCount = 0;
}

/* MmIsAddressValid (ntoskrnl) */
extern "C" BOOLEAN NTAPI MmIsAddressValid(PVOID VirtualAddress) { return VirtualAddress != nullptr ? TRUE : FALSE; }

/* ProbeForRead (ntoskrnl) */
extern "C" VOID NTAPI ProbeForRead(const volatile VOID* Address, SIZE_T Length, ULONG Alignment) {
    if (Length == 0) {
        return;
    }
    if ((reinterpret_cast<ULONG_PTR>(Address) & (Alignment - 1)) != 0) {
        raise_structured_exception(STATUS_DATATYPE_MISALIGNMENT);
    }
    if (Address == nullptr || reinterpret_cast<ULONG_PTR>(Address) + Length < reinterpret_cast<ULONG_PTR>(Address)) {
        raise_structured_exception(STATUS_ACCESS_VIOLATION);
    }
}

/* ProbeForWrite (ntoskrnl) */
extern "C" VOID NTAPI ProbeForWrite(volatile VOID* Address, SIZE_T Length, ULONG Alignment) {
    ProbeForRead(Address, Length, Alignment);
}
