// wskemu: where DbgPrint output goes. By default it goes to the wskemu log;
// a sink installed here also receives every message (tests capture output
// with it, and the public control API will expose it).
#pragma once

#include <ntdef.h>

#include <functional>
#include <string_view>

namespace wskemu::kernel {

/// Receives one formatted DbgPrint* message: the component id (DPFLTR_*_ID,
/// DPFLTR_DEFAULT_ID for DbgPrint), the level as the caller passed it, and
/// the text without its trailing newline.
using debug_output_sink = std::function<void(ULONG component, ULONG level, std::string_view text)>;

/// Installs a sink (an empty one removes it); returns the previous sink.
/// Messages still go to the log as well.
debug_output_sink set_debug_output_sink(debug_output_sink sink);

/// Windows transmits at most this many bytes of one DbgPrint* message.
inline constexpr std::size_t debug_message_limit = 512;

}  // namespace wskemu::kernel
