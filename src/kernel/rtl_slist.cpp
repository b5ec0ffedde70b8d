// wskemu: SLISTs, the spin-lock protected list routines, and the list
// integrity report used by the inline LIST_ENTRY helpers.
//
// SLIST layout (ke_types.h): Alignment holds the first entry's address,
// Region holds the depth (low 16 bits) and a sequence number (the rest),
// bumped by every push and pop as Windows does. A portable 128-bit CAS does
// not exist, so each header is guarded by one of a small table of locks
// picked by its address: thread-safe and ABA-free, and no state outside the
// header's own bytes.
#include <wdm.h>

#include "bug_check.hpp"
#include "ke_spinlock.hpp"

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>

namespace wskemu::kernel {

namespace {

constexpr ULONGLONG depth_mask = 0xFFFF;
constexpr ULONGLONG sequence_unit = 0x10000;

std::mutex& slist_lock(const SLIST_HEADER* header) noexcept {
    // Leaked on purpose: system threads may use SLISTs while the process exits.
    static auto* const locks = new std::array<std::mutex, 64>;
    const auto address = reinterpret_cast<std::uintptr_t>(header);
    return (*locks)[(address >> 4) % locks->size()];
}

std::atomic_ref<ULONGLONG> head_of(PSLIST_HEADER header) noexcept {
    return std::atomic_ref<ULONGLONG>(header->Alignment);
}

std::atomic_ref<ULONGLONG> region_of(PSLIST_HEADER header) noexcept {
    return std::atomic_ref<ULONGLONG>(header->Region);
}

// The new Region after a push (+1) or pop (-1): depth wraps at 16 bits as on
// Windows; the sequence always advances.
ULONGLONG next_region(ULONGLONG region, int depth_change) noexcept {
    const ULONGLONG depth = (region + static_cast<ULONGLONG>(static_cast<LONGLONG>(depth_change))) & depth_mask;
    const ULONGLONG sequence = (region & ~depth_mask) + sequence_unit;
    return sequence | depth;
}

PSLIST_ENTRY push_slist(PSLIST_HEADER header, PSLIST_ENTRY entry) noexcept {
    std::lock_guard lock(slist_lock(header));
    auto* const first = reinterpret_cast<PSLIST_ENTRY>(head_of(header).load(std::memory_order_relaxed));
    entry->Next = first;
    head_of(header).store(reinterpret_cast<ULONGLONG>(entry), std::memory_order_release);
    region_of(header).store(next_region(region_of(header).load(std::memory_order_relaxed), +1),
                            std::memory_order_release);
    return first;
}

PSLIST_ENTRY pop_slist(PSLIST_HEADER header) noexcept {
    std::lock_guard lock(slist_lock(header));
    auto* const first = reinterpret_cast<PSLIST_ENTRY>(head_of(header).load(std::memory_order_relaxed));
    if (first == nullptr) {
        return nullptr;
    }
    head_of(header).store(reinterpret_cast<ULONGLONG>(first->Next), std::memory_order_release);
    region_of(header).store(next_region(region_of(header).load(std::memory_order_relaxed), -1),
                            std::memory_order_release);
    return first;
}

PSLIST_ENTRY flush_slist(PSLIST_HEADER header) noexcept {
    std::lock_guard lock(slist_lock(header));
    auto* const first = reinterpret_cast<PSLIST_ENTRY>(head_of(header).exchange(0, std::memory_order_acq_rel));
    const ULONGLONG region = region_of(header).load(std::memory_order_relaxed);
    region_of(header).store(((region & ~depth_mask) + sequence_unit), std::memory_order_release);
    return first;
}

}  // namespace

}  // namespace wskemu::kernel

namespace kernel = wskemu::kernel;

/* InterlockedPushEntrySList (ntoskrnl): returns the previous first entry. */
extern "C" PSLIST_ENTRY NTAPI InterlockedPushEntrySList(PSLIST_HEADER ListHead, PSLIST_ENTRY ListEntry) {
    return kernel::push_slist(ListHead, ListEntry);
}

/* InterlockedPopEntrySList (ntoskrnl): NULL when empty. */
extern "C" PSLIST_ENTRY NTAPI InterlockedPopEntrySList(PSLIST_HEADER ListHead) { return kernel::pop_slist(ListHead); }

/* InterlockedFlushSList (ntoskrnl): detaches and returns the whole chain. */
extern "C" PSLIST_ENTRY NTAPI InterlockedFlushSList(PSLIST_HEADER ListHead) { return kernel::flush_slist(ListHead); }

/* QueryDepthSList (ntoskrnl) */
extern "C" USHORT NTAPI QueryDepthSList(PSLIST_HEADER ListHead) {
    return static_cast<USHORT>(std::atomic_ref<ULONGLONG>(ListHead->Region).load(std::memory_order_acquire) & 0xFFFF);
}

/* FirstEntrySList (ntoskrnl) */
extern "C" PSLIST_ENTRY NTAPI FirstEntrySList(PSLIST_HEADER ListHead) {
    return reinterpret_cast<PSLIST_ENTRY>(
        std::atomic_ref<ULONGLONG>(ListHead->Alignment).load(std::memory_order_acquire));
}

/* wskemu_ListEntryCorrupt (wskemu): the WDK's FatalListEntryError, a fast
 * fail with FAST_FAIL_CORRUPT_LIST_ENTRY. Parameter 2 is the entry or list
 * head whose neighbours disagree (Windows puts a trap frame there). */
extern "C" VOID NTAPI wskemu_ListEntryCorrupt(PLIST_ENTRY Entry) {
    kernel::raise_bug_check(KERNEL_SECURITY_CHECK_FAILURE, FAST_FAIL_CORRUPT_LIST_ENTRY,
                            reinterpret_cast<ULONG_PTR>(Entry), 0, 0,
                            fmt::format("LIST_ENTRY at {} is corrupt: its neighbours do not point back at it (a "
                                        "double removal, a use after free, or an uninitialised list head)",
                                        static_cast<void*>(Entry)));
}

namespace {

// Runs @p body holding @p lock at DISPATCH_LEVEL (Windows also disables
// interrupts; no emulated code runs at interrupt level).
template <typename Body>
auto with_spin_lock(PKSPIN_LOCK lock, const char* function, Body&& body) {
    const KIRQL old = kernel::acquire_spin_lock(lock, function);
    struct release_guard {
        PKSPIN_LOCK lock;
        KIRQL old;
        const char* function;
        ~release_guard() noexcept(false) { kernel::release_spin_lock(lock, old, function); }
    } guard{lock, old, function};
    return body();
}

}  // namespace

/* ExInterlockedInsertHeadList (ntoskrnl): returns the previous first entry, or NULL. */
extern "C" PLIST_ENTRY NTAPI ExInterlockedInsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry,
                                                         PKSPIN_LOCK Lock) {
    return with_spin_lock(Lock, "ExInterlockedInsertHeadList", [&]() -> PLIST_ENTRY {
        PLIST_ENTRY const first = IsListEmpty(ListHead) ? nullptr : ListHead->Flink;
        InsertHeadList(ListHead, ListEntry);
        return first;
    });
}

/* ExInterlockedInsertTailList (ntoskrnl): returns the previous last entry, or NULL. */
extern "C" PLIST_ENTRY NTAPI ExInterlockedInsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry,
                                                         PKSPIN_LOCK Lock) {
    return with_spin_lock(Lock, "ExInterlockedInsertTailList", [&]() -> PLIST_ENTRY {
        PLIST_ENTRY const last = IsListEmpty(ListHead) ? nullptr : ListHead->Blink;
        InsertTailList(ListHead, ListEntry);
        return last;
    });
}

/* ExInterlockedRemoveHeadList (ntoskrnl): NULL when empty. */
extern "C" PLIST_ENTRY NTAPI ExInterlockedRemoveHeadList(PLIST_ENTRY ListHead, PKSPIN_LOCK Lock) {
    return with_spin_lock(Lock, "ExInterlockedRemoveHeadList", [&]() -> PLIST_ENTRY {
        return IsListEmpty(ListHead) ? nullptr : RemoveHeadList(ListHead);
    });
}

/* ExInterlockedPushEntryList (ntoskrnl): returns the previous first entry. */
extern "C" PSINGLE_LIST_ENTRY NTAPI ExInterlockedPushEntryList(PSINGLE_LIST_ENTRY ListHead,
                                                               PSINGLE_LIST_ENTRY ListEntry, PKSPIN_LOCK Lock) {
    return with_spin_lock(Lock, "ExInterlockedPushEntryList", [&]() -> PSINGLE_LIST_ENTRY {
        PSINGLE_LIST_ENTRY const first = ListHead->Next;
        PushEntryList(ListHead, ListEntry);
        return first;
    });
}

/* ExInterlockedPopEntryList (ntoskrnl): NULL when empty. */
extern "C" PSINGLE_LIST_ENTRY NTAPI ExInterlockedPopEntryList(PSINGLE_LIST_ENTRY ListHead, PKSPIN_LOCK Lock) {
    return with_spin_lock(Lock, "ExInterlockedPopEntryList",
                          [&]() -> PSINGLE_LIST_ENTRY { return PopEntryList(ListHead); });
}
