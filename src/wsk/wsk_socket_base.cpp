// wskemu: the registry of live WSK sockets.
#include "wsk/wsk_socket_base.hpp"

#include "kernel/bug_check.hpp"
#include "runtime/control.hpp"
#include "runtime/observer.hpp"
#include "trace/hooks.hpp"

#include <fmt/format.h>

#include <mutex>
#include <unordered_set>

namespace wskemu::wsk {

namespace {

std::mutex live_mutex;
std::unordered_set<const WSK_SOCKET*>& live_sockets() {
    static auto* set = new std::unordered_set<const WSK_SOCKET*>;  // never destroyed: used at exit
    return *set;
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
    std::lock_guard lock(live_mutex);
    live_sockets().insert(this);
}

void socket_base::withdraw() noexcept {
    {
        std::lock_guard lock(live_mutex);
        live_sockets().erase(this);
    }
    if (observation_ != nullptr) {
        rt::close_socket_record(observation_);
    }
    rt::forget_socket_policies(static_cast<WSK_SOCKET*>(this));
    trace::socket_closed(key());
}

bool is_live_socket(const WSK_SOCKET* socket) noexcept {
    std::lock_guard lock(live_mutex);
    return socket != nullptr && live_sockets().count(socket) != 0;
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
