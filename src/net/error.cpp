// wskemu host side: the one table from host error codes to net::error.
#include "asio_glue.hpp"

#include "common/logger.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>

namespace wskemu::net {

namespace {

namespace ae = asio::error;

struct mapping {
    ae::basic_errors host;
    error net;
};

// Asio's basic_errors spell errno on POSIX and WSA codes on Windows, so one
// table serves both hosts.
constexpr mapping basic_table[] = {
    {ae::would_block, error::would_block},
    {ae::try_again, error::would_block},
    {ae::in_progress, error::would_block},
    {ae::connection_refused, error::connection_refused},
    {ae::connection_reset, error::connection_reset},
    // Linux reports a send after the peer's RST as EPIPE once the reset was consumed.
    {ae::broken_pipe, error::connection_reset},
    {ae::network_reset, error::connection_reset},
    {ae::connection_aborted, error::connection_aborted},
    {ae::timed_out, error::timed_out},
    {ae::network_unreachable, error::network_unreachable},
    {ae::network_down, error::network_unreachable},
    {ae::host_unreachable, error::host_unreachable},
    {ae::address_in_use, error::address_in_use},
    {ae::no_buffer_space, error::no_buffers},
    {ae::no_memory, error::no_buffers},
    {ae::no_descriptors, error::no_buffers},
    {ae::access_denied, error::access_denied},
    {ae::no_permission, error::access_denied},
    {ae::address_family_not_supported, error::not_supported},
    {ae::operation_not_supported, error::not_supported},
    {ae::no_protocol_option, error::not_supported},
    {ae::invalid_argument, error::invalid_argument},
    {ae::bad_descriptor, error::invalid_argument},
    {ae::fault, error::invalid_argument},
    {ae::not_socket, error::invalid_argument},
    {ae::not_connected, error::not_connected},
    {ae::already_connected, error::already_connected},
    {ae::already_started, error::invalid_argument},
    {ae::shut_down, error::shut_down},
    {ae::operation_aborted, error::cancelled},
    {ae::interrupted, error::cancelled},
    {ae::message_size, error::message_too_long},
};

// Host codes Asio has no name for, in the system category.
constexpr std::pair<int, error> native_table[] = {
#if defined(_WIN32)
    {WSAEADDRNOTAVAIL, error::address_not_available},
    {WSAEHOSTDOWN, error::host_unreachable},
    {WSAEPROTONOSUPPORT, error::not_supported},
    {WSAESOCKTNOSUPPORT, error::not_supported},
    // Windows system codes that IOCP completions carry and Asio passes through.
    {ERROR_NETNAME_DELETED, error::connection_reset},
    {ERROR_CONNECTION_REFUSED, error::connection_refused},
    {ERROR_PORT_UNREACHABLE, error::connection_refused},
    {ERROR_CONNECTION_ABORTED, error::connection_aborted},
    {ERROR_REQUEST_ABORTED, error::connection_aborted},
    {ERROR_SEM_TIMEOUT, error::timed_out},
    {ERROR_HOST_UNREACHABLE, error::host_unreachable},
    {ERROR_NETWORK_UNREACHABLE, error::network_unreachable},
    {ERROR_NOT_ENOUGH_MEMORY, error::no_buffers},
    {ERROR_OPERATION_ABORTED, error::cancelled},
#else
    {EADDRNOTAVAIL, error::address_not_available},
    {EHOSTDOWN, error::host_unreachable},
    {EPROTONOSUPPORT, error::not_supported},
    {ESOCKTNOSUPPORT, error::not_supported},
    {EPROTOTYPE, error::invalid_argument},
    {EDESTADDRREQ, error::not_connected},
#endif
};

void log_unmapped_once(const boost::system::error_code& ec) {
    static std::mutex mutex;
    static std::vector<std::pair<const boost::system::error_category*, int>> seen;
    {
        std::lock_guard lock(mutex);
        auto key = std::make_pair(&ec.category(), ec.value());
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
            return;
        }
        seen.push_back(key);
    }
    log().warn("net: unmapped host error {} ({}: {}), reported as 'other'", ec.value(), ec.category().name(),
               ec.message());
}

}  // namespace

spdlog::logger& log() {
    // Leaked on purpose: handlers may log during static destruction.
    static spdlog::logger* const instance = common::make_process_logger("wskemu.net");
    return *instance;
}

error from_error_code(const boost::system::error_code& ec) {
    if (!ec) {
        return error::none;
    }
    if (ec == ae::eof) {
        return error::end_of_stream;
    }
    for (const mapping& m : basic_table) {
        if (ec == m.host) {
            return m.net;
        }
    }
    if (ec.category() == boost::system::system_category()) {
        for (const auto& [code, net] : native_table) {
            if (ec.value() == code) {
                return net;
            }
        }
    }
    log_unmapped_once(ec);
    return error::other;
}

std::string_view describe(error e) noexcept {
    switch (e) {
    case error::none: return "none";
    case error::would_block: return "would_block";
    case error::end_of_stream: return "end_of_stream";
    case error::connection_refused: return "connection_refused";
    case error::connection_reset: return "connection_reset";
    case error::connection_aborted: return "connection_aborted";
    case error::timed_out: return "timed_out";
    case error::network_unreachable: return "network_unreachable";
    case error::host_unreachable: return "host_unreachable";
    case error::address_in_use: return "address_in_use";
    case error::address_not_available: return "address_not_available";
    case error::no_buffers: return "no_buffers";
    case error::access_denied: return "access_denied";
    case error::not_supported: return "not_supported";
    case error::invalid_argument: return "invalid_argument";
    case error::not_connected: return "not_connected";
    case error::already_connected: return "already_connected";
    case error::shut_down: return "shut_down";
    case error::cancelled: return "cancelled";
    case error::message_too_long: return "message_too_long";
    case error::name_not_found: return "name_not_found";
    case error::name_server_failure: return "name_server_failure";
    case error::other: return "other";
    }
    return "unknown";
}

}  // namespace wskemu::net
