// wskemu: the registry of live WSK sockets.
#include "wsk/wsk_socket_base.hpp"

#include "common/cold.hpp"
#include "common/short_lock.hpp"
#include "kernel/bug_check.hpp"
#include "kernel/log.hpp"
#include "kernel/verifier.hpp"
#include "runtime/control.hpp"
#include "runtime/observer.hpp"
#include "trace/hooks.hpp"
#include "runtime/scheduler.hpp"
#include "wsk/wsk_verifier.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <tuple>
#include <unordered_set>

namespace wskemu::wsk {

namespace {

// Every socket call looks its PWSK_SOCKET up here: the registry is split into
// shards, each with its own lock, so that calls on different sockets do not
// contend for one lock. The lock is a short_lock (a look-up is a few dozen
// instructions); only the rare walks (leak report, a blocked WskDeregister's
// text) hold it longer, and other threads yield meanwhile.
struct live_shard {
    common::short_lock mutex;
    std::unordered_set<const WSK_SOCKET*> sockets;
};

constexpr std::size_t live_shard_count = 64;  // a power of two

// Every socket call of a driver usually names the socket its thread named
// last: each thread remembers the last socket it found live, and the count
// of withdrawals when it looked. Any withdrawal since (the socket's or
// another's: an address can be reused) sends the next call to the registry.
// A withdrawal counts after its erase, so a look-up that raced with it
// either missed the socket or remembers a count that is already stale.
std::atomic<std::uint64_t> withdrawals{0};
thread_local const WSK_SOCKET* last_live = nullptr;
thread_local std::uint64_t last_live_withdrawals = 0;

live_shard& shard_at(std::size_t index) noexcept {
    static auto* shards = new live_shard[live_shard_count];  // never destroyed: used at exit
    return shards[index];
}

live_shard& shard_of(const WSK_SOCKET* socket) noexcept {
    // Socket objects are heap blocks: the low bits say little.
    const auto address = reinterpret_cast<std::uintptr_t>(socket);
    return shard_at((address >> 6 ^ address >> 12) & (live_shard_count - 1));
}

}  // namespace

const char* category_name(socket_category category) noexcept {
    switch (category) {
    case socket_category::basic: return "basic";
    case socket_category::listen: return "listening";
    case socket_category::datagram: return "datagram";
    case socket_category::connection: return "connection";
    case socket_category::stream: return "stream";
    }
    return "unknown";
}

void socket_base::publish() {
    observation_ = rt::open_socket_record(static_cast<WSK_SOCKET*>(this));
    trace::socket_opened(key(), category_name(category_));
    live_shard& shard = shard_of(this);
    std::lock_guard lock(shard.mutex);
    shard.sockets.insert(this);
}

void socket_base::withdraw() {
    {
        live_shard& shard = shard_of(this);
        std::lock_guard lock(shard.mutex);
        shard.sockets.erase(this);
    }
    withdrawals.fetch_add(1, std::memory_order_release);
    if (observation_ != nullptr) {
        rt::close_socket_record(observation_);
    }
    rt::forget_socket_policies(static_cast<WSK_SOCKET*>(this));
    socket_closed(this);
    trace::socket_closed(key());
}

void socket_base::retire() {
    rt::flush_socket(key());
    registration_state& reg = registration_;
    withdraw();
    delete this;
    reg.socket_closed();
}

void for_each_live_socket(const std::function<void(const socket_base&)>& each) {
    for (std::size_t i = 0; i < live_shard_count; ++i) {
        live_shard& shard = shard_at(i);
        std::lock_guard lock(shard.mutex);
        for (const WSK_SOCKET* socket : shard.sockets) {
            each(*static_cast<const socket_base*>(socket));
        }
    }
}

void report_call_while_closing(const socket_base& socket, const char* function) {
    namespace verifier = kernel::verifier;
    verifier::report_details details;
    details.creation = &socket.creation_stack();
    verifier::report(verifier::rule::socket_call_while_closing, function, socket.key(),
                     fmt::format("{}: socket {} is being closed (WskCloseSocket is pending); no call may follow "
                                 "WskCloseSocket",
                                 function, socket.key()),
                     details);
}

namespace {

// The registry's answer, remembered for this thread when the socket is live.
WSKEMU_NOINLINE bool look_up_live_socket(const WSK_SOCKET* socket, std::uint64_t seen) noexcept {
    if (socket == nullptr) {
        return false;
    }
    live_shard& shard = shard_of(socket);
    {
        std::lock_guard lock(shard.mutex);
        if (shard.sockets.count(socket) == 0) {
            return false;
        }
    }
    last_live = socket;
    last_live_withdrawals = seen;
    return true;
}

inline bool is_live_socket_inline(const WSK_SOCKET* socket) noexcept {
    const std::uint64_t seen = withdrawals.load(std::memory_order_acquire);
    if (socket == last_live && seen == last_live_withdrawals && socket != nullptr) [[likely]] {
        return true;
    }
    return look_up_live_socket(socket, seen);
}

}  // namespace

bool is_live_socket(const WSK_SOCKET* socket) noexcept { return is_live_socket_inline(socket); }

namespace {

WSKEMU_COLD void report_not_live(PWSK_SOCKET socket, const char* function) {
    namespace verifier = kernel::verifier;
    auto details = verifier::with_parameters(socket_not_live, reinterpret_cast<ULONG_PTR>(socket));
    verifier::report_fatal(verifier::rule::socket_not_live, function, socket,
                           fmt::format("{}: {} is not a live WSK socket (NULL, closed already, or never created)",
                                       function, static_cast<void*>(socket)),
                           details);
}

WSKEMU_COLD void report_wrong_category(PWSK_SOCKET socket, const socket_base& s, socket_category category,
                                       const char* function) {
    namespace verifier = kernel::verifier;
    verifier::report_details details;
    details.creation = &s.creation_stack();
    details.has_parameters = true;
    details.parameters = {socket_wrong_category, reinterpret_cast<ULONG_PTR>(socket),
                          static_cast<ULONG_PTR>(s.category()), static_cast<ULONG_PTR>(category)};
    verifier::report_fatal(verifier::rule::socket_wrong_category, function, socket,
                           fmt::format("{}: socket {} is a {} socket, but this is the {} socket dispatch table's "
                                       "function (call through the socket's own Dispatch)",
                                       function, static_cast<void*>(socket), category_name(s.category()),
                                       category_name(category)),
                           details);
}

}  // namespace

socket_base& live_socket(PWSK_SOCKET socket, const char* function) {
    if (!is_live_socket_inline(socket)) [[unlikely]] {
        report_not_live(socket, function);
    }
    return *static_cast<socket_base*>(socket);
}

socket_base& live_socket(PWSK_SOCKET socket, socket_category category, const char* function) {
    if (!is_live_socket_inline(socket)) [[unlikely]] {
        report_not_live(socket, function);
    }
    socket_base& s = *static_cast<socket_base*>(socket);
    if (s.category() != category) [[unlikely]] {
        report_wrong_category(socket, s, category, function);
    }
    return s;
}

void log_unsupported_control(socket_category category, WSK_CONTROL_SOCKET_TYPE type, ULONG level, ULONG code) {
    static std::mutex mutex;
    static std::set<std::tuple<socket_category, int, ULONG, ULONG>> seen;
    {
        std::lock_guard lock(mutex);
        if (!seen.emplace(category, static_cast<int>(type), level, code).second) {
            return;
        }
    }
    kernel::log().warn("WskControlSocket on a {} socket: {} level {:#x}, code {:#x} is not supported: "
                       "STATUS_NOT_SUPPORTED",
                       category_name(category),
                       type == WskIoctl ? "ioctl" : type == WskSetOption ? "set option" : "get option", level, code);
}

}  // namespace wskemu::wsk
