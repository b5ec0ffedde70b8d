// wskemu: the registry of live WSK sockets.
#include "wsk/wsk_socket_base.hpp"

#include "kernel/bug_check.hpp"
#include "runtime/control.hpp"
#include "runtime/observer.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <mutex>
#include <unordered_set>

namespace wskemu::wsk {

namespace {

// Every socket call looks its PWSK_SOCKET up here: the registry is split into
// shards, each with its own lock, so that calls on different sockets do not
// contend for one lock.
struct live_shard {
    std::mutex mutex;
    std::unordered_set<const WSK_SOCKET*> sockets;
};

constexpr std::size_t live_shard_count = 64;  // a power of two

live_shard& shard_of(const WSK_SOCKET* socket) noexcept {
    static auto* shards = new live_shard[live_shard_count];  // never destroyed: used at exit
    // Socket objects are heap blocks: the low bits say little.
    const auto address = reinterpret_cast<std::uintptr_t>(socket);
    return shards[(address >> 6 ^ address >> 12) & (live_shard_count - 1)];
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
    live_shard& shard = shard_of(this);
    std::lock_guard lock(shard.mutex);
    shard.sockets.insert(this);
}

void socket_base::withdraw() noexcept {
    {
        live_shard& shard = shard_of(this);
        std::lock_guard lock(shard.mutex);
        shard.sockets.erase(this);
    }
    if (observation_ != nullptr) {
        rt::close_socket_record(observation_);
    }
    rt::forget_socket_policies(static_cast<WSK_SOCKET*>(this));
}

bool is_live_socket(const WSK_SOCKET* socket) noexcept {
    if (socket == nullptr) {
        return false;
    }
    live_shard& shard = shard_of(socket);
    std::lock_guard lock(shard.mutex);
    return shard.sockets.count(socket) != 0;
}

socket_base& live_socket(PWSK_SOCKET socket, const char* function) {
    if (is_live_socket(socket)) {
        return *static_cast<socket_base*>(socket);
    }
    kernel::raise_bug_check(DRIVER_VERIFIER_DETECTED_VIOLATION, socket_not_live, reinterpret_cast<ULONG_PTR>(socket),
                            0, 0,
                            fmt::format("{}: {} is not a live WSK socket (NULL, closed already, or never created)",
                                        function, static_cast<void*>(socket)));
}

socket_base& live_socket(PWSK_SOCKET socket, socket_category category, const char* function) {
    socket_base& s = live_socket(socket, function);
    if (s.category() != category) {
        kernel::raise_bug_check(
            DRIVER_VERIFIER_DETECTED_VIOLATION, socket_wrong_category, reinterpret_cast<ULONG_PTR>(socket),
            static_cast<ULONG_PTR>(s.category()), static_cast<ULONG_PTR>(category),
            fmt::format("{}: socket {} is a {} socket, but this is the {} socket dispatch table's function (call "
                        "through the socket's own Dispatch)",
                        function, static_cast<void*>(socket), category_name(s.category()), category_name(category)));
    }
    return s;
}

}  // namespace wskemu::wsk
