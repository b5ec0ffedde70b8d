// wskemu host side: byte-range descriptors passed to sends and receives.
// They describe caller memory; src/net never copies the bytes.
#pragma once

#include <cstddef>

namespace wskemu::net {

// Read-only bytes to send.
struct const_buffer {
    const void* data = nullptr;
    std::size_t size = 0;
};

// Writable bytes to receive into.
struct mutable_buffer {
    void* data = nullptr;
    std::size_t size = 0;
};

}  // namespace wskemu::net
