// wskemu: Windows socket addresses (SOCKADDR_IN, SOCKADDR_IN6 with
// AF_INET6 = 23) <-> net::endpoint.
#pragma once

#include <wsk.h>

#include "net/endpoint.hpp"
#include "net/error.hpp"

#include <optional>

namespace wskemu::wsk {

/// The address family for a Windows family value, or nullopt for anything
/// but AF_INET and AF_INET6 (23).
std::optional<net::address_family> to_net_family(ADDRESS_FAMILY family) noexcept;

/// Reads a SOCKADDR_IN or SOCKADDR_IN6 (chosen by sa_family). NULL or
/// another family: STATUS_INVALID_PARAMETER, `out` untouched.
NTSTATUS from_sockaddr(const SOCKADDR* address, net::endpoint& out) noexcept;

/// from_sockaddr for an address that must be of the socket's `family`:
/// another family is STATUS_INVALID_PARAMETER too.
NTSTATUS from_sockaddr_of(const SOCKADDR* address, net::address_family family, net::endpoint& out) noexcept;

/// Writes `ep` as a SOCKADDR_IN (16 bytes) or SOCKADDR_IN6 (28 bytes),
/// zero padding included.
void to_sockaddr(const net::endpoint& ep, SOCKADDR* out) noexcept;

/// The end of WskGetLocalAddress (and WskGetRemoteAddress) on a taken IRP,
/// checked in order: `status` (the socket's usable status) as it is; not
/// `available` (not bound / not connected): STATUS_INVALID_DEVICE_STATE;
/// `out` NULL: STATUS_INVALID_PARAMETER; `host` (the host's answer for `ep`)
/// mapped. On success `ep` is written to `out`. Completes the IRP,
/// Information 0.
NTSTATUS complete_address_query(PIRP irp, NTSTATUS status, bool available, net::error host, const net::endpoint& ep,
                                PSOCKADDR out);

}  // namespace wskemu::wsk
