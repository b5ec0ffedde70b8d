// wskemu: kernel objects still allocated, for leak checks in tests and hosts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wskemu {

/// @brief One pool block, IRP, MDL or page run that has not been freed.
struct live_kernel_object {
    std::string kind;             ///< "pool block", "IRP", "MDL" or "page run"
    std::uint32_t tag;            ///< pool tag, as the driver wrote it ('gaT1')
    std::size_t size;             ///< bytes requested
    const void* address;          ///< what the driver received
    const void* allocation_site;  ///< return address into the allocating code
    std::uint64_t serial;         ///< allocation order, from 1
};

/// @brief Every kernel object still allocated, oldest first.
std::vector<live_kernel_object> live_kernel_objects();

/// @brief Serial number of the next allocation: objects with a serial at or
/// above a value taken earlier were allocated since.
std::uint64_t next_allocation_serial();

/// @brief A pool tag as the leak report shows it: its four characters in
/// memory order and quoted ('Irp ', written ' prI' in driver source), or
/// 0x-hex when one is not printable.
std::string format_pool_tag(std::uint32_t tag);

/// @brief A readable report of the objects allocated at or after @p since,
/// one line each ("IRP at 0x..., 280 bytes, tag 'Irp ', allocated at 0x..."),
/// or an empty string when there are none.
std::string format_leak_report(std::uint64_t since = 0);

}  // namespace wskemu
