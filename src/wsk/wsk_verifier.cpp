// wskemu: the verifier's WSK rules (WSK_BUF, indication lists, callbacks
// after close) and the leak check over kernel objects, sockets and
// registrations (include/wskemu/verifier.hpp: check_leaks).
#include "wsk/wsk_verifier.hpp"

#include <wskemu/verifier.hpp>

#include "kernel/ex_pool.hpp"
#include "kernel/mm_mdl.hpp"
#include "kernel/verifier.hpp"
#include "kernel/verifier_irp.hpp"
#include "wsk/wsk_buf.hpp"
#include "wsk/wsk_registration.hpp"
#include "wsk/wsk_socket_base.hpp"

#include <fmt/format.h>

#include <mutex>
#include <unordered_map>

namespace wskemu::wsk {

namespace verifier = kernel::verifier;

namespace {

// An indication list a driver holds, and where the provider handed it out.
struct retained_list {
    const WSK_SOCKET* socket;
    common::stack_trace retained_at;
};

struct indication_table {
    std::mutex mutex;
    std::unordered_map<const void*, retained_list> lists;
};

indication_table& indications() {
    static indication_table* const instance = new indication_table();
    return *instance;
}

const char* call_name() {
    const char* function = verifier::current_call();
    return function != nullptr ? function : "WSK call";
}

}  // namespace

void report_wsk_buf(const WSK_BUF* buffer, wsk_buf_fault fault) {
    const char* function = call_name();
    const MDL* first = buffer->Mdl;
    if (fault == wsk_buf_fault::offset_outside_first_mdl) {
        verifier::report(verifier::rule::mdl_wsk_buf_offset, function, first,
                         fmt::format("{}: WSK_BUF Offset {} is outside its first MDL {} ({} bytes); Offset counts "
                                     "from the start of the first MDL and must be below its ByteCount (refused "
                                     "with STATUS_INVALID_PARAMETER)",
                                     function, buffer->Offset, static_cast<const void*>(first),
                                     first->ByteCount));
        return;
    }
    std::size_t chain_bytes = 0;
    std::size_t mdls = 0;
    for (const MDL* m = first; m != nullptr && mdls < max_mdl_chain_length; m = m->Next, ++mdls) {
        chain_bytes += m->ByteCount;
    }
    const std::size_t available = chain_bytes > buffer->Offset ? chain_bytes - buffer->Offset : 0;
    verifier::report(verifier::rule::mdl_wsk_buf_past_chain, function, first,
                     fmt::format("{}: WSK_BUF Length {} runs past the end of its MDL chain ({} MDL(s), {} bytes "
                                 "from Offset {}); Windows would read or write past the buffer (refused with "
                                 "STATUS_INVALID_PARAMETER)",
                                 function, buffer->Length, mdls, available, buffer->Offset));
}

void indication_retained(const WSK_SOCKET* socket, const void* list) {
    if (list == nullptr) {
        return;
    }
    auto& t = indications();
    std::lock_guard lock(t.mutex);
    t.lists[list] = retained_list{socket, verifier::capture_stacks() ? common::stack_trace::capture(1)
                                                                     : common::stack_trace{}};
}

bool indication_released(const WSK_SOCKET* socket, const void* list) {
    auto& t = indications();
    std::unique_lock lock(t.mutex);
    auto it = t.lists.find(list);
    if (it == t.lists.end()) {
        lock.unlock();
        verifier::report(verifier::rule::indication_released_twice, "WskRelease", list,
                         fmt::format("WskRelease: indication list {} on socket {} is not retained: released "
                                     "already, or never handed out by a receive event (refused with "
                                     "STATUS_INVALID_PARAMETER)",
                                     list, static_cast<const void*>(socket)));
        return false;
    }
    if (it->second.socket != socket) {
        const retained_list held = it->second;
        lock.unlock();
        verifier::report_details details;
        details.creation = &held.retained_at;
        verifier::report(verifier::rule::indication_wrong_socket, "WskRelease", list,
                         fmt::format("WskRelease: indication list {} came from socket {}, not socket {}; release "
                                     "it on the socket whose receive event handed it out (refused with "
                                     "STATUS_INVALID_PARAMETER)",
                                     list, static_cast<const void*>(held.socket), static_cast<const void*>(socket)),
                         details);
        return false;
    }
    t.lists.erase(it);
    return true;
}

void socket_closed(const WSK_SOCKET* socket) {
    std::vector<std::pair<const void*, retained_list>> left;
    {
        auto& t = indications();
        std::lock_guard lock(t.mutex);
        for (auto it = t.lists.begin(); it != t.lists.end();) {
            if (it->second.socket == socket) {
                left.emplace_back(it->first, it->second);
                it = t.lists.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (const auto& [list, held] : left) {
        verifier::report_details details;
        details.creation = &held.retained_at;
        verifier::report(verifier::rule::indication_not_released, "WskCloseSocket", list,
                         fmt::format("WskCloseSocket: socket {} closed while the driver still retains indication "
                                     "list {}; WskCloseSocket does not release retained lists: call WskRelease "
                                     "first",
                                     static_cast<const void*>(socket), list),
                         details);
    }
}

bool event_callback_allowed(const WSK_SOCKET* socket, const char* callback) {
    if (is_live_socket(socket)) {
        return true;
    }
    verifier::report(verifier::rule::socket_callback_after_close, callback, socket,
                     fmt::format("{}: an event callback for socket {} after its close completed (an internal error "
                                 "of the provider; the callback is not delivered)",
                                 callback, static_cast<const void*>(socket)));
    return false;
}

std::size_t retained_indications() {
    auto& t = indications();
    std::lock_guard lock(t.mutex);
    return t.lists.size();
}

}  // namespace wskemu::wsk

namespace wskemu::verifier {

namespace {

namespace core = wskemu::kernel::verifier;

core::rule leak_rule(kernel::block_kind kind) {
    switch (kind) {
    case kernel::block_kind::irp: return core::rule::leak_irp;
    case kernel::block_kind::mdl:
    case kernel::block_kind::page_run: return core::rule::leak_mdl;
    case kernel::block_kind::pool: return core::rule::leak_pool_block;
    }
    return core::rule::leak_pool_block;
}

const char* leak_function(kernel::block_kind kind) {
    switch (kind) {
    case kernel::block_kind::irp: return "IoAllocateIrp";
    case kernel::block_kind::mdl: return "IoAllocateMdl";
    case kernel::block_kind::page_run: return "MmAllocatePagesForMdl";
    case kernel::block_kind::pool: return "ExAllocatePool";
    }
    return "?";
}

const char* leak_kind(kernel::block_kind kind) {
    switch (kind) {
    case kernel::block_kind::irp: return "IRP";
    case kernel::block_kind::mdl: return "MDL";
    case kernel::block_kind::page_run: return "page run";
    case kernel::block_kind::pool: return "pool block";
    }
    return "block";
}

}  // namespace

std::size_t check_leaks(std::uint64_t since) {
    std::size_t found = 0;
    for (const auto& block : kernel::live_blocks()) {
        if (block.serial < since) {
            continue;
        }
        ++found;
        core::report_details details;
        details.creation = &block.stack;
        details.has_parameters = true;
        details.parameters = {0x62, reinterpret_cast<ULONG_PTR>(block.address), block.tag, block.size};
        core::report(leak_rule(block.kind), leak_function(block.kind), block.address,
                     fmt::format("{} {} ({} bytes, tag {}) allocated at {} was never freed", leak_kind(block.kind),
                                 block.address, block.size, kernel::tag_text(block.tag), block.allocation_site),
                     details);
    }
    for (const auto& locked : kernel::locked_mdls()) {
        ++found;
        core::report_details details;
        details.creation = &locked.lock_stack;
        details.has_parameters = true;
        details.parameters = {reinterpret_cast<ULONG_PTR>(locked.mdl), 0, 0, 0};
        core::report(core::rule::leak_locked_pages, "MmProbeAndLockPages", locked.mdl,
                     fmt::format("the pages of MDL {} were locked at {} and never unlocked (MmUnlockPages)",
                                 static_cast<const void*>(locked.mdl), locked.lock_site),
                     details);
    }
    struct socket_leak {
        const void* socket;
        wsk::socket_category category;
        common::stack_trace created;
    };
    std::vector<socket_leak> sockets;
    wsk::for_each_live_socket([&](const wsk::socket_base& s) {
        sockets.push_back({static_cast<const WSK_SOCKET*>(&s), s.category(), s.creation_stack()});
    });
    for (const auto& s : sockets) {
        ++found;
        core::report_details details;
        details.creation = &s.created;
        core::report(core::rule::leak_socket, "WskSocket", s.socket,
                     fmt::format("{} socket {} was never closed (WskCloseSocket)", wsk::category_name(s.category),
                                 s.socket),
                     details);
    }
    for (const auto& r : wsk::live_registrations()) {
        ++found;
        core::report_details details;
        details.creation = &r.creation_stack;
        core::report(core::rule::leak_registration, "WskRegister", r.block,
                     fmt::format("WSK_REGISTRATION {} was {} ({} capture(s) and {} socket(s) outstanding)",
                                 static_cast<const void*>(r.block),
                                 r.abandoned ? "abandoned by a WskDeregister that timed out" : "never deregistered",
                                 r.captures, r.open_sockets),
                     details);
    }
    return found;
}

std::chrono::milliseconds set_deregister_timeout(std::chrono::milliseconds timeout) noexcept {
    return wsk::set_deregister_timeout(timeout);
}

}  // namespace wskemu::verifier
