// wskemu: the executive pool: ExAllocatePool*, ExFreePool*, lookaside lists,
// and the tracked allocator that IRPs and MDLs share.
#include "ex_pool.hpp"
#include "caller_address.hpp"

#include <wdm.h>

#include "bug_check.hpp"
#include "common/cold.hpp"
#include "irql.hpp"
#include "log.hpp"
#include "runtime/control.hpp"
#include "verifier.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <new>
#include <unordered_map>

#if defined(__SANITIZE_ADDRESS__)
#define WSKEMU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WSKEMU_ASAN 1
#endif
#endif
#ifdef WSKEMU_ASAN
#include <sanitizer/asan_interface.h>
#define WSKEMU_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define WSKEMU_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define WSKEMU_POISON(p, n) ((void)(p), (void)(n))
#define WSKEMU_UNPOISON(p, n) ((void)(p), (void)(n))
#endif


namespace wskemu::kernel {

namespace {

constexpr ULONG untagged_pool_tag = 0x656e6f4e;  // 'None', what ExAllocatePool uses
constexpr std::size_t block_alignment = 16;
constexpr std::size_t quarantine_limit_bytes = 4u << 20;
constexpr unsigned char uninitialised_fill = 0xCD;
constexpr unsigned char freed_fill = 0xFD;

struct live_entry {
    block_info info;
    void* raw;            // what the C runtime returned
    std::size_t rounded;  // bytes really allocated
    common::stack_trace free_stack;  // once freed
    bool provider_filled = false;    // tracked_allocate_unfilled: no stacks
};

// Rounds up so that a zero-byte request still gets a unique address and the
// size is a multiple of the alignment, as aligned_alloc requires.
std::size_t padded_size(std::size_t size, std::size_t alignment) {
    return (size + alignment - 1) / alignment * alignment + alignment;
}

struct pool_state {
    std::mutex lock;
    std::unordered_map<const void*, live_entry> live;
    // Freed blocks stay allocated and poisoned for a while, so that a double
    // free is told apart from a bad address and a late access hits poison.
    std::deque<live_entry> quarantine;
    std::unordered_map<const void*, const live_entry*> quarantined;
    std::size_t quarantine_bytes = 0;
    std::uint64_t next_serial = 1;
};

pool_state& state() {
    static pool_state* const instance = new pool_state();  // outlives static destructors
    return *instance;
}

const char* kind_name(block_kind kind) {
    switch (kind) {
    case block_kind::pool: return "pool block";
    case block_kind::irp: return "IRP";
    case block_kind::mdl: return "MDL";
    case block_kind::page_run: return "page run";
    }
    return "block";
}

}  // namespace

std::string tag_text(ULONG tag) {
    char text[5] = {static_cast<char>(tag & 0xff), static_cast<char>((tag >> 8) & 0xff),
                    static_cast<char>((tag >> 16) & 0xff), static_cast<char>((tag >> 24) & 0xff), 0};
    for (int i = 0; i < 4; ++i) {
        if (text[i] < 0x20 || text[i] > 0x7e) {
            return fmt::format("0x{:08X}", tag);
        }
    }
    return fmt::format("'{}'", text);
}

namespace {

wskemu::allocation_kind fault_kind_of(block_kind kind) noexcept {
    switch (kind) {
    case block_kind::irp: return wskemu::allocation_kind::irp;
    case block_kind::mdl:
    case block_kind::page_run: return wskemu::allocation_kind::mdl;
    case block_kind::pool: break;
    }
    return wskemu::allocation_kind::pool;
}

}  // namespace

namespace {

void release_raw(void* raw) noexcept {
#if defined(_WIN32)
    _aligned_free(raw);
#else
    std::free(raw);
#endif
}

enum class block_fill : std::uint8_t { uninitialised, zero, by_provider };

// `stack`: where the WDK routine was called, captured by the caller (empty for
// provider-filled blocks).
void* allocate_block(block_kind kind, std::size_t size, ULONG tag, block_fill fill, const void* site,
                     std::size_t alignment, common::stack_trace stack) noexcept {
    if (rt::allocation_fails(fault_kind_of(kind), site)) {
        return nullptr;  // the fault plan fails this allocation
    }
    if (size > (std::size_t{1} << 40) || alignment < block_alignment || (alignment & (alignment - 1)) != 0) {
        return nullptr;
    }
    const std::size_t rounded = padded_size(size, alignment);
    void* raw = nullptr;
#if defined(_WIN32)
    raw = _aligned_malloc(rounded, alignment);
#else
    raw = std::aligned_alloc(alignment, rounded);
#endif
    if (raw == nullptr) {
        return nullptr;
    }
    const bool by_provider = fill == block_fill::by_provider;
    if (!by_provider) {
        std::memset(raw, fill == block_fill::zero ? 0 : uninitialised_fill, rounded);
    }
    auto& s = state();
    std::lock_guard guard(s.lock);
    live_entry entry{{kind, tag, size, raw, site, s.next_serial++, stack}, raw, rounded, {}, by_provider};
    s.live.emplace(raw, std::move(entry));
    return raw;
}

}  // namespace

void* tracked_allocate(block_kind kind, std::size_t size, ULONG tag, bool zero, const void* site,
                       std::size_t alignment) noexcept {
    // Skips this function: the stack starts at the WDK routine.
    common::stack_trace stack = verifier::capture_stacks() ? common::stack_trace::capture(1) : common::stack_trace{};
    return allocate_block(kind, size, tag, zero ? block_fill::zero : block_fill::uninitialised, site, alignment,
                          std::move(stack));
}

void* tracked_allocate_unfilled(std::size_t size, ULONG tag, const void* site) noexcept {
    return allocate_block(block_kind::pool, size, tag, block_fill::by_provider, site, block_alignment, {});
}

void tracked_free(void* block, block_kind kind, ULONG tag, bool check_tag, const char* function) {
    auto& s = state();
    std::unique_lock guard(s.lock);
    auto it = s.live.find(block);
    if (it == s.live.end()) {
        const auto freed = s.quarantined.find(block);
        if (freed != s.quarantined.end()) {
            const live_entry previous = *freed->second;
            guard.unlock();
            verifier::report_details details;
            details.creation = &previous.info.stack;
            details.freed = &previous.free_stack;
            details.has_parameters = true;
            details.parameters = {0x7, 0, reinterpret_cast<ULONG_PTR>(block), 0};
            verifier::report(verifier::rule::pool_double_free, function, block,
                             fmt::format("{}: {} at {} was already freed", function, kind_name(kind), block),
                             details);
            return;  // only if the rule is switched off: the second free is ignored
        }
        guard.unlock();
        auto details = verifier::with_parameters(0x46, reinterpret_cast<ULONG_PTR>(block));
        verifier::report(verifier::rule::pool_bad_free, function, block,
                         fmt::format("{}: {} is not an address wskemu allocated", function, block), details);
        return;
    }
    live_entry entry = it->second;
    if (entry.info.kind != kind) {
        guard.unlock();
        verifier::report_details details;
        details.creation = &entry.info.stack;
        details.has_parameters = true;
        details.parameters = {0x46, reinterpret_cast<ULONG_PTR>(block), 0, 0};
        verifier::report(verifier::rule::pool_bad_free, function, block,
                         fmt::format("{}: {} is a{} {}, not a{} {}", function, block,
                                     entry.info.kind == block_kind::irp ? "n" : "", kind_name(entry.info.kind),
                                     kind == block_kind::irp ? "n" : "", kind_name(kind)),
                         details);
        return;
    }
    if (check_tag && entry.info.tag != tag) {
        guard.unlock();
        verifier::report_details details;
        details.creation = &entry.info.stack;
        details.has_parameters = true;
        details.parameters = {0xA, reinterpret_cast<ULONG_PTR>(block), entry.info.tag, tag};
        verifier::report(verifier::rule::pool_tag_mismatch, function, block,
                         fmt::format("{}: block {} ({} bytes) was allocated with tag {} but freed with tag {}",
                                     function, block, entry.info.size, tag_text(entry.info.tag), tag_text(tag)),
                         details);
        // Switched off: freed all the same.
        guard.lock();
        it = s.live.find(block);
        if (it == s.live.end()) {
            return;
        }
    }
    s.live.erase(it);
    if (entry.provider_filled) {
        // Straight back to the C runtime, hot for the next read: no 0xFD pass,
        // no quarantine (docs/kernel.md). Under AddressSanitizer its own
        // quarantine reports a late read.
        guard.unlock();
        release_raw(entry.raw);
        return;
    }
    entry.free_stack = verifier::capture_stacks() ? common::stack_trace::capture(1) : common::stack_trace{};
    const std::size_t rounded = entry.rounded;
    std::memset(entry.raw, freed_fill, rounded);
    WSKEMU_POISON(entry.raw, rounded);
    s.quarantine.push_back(entry);
    s.quarantined[block] = &s.quarantine.back();
    s.quarantine_bytes += rounded;
    while (s.quarantine_bytes > quarantine_limit_bytes && !s.quarantine.empty()) {
        live_entry old = s.quarantine.front();
        s.quarantine.pop_front();
        const std::size_t old_rounded = old.rounded;
        s.quarantine_bytes -= old_rounded;
        s.quarantined.erase(old.raw);
        WSKEMU_UNPOISON(old.raw, old_rounded);
        release_raw(old.raw);
    }
}

block_history block_history_of(const void* address) {
    auto& s = state();
    std::lock_guard guard(s.lock);
    block_history history;
    if (auto it = s.live.find(address); it != s.live.end()) {
        history.state = block_state::live;
        history.info = it->second.info;
    } else if (auto freed = s.quarantined.find(address); freed != s.quarantined.end()) {
        history.state = block_state::freed;
        history.info = freed->second->info;
        history.free_stack = freed->second->free_stack;
    }
    return history;
}

namespace {

// Out of line: the check before it rejects nearly every address, and the
// lock would cost the caller a frame.
WSKEMU_NOINLINE bool is_quarantined(const void* address) noexcept {
    auto& s = state();
    std::lock_guard guard(s.lock);
    return s.quarantined.count(address) != 0;
}

}  // namespace

bool is_freed_block(const void* address) noexcept {
    // Called on every IRP a WSK call or an I/O routine is given: a freed
    // block is poisoned (AddressSanitizer) or filled with 0xFD, so a live one
    // is told apart without the lock.
#ifdef WSKEMU_ASAN
    if (!__asan_address_is_poisoned(address)) {
        return false;
    }
#else
    if (*static_cast<const unsigned char*>(address) != freed_fill) {
        return false;
    }
#endif
    return is_quarantined(address);
}

bool is_live_block(const void* block, block_kind kind) noexcept {
    auto& s = state();
    std::lock_guard guard(s.lock);
    auto it = s.live.find(block);
    return it != s.live.end() && it->second.info.kind == kind;
}

std::size_t block_size(const void* block) noexcept {
    auto& s = state();
    std::lock_guard guard(s.lock);
    auto it = s.live.find(block);
    return it == s.live.end() ? 0 : it->second.info.size;
}

std::vector<block_info> live_blocks() {
    auto& s = state();
    std::vector<block_info> blocks;
    {
        std::lock_guard guard(s.lock);
        blocks.reserve(s.live.size());
        for (const auto& [address, entry] : s.live) {
            blocks.push_back(entry.info);
        }
    }
    std::sort(blocks.begin(), blocks.end(), [](const auto& a, const auto& b) { return a.serial < b.serial; });
    return blocks;
}

std::uint64_t next_block_serial() noexcept {
    auto& s = state();
    std::lock_guard guard(s.lock);
    return s.next_serial;
}

}  // namespace wskemu::kernel

using namespace wskemu::kernel;

namespace {

bool pool_flags_valid(POOL_FLAGS flags) {
    const POOL_FLAGS pool_kinds = flags & (POOL_FLAG_NON_PAGED | POOL_FLAG_NON_PAGED_EXECUTE | POOL_FLAG_PAGED);
    // Exactly one pool kind, as ExAllocatePool2 requires.
    return pool_kinds == POOL_FLAG_NON_PAGED || pool_kinds == POOL_FLAG_NON_PAGED_EXECUTE ||
           pool_kinds == POOL_FLAG_PAGED;
}

// Paged pool at IRQL <= APC_LEVEL, nonpaged at <= DISPATCH_LEVEL.
void check_pool_irql(const char* function, bool paged, const void* caller) {
    verifier::check_irql(function, paged ? APC_LEVEL : DISPATCH_LEVEL, caller,
                         paged ? "paged pool is allocated and freed at IRQL <= APC_LEVEL"
                               : "pool is allocated and freed at IRQL <= DISPATCH_LEVEL");
}

PVOID allocate_or_raise(SIZE_T bytes, ULONG tag, bool zero, bool raise, const void* site) {
    PVOID block = tracked_allocate(block_kind::pool, bytes, tag, zero, site);
    if (block == nullptr && raise) {
        ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES);
    }
    return block;
}

}  // namespace

/* ExAllocatePool2 (ntoskrnl) */
extern "C" PVOID NTAPI ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag) {
    if (!pool_flags_valid(Flags) || Tag == 0) {
        // Windows fails the call for an invalid combination or a zero tag.
        log().error("ExAllocatePool2: invalid flags {:#x} or zero tag {} (size {})", Flags, tag_text(Tag),
                    NumberOfBytes);
        return nullptr;
    }
    check_pool_irql("ExAllocatePool2", (Flags & POOL_FLAG_PAGED) != 0, WSKEMU_CALLER());
    const bool zero = (Flags & POOL_FLAG_UNINITIALIZED) == 0;
    return allocate_or_raise(NumberOfBytes, Tag, zero, (Flags & POOL_FLAG_RAISE_ON_FAILURE) != 0, WSKEMU_CALLER());
}

/* ExAllocatePoolWithTag (ntoskrnl) */
extern "C" PVOID NTAPI ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag) {
    check_pool_irql("ExAllocatePoolWithTag", (PoolType & PagedPool) != 0, WSKEMU_CALLER());
    return allocate_or_raise(NumberOfBytes, Tag, false, (PoolType & POOL_RAISE_IF_ALLOCATION_FAILURE) != 0,
                             WSKEMU_CALLER());
}

/* ExAllocatePoolUninitialized (ntoskrnl) */
extern "C" PVOID NTAPI ExAllocatePoolUninitialized(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag) {
    return allocate_or_raise(NumberOfBytes, Tag, false, (PoolType & POOL_RAISE_IF_ALLOCATION_FAILURE) != 0,
                             WSKEMU_CALLER());
}

/* ExAllocatePoolZero (ntoskrnl) */
extern "C" PVOID NTAPI ExAllocatePoolZero(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag) {
    return allocate_or_raise(NumberOfBytes, Tag, true, (PoolType & POOL_RAISE_IF_ALLOCATION_FAILURE) != 0,
                             WSKEMU_CALLER());
}

/* ExAllocatePoolWithQuotaTag (ntoskrnl): quota is not emulated; it raises on
 * failure unless told not to, as Windows does. */
extern "C" PVOID NTAPI ExAllocatePoolWithQuotaTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag) {
    return allocate_or_raise(NumberOfBytes, Tag, false, (PoolType & POOL_QUOTA_FAIL_INSTEAD_OF_RAISE) == 0,
                             WSKEMU_CALLER());
}

/* ExAllocatePool (ntoskrnl) */
extern "C" PVOID NTAPI ExAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes) {
    return allocate_or_raise(NumberOfBytes, untagged_pool_tag, false,
                             (PoolType & POOL_RAISE_IF_ALLOCATION_FAILURE) != 0, WSKEMU_CALLER());
}

/* ExFreePoolWithTag (ntoskrnl) */
extern "C" VOID NTAPI ExFreePoolWithTag(PVOID P, ULONG Tag) {
    check_pool_irql("ExFreePoolWithTag", false, WSKEMU_CALLER());
    tracked_free(P, block_kind::pool, Tag, true, "ExFreePoolWithTag");
}

/* ExFreePool (ntoskrnl) */
extern "C" VOID NTAPI ExFreePool(PVOID P) {
    check_pool_irql("ExFreePool", false, WSKEMU_CALLER());
    // ExFreePool also frees the MDL that MmAllocatePagesForMdl returned.
    if (is_live_block(P, block_kind::mdl)) {
        tracked_free(P, block_kind::mdl, 0, false, "ExFreePool");
        return;
    }
    tracked_free(P, block_kind::pool, 0, false, "ExFreePool");
}

/* ExFreePool2 (ntoskrnl) */
extern "C" VOID NTAPI ExFreePool2(PVOID P, ULONG Tag, PVOID ExtendedParameters, ULONG ExtendedParametersCount) {
    if (ExtendedParameters != nullptr || ExtendedParametersCount != 0) {
        log().warn("ExFreePool2: extended parameters are not emulated and were ignored");
    }
    tracked_free(P, block_kind::pool, Tag, true, "ExFreePool2");
}

/* ---- lookaside lists ------------------------------------------------------ */
namespace {

void initialize_lookaside(PGENERAL_LOOKASIDE list, PVOID allocate, PVOID free, POOL_TYPE type, SIZE_T size,
                          ULONG tag, USHORT depth) {
    std::memset(list, 0, sizeof(*list));
    list->Type = type;
    list->Tag = tag;
    list->Size = static_cast<ULONG>(size < sizeof(SLIST_ENTRY) ? sizeof(SLIST_ENTRY) : size);
    list->AllocateEx = allocate;
    list->FreeEx = free;
    list->Depth = depth;
    list->MaximumDepth = depth;
}

}  // namespace

/* ExInitializeNPagedLookasideList (ntoskrnl) */
extern "C" VOID NTAPI ExInitializeNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PALLOCATE_FUNCTION Allocate,
                                                      PFREE_FUNCTION Free, ULONG Flags, SIZE_T Size, ULONG Tag,
                                                      USHORT Depth) {
    (void)Flags;
    initialize_lookaside(&Lookaside->L, reinterpret_cast<PVOID>(Allocate), reinterpret_cast<PVOID>(Free),
                         NonPagedPool, Size, Tag, Depth);
}

/* ExInitializePagedLookasideList (ntoskrnl) */
extern "C" VOID NTAPI ExInitializePagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside, PALLOCATE_FUNCTION Allocate,
                                                     PFREE_FUNCTION Free, ULONG Flags, SIZE_T Size, ULONG Tag,
                                                     USHORT Depth) {
    (void)Flags;
    initialize_lookaside(&Lookaside->L, reinterpret_cast<PVOID>(Allocate), reinterpret_cast<PVOID>(Free), PagedPool,
                         Size, Tag, Depth);
}

namespace {

PVOID lookaside_allocate(PGENERAL_LOOKASIDE list, const void* site) {
    list->TotalAllocates++;
    list->AllocateMisses++;  // no cache: every allocation goes to the pool
    if (list->AllocateEx != nullptr) {
        auto allocate = reinterpret_cast<PALLOCATE_FUNCTION>(list->AllocateEx);
        return allocate(list->Type, list->Size, list->Tag);
    }
    return tracked_allocate(block_kind::pool, list->Size, list->Tag, false, site);
}

void lookaside_free(PGENERAL_LOOKASIDE list, PVOID entry) {
    list->TotalFrees++;
    list->FreeMisses++;
    if (list->FreeEx != nullptr) {
        auto free_routine = reinterpret_cast<PFREE_FUNCTION>(list->FreeEx);
        free_routine(entry);
        return;
    }
    tracked_free(entry, block_kind::pool, list->Tag, true, "ExFreeToLookasideList");
}

}  // namespace

/* ExAllocateFromNPagedLookasideList (ntoskrnl) */
extern "C" PVOID NTAPI ExAllocateFromNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside) {
    return lookaside_allocate(&Lookaside->L, WSKEMU_CALLER());
}

/* ExFreeToNPagedLookasideList (ntoskrnl) */
extern "C" VOID NTAPI ExFreeToNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PVOID Entry) {
    lookaside_free(&Lookaside->L, Entry);
}

/* ExDeleteNPagedLookasideList (ntoskrnl): nothing is cached, nothing to free. */
extern "C" VOID NTAPI ExDeleteNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside) { (void)Lookaside; }

/* ExAllocateFromPagedLookasideList (ntoskrnl) */
extern "C" PVOID NTAPI ExAllocateFromPagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside) {
    return lookaside_allocate(&Lookaside->L, WSKEMU_CALLER());
}

/* ExFreeToPagedLookasideList (ntoskrnl) */
extern "C" VOID NTAPI ExFreeToPagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside, PVOID Entry) {
    lookaside_free(&Lookaside->L, Entry);
}

/* ExDeletePagedLookasideList (ntoskrnl) */
extern "C" VOID NTAPI ExDeletePagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside) { (void)Lookaside; }

/* ExInitializeLookasideListEx (ntoskrnl) */
extern "C" NTSTATUS NTAPI ExInitializeLookasideListEx(PLOOKASIDE_LIST_EX Lookaside, PALLOCATE_FUNCTION_EX Allocate,
                                                      PFREE_FUNCTION_EX Free, POOL_TYPE PoolType, ULONG Flags,
                                                      SIZE_T Size, ULONG Tag, USHORT Depth) {
    if (Lookaside == nullptr || Size == 0 ||
        (Flags & ~(EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL | EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE)) != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    initialize_lookaside(&Lookaside->L, reinterpret_cast<PVOID>(Allocate), reinterpret_cast<PVOID>(Free), PoolType,
                         Size, Tag, Depth);
    return STATUS_SUCCESS;
}

/* ExAllocateFromLookasideListEx (ntoskrnl) */
extern "C" PVOID NTAPI ExAllocateFromLookasideListEx(PLOOKASIDE_LIST_EX Lookaside) {
    PGENERAL_LOOKASIDE list = &Lookaside->L;
    list->TotalAllocates++;
    list->AllocateMisses++;
    if (list->AllocateEx != nullptr) {
        auto allocate = reinterpret_cast<PALLOCATE_FUNCTION_EX>(list->AllocateEx);
        return allocate(list->Type, list->Size, list->Tag, Lookaside);
    }
    return tracked_allocate(block_kind::pool, list->Size, list->Tag, false, WSKEMU_CALLER());
}

/* ExFreeToLookasideListEx (ntoskrnl) */
extern "C" VOID NTAPI ExFreeToLookasideListEx(PLOOKASIDE_LIST_EX Lookaside, PVOID Entry) {
    PGENERAL_LOOKASIDE list = &Lookaside->L;
    list->TotalFrees++;
    list->FreeMisses++;
    if (list->FreeEx != nullptr) {
        auto free_routine = reinterpret_cast<PFREE_FUNCTION_EX>(list->FreeEx);
        free_routine(Entry, Lookaside);
        return;
    }
    tracked_free(Entry, block_kind::pool, list->Tag, true, "ExFreeToLookasideListEx");
}

/* ExDeleteLookasideListEx (ntoskrnl) */
extern "C" VOID NTAPI ExDeleteLookasideListEx(PLOOKASIDE_LIST_EX Lookaside) { (void)Lookaside; }
