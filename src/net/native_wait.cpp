// wskemu host side: a bounded wait for a host socket's readiness, on the
// calling thread (the inline completion policy waits a little before it
// pends).
#include "asio_glue.hpp"

#if !defined(_WIN32)
#include <poll.h>
#endif

namespace wskemu::net {

error wait_native_ready(tcp::socket::native_handle_type handle, bool for_send, std::chrono::milliseconds timeout) {
    const int millis = static_cast<int>(std::max<long long>(0, timeout.count()));
#if defined(_WIN32)
    WSAPOLLFD entry{};
    entry.fd = handle;
    entry.events = for_send ? POLLWRNORM : POLLRDNORM;
    const int n = ::WSAPoll(&entry, 1, millis);
#else
    pollfd entry{};
    entry.fd = handle;
    entry.events = for_send ? POLLOUT : POLLIN;
    const int n = ::poll(&entry, 1, millis);
#endif
    if (n > 0) {
        return error::none;  // ready, or in error: the next attempt says which
    }
    return n == 0 ? error::would_block : error::other;
}

}  // namespace wskemu::net
