// wskemu: WDK objects as readable text, for test output and logs. Include
// after the WDK headers' world (it includes <wsk.h>).
#pragma once

#include <wsk.h>

#include <cstdint>
#include <string>

namespace wskemu {

/// @brief An NTSTATUS that prints by name: "STATUS_PENDING (0x00000103)".
struct ntstatus {
    std::int32_t value;
    friend bool operator==(ntstatus a, ntstatus b) noexcept { return a.value == b.value; }
    friend bool operator!=(ntstatus a, ntstatus b) noexcept { return a.value != b.value; }
};

/// @brief "IRP 0x... {Status STATUS_SUCCESS (0x00000000), Information 4096,
/// PendingReturned 1, Cancel 0, stack 1 of 1}" ("IRP NULL" for nullptr).
std::string describe_irp(const IRP* irp);

/// @brief "WSK_BUF {Mdl 0x..., Offset 0, Length 4096}".
std::string describe_wsk_buf(const WSK_BUF* buffer);

/// @brief "MDL 0x... {va 0x..., 4096 bytes, flags 0x0004, next 0x0}".
std::string describe_mdl(const MDL* mdl);

/// @brief "127.0.0.1:5000", "[::1]:5000", or "family 99" for another family.
std::string describe_address(const SOCKADDR* address);

}  // namespace wskemu
