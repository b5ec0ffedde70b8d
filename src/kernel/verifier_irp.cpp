// wskemu: verifier rules for IRPs held by WSK calls and the MDLs their
// buffers use (docs/verifier.md, "IRPs" and "MDLs and buffers").
#include "verifier_irp.hpp"

#include "common/cold.hpp"
#include "ex_pool.hpp"
#include "verifier.hpp"

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace wskemu::kernel::verifier {

namespace {

constexpr UCHAR all_invoke_flags = SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_ERROR | SL_INVOKE_ON_CANCEL;

// One IRP a WSK call holds.
struct held_irp {
    const char* function = nullptr;
    bool client_allocated = false;
    // The MDLs of its buffer: a few inline, the rest in `more`.
    std::array<const MDL*, 4> mdls{};
    std::size_t mdl_count = 0;
    std::vector<const MDL*> more;
    // The bytes a send reads, when the checksum rule is on.
    std::vector<std::pair<const unsigned char*, std::size_t>> pieces;
    std::uint64_t checksum = 0;

    bool uses(const MDL* mdl) const noexcept {
        for (std::size_t i = 0; i < mdl_count && i < mdls.size(); ++i) {
            if (mdls[i] == mdl) {
                return true;
            }
        }
        for (const MDL* m : more) {
            if (m == mdl) {
                return true;
            }
        }
        return false;
    }
};

using held_table = std::unordered_map<const IRP*, held_irp>;

constexpr std::size_t max_spare_nodes = 64;

struct table_type {
    table_type() { spare.reserve(max_spare_nodes); }

    std::mutex mutex;
    held_table held;
    std::atomic<std::size_t> size{0};  // held.size(), read without the lock
    // Nodes of entries erased, reused so that a call allocates nothing.
    std::vector<held_table::node_type> spare;
};

// The rules that need to know which IRPs are held. With all of them off,
// calls skip the table (what "verifier off" costs, see docs/verifier.md).
constexpr std::uint64_t tracking_rules =
    mask_of({rule::irp_pending_reused, rule::irp_reuse_while_pending, rule::irp_free_while_pending,
             rule::irp_completion_status, rule::mdl_freed_while_pending, rule::mdl_unlocked_while_pending,
             rule::buffer_modified_while_pending});

bool tracking() noexcept { return any_enabled(tracking_rules); }

table_type& table() {
    static table_type* const instance = new table_type();
    return *instance;
}

// The IRP the calling thread's current WSK call took (buffer notes go there).
thread_local const IRP* current_irp = nullptr;
// The IRP the calling thread's provider is completing, and whether it is
// client-allocated.
thread_local const IRP* completing_irp = nullptr;
thread_local bool completing_client = false;
thread_local const char* completing_function = nullptr;

// The IRP this thread's current WSK call took and has neither completed nor
// marked pending. Until then no other thread can complete it, so its entry
// stays here, out of the shared table: an inline call takes no lock for it.
// irp_pending() (the provider's mark_pending) moves it into the table before
// the operation is handed to another thread. What other threads cannot see:
// an IRP freed or reused by one thread while another is inside the inline
// call that holds it (a race in the driver itself).
struct own_slot {
    const IRP* irp = nullptr;
    held_irp entry;
};
thread_local own_slot own;

void reset(held_irp& entry) noexcept {
    entry.function = nullptr;
    entry.client_allocated = false;
    entry.mdl_count = 0;
    entry.more.clear();
    entry.pieces.clear();
    entry.checksum = 0;
}

// Moves this thread's own entry into the shared table (t.mutex held).
void promote_own_locked(table_type& t) {
    if (own.irp == nullptr) {
        return;
    }
    if (!t.spare.empty()) {
        held_table::node_type node = std::move(t.spare.back());
        t.spare.pop_back();
        node.key() = own.irp;
        node.mapped() = std::move(own.entry);
        t.held.insert(std::move(node));
    } else {
        t.held.emplace(own.irp, std::move(own.entry));
    }
    t.size.store(t.held.size(), std::memory_order_relaxed);
    own.irp = nullptr;
    reset(own.entry);
}

std::uint64_t checksum_of(const std::vector<std::pair<const unsigned char*, std::size_t>>& pieces) noexcept {
    std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a
    for (const auto& [data, size] : pieces) {
        for (std::size_t i = 0; i < size; ++i) {
            hash = (hash ^ data[i]) * 1099511628211ULL;
        }
    }
    return hash;
}

void note_mdls(held_irp& entry, const MDL* first, std::size_t count) {
    const MDL* mdl = first;
    for (std::size_t i = 0; i < count && mdl != nullptr; ++i, mdl = mdl->Next) {
        if (entry.uses(mdl)) {
            continue;
        }
        if (entry.mdl_count < entry.mdls.size()) {
            entry.mdls[entry.mdl_count++] = mdl;
        } else {
            entry.more.push_back(mdl);
        }
    }
}

common::stack_trace creation_of(const void* object) {
    const block_history history = block_history_of(object);
    return history.state == block_state::unknown ? common::stack_trace{} : history.info.stack;
}

void report_with_creation(rule r, const char* function, const void* object, const std::string& message) {
    const common::stack_trace created = creation_of(object);
    report_details details;
    details.creation = &created;
    report(r, function, object, message, details);
}

WSKEMU_COLD void report_freed_irp(PIRP irp, const char* function) {
    const block_history history = block_history_of(irp);
    report_details details;
    details.creation = &history.info.stack;
    details.freed = &history.free_stack;
    details.has_parameters = true;
    details.parameters = {reinterpret_cast<ULONG_PTR>(irp), 0, 0, 0};
    report_fatal(rule::irp_freed_access, function, irp,
                 fmt::format("{}: IRP {} was freed (IoFreeIrp) and is used again", function,
                             static_cast<const void*>(irp)),
                 details);
}

WSKEMU_COLD void report_irp_still_held(PIRP irp, const char* function, const char* holder) {
    report_with_creation(rule::irp_pending_reused, function, irp,
                         fmt::format("{}: IRP {} is still held by a pending {}; wait for its completion routine "
                                     "before reusing it (refused with STATUS_INVALID_PARAMETER)",
                                     function, static_cast<const void*>(irp), holder));
}

WSKEMU_COLD void report_no_stack_location(PIRP irp, const char* function) {
    auto details = with_parameters(reinterpret_cast<ULONG_PTR>(irp));
    const common::stack_trace created = creation_of(irp);
    details.creation = &created;
    report(rule::irp_no_stack_location, function, irp,
           fmt::format("{}: IRP {} has no free stack location (StackCount {}, CurrentLocation {}); allocate it "
                       "with IoAllocateIrp(1, FALSE) or more (refused with STATUS_INVALID_PARAMETER)",
                       function, static_cast<const void*>(irp), static_cast<int>(irp->StackCount),
                       static_cast<int>(irp->CurrentLocation)),
           details);
}

WSKEMU_COLD void report_completion_routine(PIRP irp, const char* function, const IO_STACK_LOCATION* next) {
    if (next->CompletionRoutine == nullptr) {
        report_with_creation(rule::irp_no_completion_routine, function, irp,
                             fmt::format("{}: IRP {} was allocated by the driver but has no completion routine; "
                                         "set one with IoSetCompletionRoutine(Irp, Routine, Context, TRUE, TRUE, "
                                         "TRUE) that returns STATUS_MORE_PROCESSING_REQUIRED",
                                         function, static_cast<const void*>(irp)));
        return;
    }
    report_with_creation(rule::irp_invoke_flags, function, irp,
                         fmt::format("{}: the completion routine of IRP {} runs only on{}{}{}{}; a driver-"
                                     "allocated IRP needs it on success, error and cancel (TRUE, TRUE, TRUE)",
                                     function, static_cast<const void*>(irp),
                                     (next->Control & SL_INVOKE_ON_SUCCESS) ? " success" : "",
                                     (next->Control & SL_INVOKE_ON_ERROR) ? " error" : "",
                                     (next->Control & SL_INVOKE_ON_CANCEL) ? " cancel" : "",
                                     (next->Control & all_invoke_flags) == 0 ? " nothing" : ""));
}

// The function of the pending call whose entry for @p irp is in the shared
// table, or nullptr.
WSKEMU_NOINLINE const char* holder_in_table(table_type& t, const IRP* irp) {
    std::lock_guard lock(t.mutex);
    auto it = t.held.find(irp);
    return it == t.held.end() ? nullptr : it->second.function;
}

}  // namespace

void check_not_freed(PIRP irp, const char* function) {
    if (is_freed_block(irp)) [[unlikely]] {
        report_freed_irp(irp, function);
    }
}

bool irp_taken(PIRP irp, const char* function) {
    check_not_freed(irp, function);
    auto& t = table();
    // A held IRP is reported as held, whatever its stack looks like now.
    const bool tracked = tracking();
    if (tracked && (own.irp == irp || t.size.load(std::memory_order_relaxed) != 0)) {
        const char* first = own.irp == irp ? own.entry.function : holder_in_table(t, irp);
        if (first != nullptr) [[unlikely]] {
            report_irp_still_held(irp, function, first);
            return false;
        }
    }
    if (irp->CurrentLocation <= 1) [[unlikely]] {
        report_no_stack_location(irp, function);
        return false;
    }
    // No location in use: the driver allocated it for this call (IRP rule 2).
    const bool client_allocated = irp->CurrentLocation == irp->StackCount + 1;
    if (client_allocated) {
        const IO_STACK_LOCATION* next = IoGetNextIrpStackLocation(irp);
        if (next->CompletionRoutine == nullptr || (next->Control & all_invoke_flags) != all_invoke_flags)
            [[unlikely]] {
            report_completion_routine(irp, function, next);
        }
    }
    if (!tracked) {
        return true;
    }
    if (own.irp != nullptr) {
        // An earlier call of this thread still holds its IRP (a nested call):
        // that one goes to the table, this one takes the slot.
        std::lock_guard lock(t.mutex);
        promote_own_locked(t);
    }
    own.irp = irp;
    own.entry.function = function;
    own.entry.client_allocated = client_allocated;
    current_irp = irp;
    return true;
}

void irp_pending(PIRP irp) {
    if (own.irp != irp) {
        return;
    }
    auto& t = table();
    std::lock_guard lock(t.mutex);
    promote_own_locked(t);
}

const char* current_call() noexcept {
    if (current_irp == nullptr) {
        return nullptr;
    }
    if (own.irp == current_irp) {
        return own.entry.function;
    }
    auto& t = table();
    std::lock_guard lock(t.mutex);
    auto it = t.held.find(current_irp);
    return it == t.held.end() ? nullptr : it->second.function;
}

void buffer_in_use(const MDL* first, std::size_t count) {
    if (current_irp == nullptr || first == nullptr || count == 0) {
        return;
    }
    if (own.irp == current_irp) {
        if (count == 1 && own.entry.mdl_count == 0) {
            own.entry.mdls[0] = first;  // a call's single MDL: nothing to compare with
            own.entry.mdl_count = 1;
            return;
        }
        note_mdls(own.entry, first, count);
        return;
    }
    auto& t = table();
    std::lock_guard lock(t.mutex);
    if (auto it = t.held.find(current_irp); it != t.held.end()) {
        note_mdls(it->second, first, count);
    }
}

bool checksum_enabled() noexcept { return enabled(rule::buffer_modified_while_pending); }

void send_bytes(const void* data, std::size_t size) {
    if (current_irp == nullptr || size == 0) {
        return;
    }
    const auto note = [&](held_irp& entry) {
        entry.pieces.emplace_back(static_cast<const unsigned char*>(data), size);
        entry.checksum = checksum_of(entry.pieces);
    };
    if (own.irp == current_irp) {
        note(own.entry);
        return;
    }
    auto& t = table();
    std::lock_guard lock(t.mutex);
    if (auto it = t.held.find(current_irp); it != t.held.end()) {
        note(it->second);
    }
}

namespace {

// What completion_scope takes from a held IRP's entry.
struct taken_entry {
    const char* function = nullptr;
    bool client_allocated = false;
    bool modified = false;  // the checksum of its send's bytes changed
};

taken_entry take(const held_irp& entry) noexcept {
    return taken_entry{entry.function, entry.client_allocated,
                       !entry.pieces.empty() && checksum_of(entry.pieces) != entry.checksum};
}

// An IRP that went pending: its entry is in the shared table, if anywhere.
WSKEMU_NOINLINE taken_entry take_from_table(const IRP* irp) {
    auto& t = table();
    if (t.size.load(std::memory_order_relaxed) == 0) {
        return {};
    }
    held_irp entry;
    {
        std::lock_guard lock(t.mutex);
        auto it = t.held.find(irp);
        if (it == t.held.end()) {
            return {};
        }
        held_table::node_type node = t.held.extract(it);
        entry = std::move(node.mapped());
        if (t.spare.size() < max_spare_nodes) {
            node.mapped() = held_irp{};
            t.spare.push_back(std::move(node));
        }
        t.size.store(t.held.size(), std::memory_order_relaxed);
    }
    return take(entry);
}

WSKEMU_COLD void report_modified_send(PIRP irp, const char* function) {
    report_with_creation(rule::buffer_modified_while_pending, function, irp,
                         fmt::format("{}: the bytes of the send with IRP {} changed before it completed; a driver "
                                     "must not touch a send buffer until the completion routine runs",
                                     function, static_cast<const void*>(irp)));
}

}  // namespace

completion_scope::completion_scope(PIRP irp)
    : previous_(completing_irp), previous_client_(completing_client), previous_function_(completing_function) {
    if (current_irp == irp) {
        current_irp = nullptr;
    }
    taken_entry taken;
    if (own.irp == irp) [[likely]] {
        // An inline call's entry: read in place.
        taken = take(own.entry);
        own.irp = nullptr;
        reset(own.entry);
    } else {
        taken = take_from_table(irp);
    }
    completing_irp = irp;
    completing_client = taken.client_allocated;
    completing_function = taken.function;
    if (taken.modified) [[unlikely]] {
        report_modified_send(irp, taken.function);
    }
}

completion_scope::~completion_scope() {
    completing_irp = previous_;
    completing_client = previous_client_;
    completing_function = previous_function_;
}

bool stops_at_top(PIRP irp, bool routine_ran, NTSTATUS status) {
    if (irp != completing_irp || !completing_client) {
        return false;
    }
    if (routine_ran) {
        report_with_creation(rule::irp_completion_status, completing_function, irp,
                             fmt::format("{}: the completion routine of driver-allocated IRP {} returned {:#010x}, "
                                         "not STATUS_MORE_PROCESSING_REQUIRED: the I/O manager would take back an "
                                         "IRP it never issued (the IRP is left to the driver)",
                                         completing_function, static_cast<const void*>(irp),
                                         static_cast<ULONG>(status)));
    }
    return true;
}

bool irp_releasable(PIRP irp, const char* function) {
    const char* holder = own.irp == irp ? own.entry.function : nullptr;
    if (holder == nullptr && table().size.load(std::memory_order_relaxed) != 0) {
        auto& t = table();
        std::lock_guard lock(t.mutex);
        if (auto it = t.held.find(irp); it != t.held.end()) {
            holder = it->second.function;
        }
    }
    if (holder == nullptr) {
        return true;
    }
    const bool freeing = std::string_view(function) == "IoFreeIrp";
    report_with_creation(freeing ? rule::irp_free_while_pending : rule::irp_reuse_while_pending, function, irp,
                         fmt::format("{}: IRP {} is still held by a pending {}; wait for its completion routine "
                                     "(the {} is skipped)",
                                     function, static_cast<const void*>(irp), holder, freeing ? "free" : "reuse"));
    // Switched off: the driver gets what it asked for.
    return !enabled(freeing ? rule::irp_free_while_pending : rule::irp_reuse_while_pending);
}

bool mdl_releasable(const MDL* mdl, const char* function) {
    const IRP* user = nullptr;
    const char* holder = nullptr;
    if (own.irp != nullptr && own.entry.uses(mdl)) {
        user = own.irp;
        holder = own.entry.function;
    } else if (table().size.load(std::memory_order_relaxed) != 0) {
        auto& t = table();
        std::lock_guard lock(t.mutex);
        for (const auto& [irp, entry] : t.held) {
            if (entry.uses(mdl)) {
                user = irp;
                holder = entry.function;
                break;
            }
        }
    }
    if (user == nullptr) {
        return true;
    }
    const bool freeing = std::string_view(function) == "IoFreeMdl";
    const rule r = freeing ? rule::mdl_freed_while_pending : rule::mdl_unlocked_while_pending;
    report_with_creation(r, function, mdl,
                         fmt::format("{}: MDL {} describes the buffer of a {} still pending with IRP {}; release it "
                                     "in or after the completion routine{}",
                                     function, static_cast<const void*>(mdl), holder, static_cast<const void*>(user),
                                     freeing ? " (the free is skipped)" : ""));
    return !freeing || !enabled(r);
}

std::size_t held_irps() {
    auto& t = table();
    std::lock_guard lock(t.mutex);
    return t.held.size() + (own.irp != nullptr ? 1 : 0);
}

}  // namespace wskemu::kernel::verifier
