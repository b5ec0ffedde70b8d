// Fuzz target: SOCKADDR parsing (src/wsk/wsk_address.cpp from_sockaddr,
// to_sockaddr, to_net_family).
//
// The input is the bytes of a SOCKADDR_STORAGE (what a driver's PSOCKADDR
// points at: WSK passes no length, so the provider may read the whole
// structure of the family it names). Checked: any family but AF_INET and
// AF_INET6 is refused and leaves the endpoint alone; an accepted address
// written back with to_sockaddr gives the same family, port, address (and
// flow info and scope id for IPv6), with sin_zero cleared, and reads back to
// the same endpoint.
#include <wsk.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz_support.hpp"
#include "net/endpoint.hpp"
#include "wsk/wsk_address.hpp"

namespace {

using wskemu::fuzz::check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    SOCKADDR_STORAGE in;
    std::memset(&in, 0, sizeof(in));
    std::memcpy(&in, data, std::min(size, sizeof(in)));
    const auto* address = reinterpret_cast<const SOCKADDR*>(&in);

    wskemu::net::endpoint ep;
    ep.port = 4242;  // a marker: a refused address must not change it
    const NTSTATUS status = wskemu::wsk::from_sockaddr(address, ep);
    const auto family = wskemu::wsk::to_net_family(in.ss_family);
    if (in.ss_family != AF_INET && in.ss_family != AF_INET6) {
        check(status == STATUS_INVALID_PARAMETER, "a SOCKADDR of another family was accepted");
        check(ep.port == 4242 && ep.family == wskemu::net::address_family::ipv4,
              "a refused SOCKADDR changed the endpoint");
        check(!family.has_value(), "to_net_family accepted another family");
        return 0;
    }
    check(status == STATUS_SUCCESS, "an AF_INET/AF_INET6 SOCKADDR was refused");
    check(family.has_value() && *family == ep.family, "to_net_family disagrees with from_sockaddr");

    SOCKADDR_STORAGE out;
    std::memset(&out, 0xA5, sizeof(out));
    wskemu::wsk::to_sockaddr(ep, reinterpret_cast<SOCKADDR*>(&out));
    if (in.ss_family == AF_INET) {
        SOCKADDR_IN a;
        SOCKADDR_IN b;
        std::memcpy(&a, &in, sizeof(a));
        std::memcpy(&b, &out, sizeof(b));
        check(b.sin_family == AF_INET && b.sin_port == a.sin_port &&
                  std::memcmp(&b.sin_addr, &a.sin_addr, sizeof(a.sin_addr)) == 0,
              "an IPv4 address did not survive from_sockaddr and to_sockaddr");
        const unsigned char zero[sizeof(b.sin_zero)] = {};
        check(std::memcmp(b.sin_zero, zero, sizeof(zero)) == 0, "to_sockaddr left sin_zero uncleared");
        // Nothing past the SOCKADDR_IN is written.
        const auto* tail = reinterpret_cast<const unsigned char*>(&out) + sizeof(SOCKADDR_IN);
        for (std::size_t i = 0; i < sizeof(out) - sizeof(SOCKADDR_IN); ++i) {
            check(tail[i] == 0xA5, "to_sockaddr wrote past a SOCKADDR_IN");
        }
    } else {
        SOCKADDR_IN6 a;
        SOCKADDR_IN6 b;
        std::memcpy(&a, &in, sizeof(a));
        std::memcpy(&b, &out, sizeof(b));
        check(b.sin6_family == AF_INET6 && b.sin6_port == a.sin6_port && b.sin6_flowinfo == a.sin6_flowinfo &&
                  b.sin6_scope_id == a.sin6_scope_id &&
                  std::memcmp(&b.sin6_addr, &a.sin6_addr, sizeof(a.sin6_addr)) == 0,
              "an IPv6 address did not survive from_sockaddr and to_sockaddr");
        const auto* tail = reinterpret_cast<const unsigned char*>(&out) + sizeof(SOCKADDR_IN6);
        for (std::size_t i = 0; i < sizeof(out) - sizeof(SOCKADDR_IN6); ++i) {
            check(tail[i] == 0xA5, "to_sockaddr wrote past a SOCKADDR_IN6");
        }
    }
    wskemu::net::endpoint again;
    check(wskemu::wsk::from_sockaddr(reinterpret_cast<const SOCKADDR*>(&out), again) == STATUS_SUCCESS &&
              again == ep,
          "to_sockaddr's output reads back to another endpoint");
    return 0;
}
