// wskemu: the log line of an unsupported WskControlSocket request.
#include "wsk/wsk_control_log.hpp"

#include "kernel/log.hpp"

#include <mutex>
#include <set>
#include <tuple>

namespace wskemu::wsk {

void log_unsupported_control(socket_category category, WSK_CONTROL_SOCKET_TYPE type, ULONG level, ULONG code) {
    static std::mutex mutex;
    static std::set<std::tuple<int, int, ULONG, ULONG>> seen;
    {
        std::lock_guard lock(mutex);
        if (!seen.emplace(static_cast<int>(category), static_cast<int>(type), level, code).second) {
            return;
        }
    }
    kernel::log().warn("WskControlSocket on a {} socket: {} level {:#x}, code {:#x} is not supported: "
                       "STATUS_NOT_SUPPORTED",
                       category_name(category),
                       type == WskIoctl ? "ioctl" : type == WskSetOption ? "set option" : "get option", level, code);
}

}  // namespace wskemu::wsk
