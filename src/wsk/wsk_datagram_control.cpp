// wskemu: WskControlSocket for WSK datagram sockets: SO_WSK_EVENT_CALLBACK,
// the socket and IP options, SIO_WSK_SET_REMOTE_ADDRESS and
// SIO_WSK_SET_SENDTO_ADDRESS (docs/semantics.md, "WskControlSocket (datagram
// sockets)").
#include "wsk/wsk_datagram.hpp"

#include "kernel/log.hpp"
#include "wsk/wsk_control_log.hpp"
#include "wsk/wsk_address.hpp"
#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_status.hpp"

#include <cstring>
#include <mutex>
#include <utility>

namespace wskemu::wsk {

namespace {

// How an option's value is carried and applied.
enum class option_kind {
    boolean,          // a ULONG, 0 or not, to a net::socket_option
    integer,          // a ULONG up to 0x7FFFFFFF, to a net::socket_option
    ip_packet_info,   // IP_PKTINFO: the provider adds control information
    ipv6_packet_info, // IPV6_PKTINFO
    membership,       // IP_MREQ / IPV6_MREQ, set only
    multicast_if,     // IN_ADDR (IPv4) or a ULONG interface index (IPv6)
};

// Which sockets an option applies to.
enum class applies_to { any, ipv4, ipv6 };

struct option_entry {
    ULONG level;
    ULONG code;
    option_kind kind;
    net::socket_option option;  // for boolean and integer
    applies_to family;
    bool before_bind;  // settable only before WskBind
    bool join;         // membership: add (true) or drop
};

constexpr option_entry options[] = {
    {SOL_SOCKET, SO_REUSEADDR, option_kind::boolean, net::socket_option::reuse_address, applies_to::any, true, false},
    {SOL_SOCKET, static_cast<ULONG>(SO_EXCLUSIVEADDRUSE), option_kind::boolean,
     net::socket_option::exclusive_address_use, applies_to::any, true, false},
    {SOL_SOCKET, SO_RCVBUF, option_kind::integer, net::socket_option::receive_buffer_size, applies_to::any, false,
     false},
    {SOL_SOCKET, SO_SNDBUF, option_kind::integer, net::socket_option::send_buffer_size, applies_to::any, false, false},
    {SOL_SOCKET, SO_BROADCAST, option_kind::boolean, net::socket_option::broadcast, applies_to::any, false, false},
    {IPPROTO_IP, IP_TTL, option_kind::integer, net::socket_option::ttl, applies_to::ipv4, false, false},
    {IPPROTO_IP, IP_MULTICAST_TTL, option_kind::integer, net::socket_option::multicast_hops, applies_to::ipv4, false,
     false},
    {IPPROTO_IP, IP_MULTICAST_LOOP, option_kind::boolean, net::socket_option::multicast_loop, applies_to::ipv4, false,
     false},
    {IPPROTO_IP, IP_MULTICAST_IF, option_kind::multicast_if, {}, applies_to::ipv4, false, false},
    {IPPROTO_IP, IP_ADD_MEMBERSHIP, option_kind::membership, {}, applies_to::ipv4, false, true},
    {IPPROTO_IP, IP_DROP_MEMBERSHIP, option_kind::membership, {}, applies_to::ipv4, false, false},
    // On a dual-stack socket IP_PKTINFO reports the IPv4 datagrams' destinations.
    {IPPROTO_IP, IP_PKTINFO, option_kind::ip_packet_info, {}, applies_to::any, false, false},
    {IPPROTO_IPV6, IPV6_V6ONLY, option_kind::boolean, net::socket_option::v6_only, applies_to::ipv6, true, false},
    {IPPROTO_IPV6, IPV6_UNICAST_HOPS, option_kind::integer, net::socket_option::ttl, applies_to::ipv6, false, false},
    {IPPROTO_IPV6, IPV6_MULTICAST_HOPS, option_kind::integer, net::socket_option::multicast_hops, applies_to::ipv6,
     false, false},
    {IPPROTO_IPV6, IPV6_MULTICAST_LOOP, option_kind::boolean, net::socket_option::multicast_loop, applies_to::ipv6,
     false, false},
    {IPPROTO_IPV6, IPV6_MULTICAST_IF, option_kind::multicast_if, {}, applies_to::ipv6, false, false},
    {IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, option_kind::membership, {}, applies_to::ipv6, false, true},
    {IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, option_kind::membership, {}, applies_to::ipv6, false, false},
    {IPPROTO_IPV6, IPV6_PKTINFO, option_kind::ipv6_packet_info, {}, applies_to::ipv6, false, false},
};

const option_entry* find_option(ULONG level, ULONG code) {
    for (const option_entry& entry : options) {
        if (entry.level == level && entry.code == code) {
            return &entry;
        }
    }
    return nullptr;
}

// Completes a request with or without an IRP.
NTSTATUS answer(PIRP irp, NTSTATUS status, ULONG_PTR information = 0) {
    return irp != nullptr ? complete_irp(irp, status, information) : status;
}

}  // namespace

NTSTATUS datagram_socket::control(WSK_CONTROL_SOCKET_TYPE type, ULONG code, ULONG level, SIZE_T input_size,
                                  PVOID input, SIZE_T output_size, PVOID output, SIZE_T* output_size_returned,
                                  PIRP irp) {
    (void)output_size_returned;  // every supported request needs an IRP; sizes go to Information
    if (type == WskSetOption && level == SOL_SOCKET && code == SO_WSK_EVENT_CALLBACK) {
        bool ready;
        NTSTATUS usable;
        {
            std::lock_guard lock(mutex_);
            usable = usable_locked();
            ready = bound_;
        }
        if (!NT_SUCCESS(usable)) {
            if (irp != nullptr && !NT_SUCCESS(take_irp(irp, "WskControlSocket"))) {
                return STATUS_INVALID_PARAMETER;
            }
            return answer(irp, usable);
        }
        const bool has_callback = client_dispatch_ != nullptr && client_dispatch_->WskReceiveFromEvent != nullptr;
        const ULONG deliverable = has_callback ? WSK_EVENT_RECEIVE_FROM : 0;
        ULONG enabled_now = 0;
        const NTSTATUS status = events_.control(category_of, input_size, input, irp, ready, deliverable, enabled_now);
        if (enabled_now != 0) {
            events_enabled(enabled_now);
        }
        return status;
    }
    const bool option = type == WskSetOption || type == WskGetOption;
    const option_entry* entry = option ? find_option(level, code) : nullptr;
    const bool address_ioctl =
        type == WskIoctl && (code == SIO_WSK_SET_REMOTE_ADDRESS || code == SIO_WSK_SET_SENDTO_ADDRESS);
    if (entry == nullptr && !address_ioctl) {
        log_unsupported_control(category(), type, level, code);
        if (irp == nullptr) {
            return STATUS_NOT_SUPPORTED;
        }
        if (NTSTATUS taken = take_irp(irp, "WskControlSocket"); !NT_SUCCESS(taken)) {
            return taken;
        }
        return complete_irp(irp, STATUS_NOT_SUPPORTED, 0);
    }
    // The standard options and the WSK ioctls require an IRP (reference §5, §8).
    if (NTSTATUS taken = take_irp(irp, "WskControlSocket"); !NT_SUCCESS(taken)) {
        return taken;
    }
    std::unique_lock lock(mutex_);
    NTSTATUS status = usable_locked();
    if (!NT_SUCCESS(status)) {
        lock.unlock();
        return complete_irp(irp, status, 0);
    }
    if (address_ioctl) {
        // A SOCKADDR of the socket's family sets the address; size 0 clears it.
        std::optional<net::endpoint> address;
        if (!bound_) {
            status = STATUS_INVALID_DEVICE_STATE;
        } else if (input_size != 0) {
            net::endpoint ep;
            const SIZE_T needed = family_ == net::address_family::ipv4 ? sizeof(SOCKADDR_IN) : sizeof(SOCKADDR_IN6);
            status = input == nullptr || input_size < needed
                         ? STATUS_INVALID_PARAMETER
                         : from_sockaddr_of(static_cast<PSOCKADDR>(input), family_, ep);
            if (NT_SUCCESS(status)) {
                address = ep;
            }
        }
        if (NT_SUCCESS(status)) {
            send_address_ = address;
            if (code == SIO_WSK_SET_REMOTE_ADDRESS) {
                remote_filter_ = address;
            }
        }
        lock.unlock();
        return complete_irp(irp, status, 0);
    }
    const bool family_ok = entry->family == applies_to::any ||
                           (entry->family == applies_to::ipv4) == (family_ == net::address_family::ipv4);
    ULONG_PTR information = 0;
    if (!family_ok) {
        status = STATUS_INVALID_PARAMETER;  // the option's level does not fit the socket's family (decision)
    } else if (type == WskSetOption) {
        if (input == nullptr) {
            status = STATUS_INVALID_PARAMETER;
        } else if (entry->before_bind && bound_) {
            status = STATUS_INVALID_DEVICE_STATE;
        } else if (entry->kind == option_kind::membership) {
            net::multicast_membership membership;
            if (family_ == net::address_family::ipv4 && input_size >= sizeof(IP_MREQ)) {
                IP_MREQ request;
                std::memcpy(&request, input, sizeof(request));
                membership.group = net::endpoint::any(net::address_family::ipv4);
                std::memcpy(membership.group.address.data(), &request.imr_multiaddr, 4);
                membership.interface_address = net::endpoint::any(net::address_family::ipv4);
                std::memcpy(membership.interface_address.address.data(), &request.imr_interface, 4);
            } else if (family_ == net::address_family::ipv6 && input_size >= sizeof(IPV6_MREQ)) {
                IPV6_MREQ request;
                std::memcpy(&request, input, sizeof(request));
                membership.group = net::endpoint::any(net::address_family::ipv6);
                std::memcpy(membership.group.address.data(), &request.ipv6mr_multiaddr, 16);
                membership.interface_index = request.ipv6mr_interface;
            } else {
                status = STATUS_INVALID_PARAMETER;
            }
            if (NT_SUCCESS(status)) {
                status = to_ntstatus(entry->join ? host_.join_group(membership) : host_.leave_group(membership));
            }
        } else if (input_size < sizeof(ULONG)) {
            status = STATUS_INVALID_PARAMETER;
        } else {
            ULONG value;
            std::memcpy(&value, input, sizeof(value));
            switch (entry->kind) {
            case option_kind::boolean:
                status = to_ntstatus(host_.set_option(entry->option, value != 0 ? 1 : 0));
                break;
            case option_kind::integer:
                status = value > 0x7FFFFFFFu ? STATUS_INVALID_PARAMETER
                                             : to_ntstatus(host_.set_option(entry->option, static_cast<int>(value)));
                break;
            case option_kind::ip_packet_info: want_ip_packet_info_ = value != 0; break;
            case option_kind::ipv6_packet_info: want_ipv6_packet_info_ = value != 0; break;
            case option_kind::multicast_if: {
                net::endpoint address = net::endpoint::any(net::address_family::ipv4);
                std::memcpy(address.address.data(), &value, 4);  // an IN_ADDR, network order
                status = to_ntstatus(host_.set_multicast_interface(address, value));
                break;
            }
            case option_kind::membership: break;
            }
        }
    } else if (entry->kind == option_kind::membership) {
        status = STATUS_INVALID_PARAMETER;  // set only
    } else if (output == nullptr || output_size < sizeof(ULONG)) {
        status = STATUS_INVALID_PARAMETER;
    } else {
        ULONG out = 0;
        int value = 0;
        switch (entry->kind) {
        case option_kind::boolean:
        case option_kind::integer:
            status = to_ntstatus(host_.get_option(entry->option, value));
            out = static_cast<ULONG>(value);
            break;
        case option_kind::ip_packet_info: out = want_ip_packet_info_ ? 1 : 0; break;
        case option_kind::ipv6_packet_info: out = want_ipv6_packet_info_ ? 1 : 0; break;
        case option_kind::multicast_if: {
            net::endpoint address;
            std::uint32_t index = 0;
            status = to_ntstatus(host_.get_multicast_interface(address, index));
            if (family_ == net::address_family::ipv4) {
                std::memcpy(&out, address.address.data(), 4);
            } else {
                out = index;
            }
            break;
        }
        case option_kind::membership: break;
        }
        if (NT_SUCCESS(status)) {
            std::memcpy(output, &out, sizeof(out));
            information = sizeof(ULONG);
        }
    }
    lock.unlock();
    return complete_irp(irp, status, information);
}

}  // namespace wskemu::wsk
