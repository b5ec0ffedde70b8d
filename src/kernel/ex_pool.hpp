// wskemu: the tracked allocator behind pool, IRP and MDL allocations.
#pragma once

#include <ntdef.h>

#include "common/stack_trace.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wskemu::kernel {

/// What a tracked block holds; a block must be freed by the routine of its kind.
enum class block_kind : std::uint8_t { pool, irp, mdl, page_run };

/// One live block, as the leak report shows it.
struct block_info {
    block_kind kind;
    ULONG tag;
    std::size_t size;
    const void* address;
    const void* allocation_site;  // return address into the allocating code
    std::uint64_t serial;         // allocation order, from 1
    common::stack_trace stack;    // where it was allocated (empty if stacks are off)
};

/// What the allocator knows of an address.
enum class block_state : std::uint8_t { live, freed, unknown };

/// A block's history for a verifier report.
struct block_history {
    block_state state = block_state::unknown;
    block_info info{};                // valid unless unknown
    common::stack_trace free_stack;   // where it was freed (freed blocks)
};

/// Looks up @p address: live, freed (still in the quarantine), or unknown.
block_history block_history_of(const void* address);

/// True if @p address is a freed block still in the quarantine (its memory
/// is poisoned: do not read it).
bool is_freed_block(const void* address) noexcept;

/// Allocates a tracked block (16-byte aligned unless asked for more, a power
/// of two); nullptr on failure, or when the runtime's fault plan fails this
/// kind of allocation from this site.
/// @p zero chooses zeroed memory; otherwise the block is filled with 0xCD so
/// that reads of uninitialised pool are visible.
void* tracked_allocate(block_kind kind, std::size_t size, ULONG tag, bool zero, const void* site,
                       std::size_t alignment = 16) noexcept;

/// A pool block the provider fills itself before anything reads it (the
/// received bytes of a data indication): no 0xCD fill, and no allocation or
/// free stack, which would show only the provider's own thread. Tracked and
/// open to the fault plan like any other block; tracked_free returns it to
/// the C runtime at once, without the 0xFD fill and the quarantine.
void* tracked_allocate_unfilled(std::size_t size, ULONG tag, const void* site) noexcept;

/// Frees a block: reports a bug check for an unknown address, a double free,
/// the wrong kind, or (when @p check_tag) a tag mismatch. @p function names
/// the WDK routine for the report.
void tracked_free(void* block, block_kind kind, ULONG tag, bool check_tag, const char* function);

/// True if @p block is a live tracked block of @p kind.
bool is_live_block(const void* block, block_kind kind) noexcept;

/// Size that was requested for a live block (0 if unknown).
std::size_t block_size(const void* block) noexcept;

/// Every live block, in allocation order.
std::vector<block_info> live_blocks();

/// Serial number the next allocation will get; live blocks with a serial at
/// or above a mark taken earlier were allocated since then.
std::uint64_t next_block_serial() noexcept;

/// The tag as its four characters ("Wsk "), printable or as hex.
std::string tag_text(ULONG tag);

}  // namespace wskemu::kernel
