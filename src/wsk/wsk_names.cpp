// wskemu: WskGetAddressInfo, WskFreeAddressInfo, WskGetNameInfo. Lookups run
// on the host resolver's threads (net::resolver), so a slow name server never
// holds up the engine that completes socket IRPs.
#include "wsk/wsk_names.hpp"

#include "kernel/bug_check.hpp"
#include "kernel/caller_address.hpp"
#include "kernel/ex_pool.hpp"
#include "kernel/log.hpp"
#include "kernel/windows_format.hpp"
#include "net/resolver.hpp"
#include "wsk/wsk_address.hpp"
#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_status.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace wskemu::wsk {

namespace {

// The tag of the ADDRINFOEXW blocks ("WskN").
constexpr ULONG address_info_tag = 0x4E6B7357;

// AI_* flags with an effect here, and those accepted without one (they steer
// Windows' own DNS client: cache, security, IDN).
constexpr ULONG effective_ai_flags =
    AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_NUMERICSERV | AI_ALL | AI_ADDRCONFIG | AI_V4MAPPED | AI_FQDN;
constexpr ULONG accepted_ai_flags = AI_DNS_ONLY | AI_FORCE_CLEAR_TEXT | AI_BYPASS_DNS_CACHE | AI_RETURN_TTL |
                                    AI_NON_AUTHORITATIVE | AI_SECURE | AI_RETURN_PREFERRED_NAMES | AI_FILESERVER |
                                    AI_DISABLE_IDN_ENCODING;
constexpr ULONG known_ni_flags = NI_NOFQDN | NI_NUMERICHOST | NI_NAMEREQD | NI_NUMERICSERV | NI_DGRAM;

// Every list WskGetAddressInfo returned and not freed yet: its head, and the
// blocks it is made of (so freeing does not depend on ai_next, which the
// driver may have changed).
std::mutex lists_mutex;
std::unordered_map<PADDRINFOEXW, std::vector<void*>>& live_lists() {
    static auto* map = new std::unordered_map<PADDRINFOEXW, std::vector<void*>>;  // never destroyed
    return *map;
}

// A counted UNICODE_STRING as UTF-8; false if it is malformed.
bool read_name(const UNICODE_STRING* name, std::string& out) {
    out.clear();
    if (name == nullptr || name->Length == 0) {
        return true;
    }
    if (name->Buffer == nullptr || name->Length % sizeof(WCHAR) != 0 || name->Length > name->MaximumLength) {
        return false;
    }
    std::wstring_view text(name->Buffer, name->Length / sizeof(WCHAR));
    if (const auto nul = text.find(L'\0'); nul != std::wstring_view::npos) {
        text = text.substr(0, nul);  // a terminator counted in Length ends the name
    }
    out = kernel::wide_to_utf8(text);
    return true;
}

// The hints as a neutral query; STATUS_INVALID_PARAMETER for what Windows
// rejects (members that must be zero, unknown flags, families, types).
NTSTATUS read_hints(const ADDRINFOEXW* hints, net::resolve_query& query) {
    if (hints == nullptr) {
        return STATUS_SUCCESS;
    }
    if (hints->ai_addrlen != 0 || hints->ai_canonname != nullptr || hints->ai_addr != nullptr ||
        hints->ai_next != nullptr || hints->ai_blob != nullptr || hints->ai_bloblen != 0 ||
        hints->ai_provider != nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    const auto flags = static_cast<ULONG>(hints->ai_flags);
    if ((flags & ~(effective_ai_flags | accepted_ai_flags)) != 0 ||
        ((flags & AI_CANONNAME) != 0 && (flags & AI_FQDN) != 0)) {
        return STATUS_INVALID_PARAMETER;
    }
    switch (hints->ai_family) {
    case AF_UNSPEC: break;
    case AF_INET: query.family = net::address_family::ipv4; break;
    case AF_INET6: query.family = net::address_family::ipv6; break;
    default: return STATUS_INVALID_PARAMETER;
    }
    switch (hints->ai_socktype) {
    case 0: break;
    case SOCK_STREAM: query.kind = net::socket_kind::stream; break;
    case SOCK_DGRAM: query.kind = net::socket_kind::datagram; break;
    default: return STATUS_INVALID_PARAMETER;
    }
    switch (hints->ai_protocol) {
    case 0: break;
    case IPPROTO_TCP: query.protocol = net::transport_protocol::tcp; break;
    case IPPROTO_UDP: query.protocol = net::transport_protocol::udp; break;
    default: return STATUS_INVALID_PARAMETER;
    }
    query.flags |= (flags & AI_PASSIVE) != 0 ? net::resolve_flag::passive : 0;
    query.flags |= (flags & AI_CANONNAME) != 0 ? net::resolve_flag::canonical_name : 0;
    query.flags |= (flags & AI_NUMERICHOST) != 0 ? net::resolve_flag::numeric_host : 0;
    query.flags |= (flags & AI_NUMERICSERV) != 0 ? net::resolve_flag::numeric_service : 0;
    query.flags |= (flags & AI_ALL) != 0 ? net::resolve_flag::all : 0;
    query.flags |= (flags & AI_ADDRCONFIG) != 0 ? net::resolve_flag::address_config : 0;
    query.flags |= (flags & AI_V4MAPPED) != 0 ? net::resolve_flag::v4_mapped : 0;
    query.flags |= (flags & AI_FQDN) != 0 ? net::resolve_flag::fully_qualified : 0;
    return STATUS_SUCCESS;
}

// The answer as an ADDRINFOEXW list in pool memory, one block per entry
// (the entry, its address, and on the first the canonical name); registered
// for WskFreeAddressInfo. NULL if pool ran out (everything freed again).
PADDRINFOEXW build_list(const net::resolve_result& answer, bool want_name) {
    std::vector<void*> blocks;
    PADDRINFOEXW head = nullptr;
    PADDRINFOEXW* link = &head;
    const std::wstring name = want_name ? kernel::utf8_to_wide(answer.canonical_name) : std::wstring();
    for (const net::resolved_address& entry : answer.addresses) {
        const bool first = blocks.empty();
        const std::size_t address_size =
            entry.address.family == net::address_family::ipv4 ? sizeof(SOCKADDR_IN) : sizeof(SOCKADDR_IN6);
        const std::size_t name_size = first && !name.empty() ? (name.size() + 1) * sizeof(WCHAR) : 0;
        const std::size_t address_at = (sizeof(ADDRINFOEXW) + 7) & ~std::size_t{7};
        const std::size_t name_at = address_at + ((address_size + 7) & ~std::size_t{7});
        void* block = kernel::tracked_allocate(kernel::block_kind::pool, name_at + name_size, address_info_tag, true,
                                               WSKEMU_CALLER());
        if (block == nullptr) {
            for (void* b : blocks) {
                kernel::tracked_free(b, kernel::block_kind::pool, address_info_tag, true, "WskGetAddressInfo");
            }
            return nullptr;
        }
        blocks.push_back(block);
        auto* bytes = static_cast<unsigned char*>(block);
        auto* info = reinterpret_cast<PADDRINFOEXW>(bytes);
        info->ai_family = entry.address.family == net::address_family::ipv4 ? AF_INET : AF_INET6;
        info->ai_socktype = entry.kind == net::socket_kind::stream     ? SOCK_STREAM
                            : entry.kind == net::socket_kind::datagram ? SOCK_DGRAM
                                                                       : 0;
        info->ai_protocol = entry.protocol == net::transport_protocol::tcp   ? IPPROTO_TCP
                            : entry.protocol == net::transport_protocol::udp ? IPPROTO_UDP
                                                                             : 0;
        info->ai_addrlen = address_size;
        info->ai_addr = reinterpret_cast<struct sockaddr*>(bytes + address_at);
        to_sockaddr(entry.address, info->ai_addr);
        if (name_size != 0) {
            info->ai_canonname = reinterpret_cast<PWSTR>(bytes + name_at);
            std::memcpy(info->ai_canonname, name.c_str(), name_size);
        }
        *link = info;
        link = &info->ai_next;
    }
    if (head != nullptr) {
        std::lock_guard lock(lists_mutex);
        live_lists().emplace(head, std::move(blocks));
    }
    return head;
}

// Writes UTF-8 text into a caller's UNICODE_STRING, NUL-terminated; false if
// MaximumLength cannot hold it and the terminator.
bool fits(const UNICODE_STRING* out, const std::wstring& text) {
    return out == nullptr || (text.size() + 1) * sizeof(WCHAR) <= out->MaximumLength;
}

void write_name(UNICODE_STRING* out, const std::wstring& text) {
    if (out == nullptr) {
        return;
    }
    std::memcpy(out->Buffer, text.c_str(), (text.size() + 1) * sizeof(WCHAR));
    out->Length = static_cast<USHORT>(text.size() * sizeof(WCHAR));
}

bool valid_output(const UNICODE_STRING* out) {
    return out == nullptr || (out->Buffer != nullptr && out->MaximumLength >= sizeof(WCHAR));
}

// A pending lookup. The gate holds its completion back until the starter has
// armed the cancel routine (the lookup may finish first, on another thread).
struct lookup_operation final : pending_irp {
    explicit lookup_operation(PIRP irp) noexcept : pending_irp(irp) {}
    std::mutex gate;
    std::atomic<net::lookup_id> id{0};
    PADDRINFOEXW* result = nullptr;
    bool want_name = false;
    UNICODE_STRING* node = nullptr;
    UNICODE_STRING* service = nullptr;

    void cancel_requested() noexcept override {
        if (const net::lookup_id lookup = id.load(); lookup != 0) {
            net::resolver().cancel(lookup);
        }
    }

    void wait_until_armed() { std::lock_guard pass(gate); }
};

// Starts the lookup of a taken IRP: `begin(op)` starts it on the resolver and
// returns its id. The completion waits at the gate until the cancel routine
// is armed.
template <typename Begin>
NTSTATUS run_lookup(lookup_operation* op, Begin begin) {
    mark_pending(op->irp());
    std::unique_lock gate(op->gate);
    op->id = begin(op);
    if (!arm_cancel(*op)) {
        net::resolver().cancel(op->id);
    }
    return STATUS_PENDING;
}

void finish_address_info(lookup_operation* op, const net::resolve_result& answer) {
    op->wait_until_armed();
    NTSTATUS status = to_ntstatus(answer.err);
    PADDRINFOEXW list = nullptr;
    if (NT_SUCCESS(status)) {
        list = build_list(answer, op->want_name);
        status = list != nullptr ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
    }
    *op->result = list;
    // Information stays 0, as observed on Windows (Wine's netio tests).
    complete_pending(op->irp(), status, 0);
    delete op;
}

void finish_name_info(lookup_operation* op, const net::name_result& answer) {
    op->wait_until_armed();
    NTSTATUS status = to_ntstatus(answer.err);
    const std::wstring host = kernel::utf8_to_wide(answer.host);
    const std::wstring port = kernel::utf8_to_wide(answer.service);
    if (NT_SUCCESS(status) && (!fits(op->node, host) || !fits(op->service, port))) {
        status = STATUS_BUFFER_TOO_SMALL;  // nothing written (decision)
    }
    if (NT_SUCCESS(status)) {
        write_name(op->node, host);
        write_name(op->service, port);
    }
    complete_pending(op->irp(), status, 0);
    delete op;
}

}  // namespace

NTSTATUS get_address_info(PUNICODE_STRING node, PUNICODE_STRING service, ULONG name_space, GUID* provider,
                          PADDRINFOEXW hints, PADDRINFOEXW* result, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskGetAddressInfo"); !NT_SUCCESS(taken)) {
        return taken;  // a NULL IRP: nothing touched
    }
    net::resolve_query query;
    NTSTATUS status = STATUS_SUCCESS;
    if (result == nullptr || !read_name(node, query.host) || !read_name(service, query.service) ||
        (query.host.empty() && query.service.empty())) {
        status = STATUS_INVALID_PARAMETER;
    } else if ((name_space != NS_ALL && name_space != NS_DNS) || provider != nullptr) {
        status = STATUS_INVALID_PARAMETER;  // the host resolver is the one name space provider
    } else {
        status = read_hints(hints, query);
    }
    if (!NT_SUCCESS(status)) {
        if (result != nullptr) {
            *result = nullptr;
        }
        return complete_irp(irp, status, 0);
    }
    auto* op = new lookup_operation(irp);
    op->result = result;
    op->want_name = hints != nullptr && (hints->ai_flags & (AI_CANONNAME | AI_FQDN)) != 0;
    return run_lookup(op, [&query](lookup_operation* started) {
        return net::resolver().async_resolve(
            std::move(query), [started](net::resolve_result answer) { finish_address_info(started, answer); });
    });
}

void free_address_info(PADDRINFOEXW list) {
    if (list == nullptr) {
        return;
    }
    std::vector<void*> blocks;
    {
        std::lock_guard lock(lists_mutex);
        auto it = live_lists().find(list);
        if (it != live_lists().end()) {
            blocks = std::move(it->second);
            live_lists().erase(it);
        }
    }
    if (blocks.empty()) {
        kernel::raise_bug_check(
            DRIVER_VERIFIER_DETECTED_VIOLATION, address_info_not_ours, reinterpret_cast<ULONG_PTR>(list), 0, 0,
            fmt::format("WskFreeAddressInfo: {} is not a list WskGetAddressInfo returned, or it was freed already",
                        static_cast<void*>(list)));
    }
    for (void* block : blocks) {
        kernel::tracked_free(block, kernel::block_kind::pool, address_info_tag, true, "WskFreeAddressInfo");
    }
}

std::size_t live_address_info_lists() {
    std::lock_guard lock(lists_mutex);
    return live_lists().size();
}

NTSTATUS get_name_info(PSOCKADDR address, ULONG address_length, PUNICODE_STRING node, PUNICODE_STRING service,
                       ULONG flags, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskGetNameInfo"); !NT_SUCCESS(taken)) {
        return taken;  // a NULL IRP: nothing touched
    }
    net::endpoint ep;
    NTSTATUS status = STATUS_SUCCESS;
    if (address == nullptr || address_length > sizeof(SOCKADDR_STORAGE) || address_length < sizeof(ADDRESS_FAMILY)) {
        status = STATUS_INVALID_PARAMETER;
    } else if ((address->sa_family == AF_INET && address_length < sizeof(SOCKADDR_IN)) ||
               (address->sa_family == AF_INET6 && address_length < sizeof(SOCKADDR_IN6))) {
        status = STATUS_INVALID_PARAMETER;
    } else if ((node == nullptr && service == nullptr) || !valid_output(node) || !valid_output(service) ||
               (flags & ~known_ni_flags) != 0) {
        status = STATUS_INVALID_PARAMETER;
    } else {
        status = from_sockaddr(address, ep);  // other families: STATUS_INVALID_PARAMETER
    }
    if (!NT_SUCCESS(status)) {
        return complete_irp(irp, status, 0);
    }
    unsigned name_flags = 0;
    name_flags |= (flags & NI_NOFQDN) != 0 ? net::name_flag::no_fqdn : 0;
    name_flags |= (flags & NI_NUMERICHOST) != 0 ? net::name_flag::numeric_host : 0;
    name_flags |= (flags & NI_NAMEREQD) != 0 ? net::name_flag::name_required : 0;
    name_flags |= (flags & NI_NUMERICSERV) != 0 ? net::name_flag::numeric_service : 0;
    name_flags |= (flags & NI_DGRAM) != 0 ? net::name_flag::datagram : 0;
    auto* op = new lookup_operation(irp);
    op->node = node;
    op->service = service;
    return run_lookup(op, [&](lookup_operation* started) {
        return net::resolver().async_reverse(ep, name_flags, node != nullptr, service != nullptr,
                                             [started](net::name_result answer) { finish_name_info(started, answer); });
    });
}

}  // namespace wskemu::wsk
