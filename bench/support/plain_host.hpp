// wskemu benchmarks, host side only: plain blocking socket helpers the
// baselines and the peers share. Includes OS headers: never include it next
// to WDK headers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wskemu::bench::plain {

/// A blocking TCP socket connected to 127.0.0.1:`port`, or -1.
int connect_loopback(std::uint16_t port, bool no_delay);
/// send() until every byte went (MSG_NOSIGNAL); false on error.
bool send_all(int fd, const void* data, std::size_t size);
/// recv() until `size` bytes came; false on error or end of stream.
bool receive_all(int fd, void* data, std::size_t size);
/// close(), ignoring errors.
void close_socket(int fd);

}  // namespace wskemu::bench::plain
