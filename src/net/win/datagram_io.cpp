// wskemu host side: datagram system calls on Windows (WSARecvMsg from the
// mswsock extension table, WSASendMsg, IN_PKTINFO / IN6_PKTINFO control
// data).
#include "../datagram_io.hpp"

#include <mswsock.h>
#include <ws2tcpip.h>

#include <cstring>
#include <mutex>
#include <vector>

namespace wskemu::net::detail {

namespace {

error last_error() {
    const int code = ::WSAGetLastError();
    if (code == WSAEWOULDBLOCK) {
        return error::would_block;
    }
    return from_error_code(boost::system::error_code(code, boost::system::system_category()));
}

// WSARecvMsg is reached through the extension table; the pointer is the same
// for every socket of the provider, so it is looked up once.
LPFN_WSARECVMSG recv_msg_function(SOCKET socket) {
    static std::once_flag once;
    static LPFN_WSARECVMSG function = nullptr;
    std::call_once(once, [socket] {
        GUID id = WSAID_WSARECVMSG;
        DWORD returned = 0;
        if (::WSAIoctl(socket, SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof(id), &function, sizeof(function),
                       &returned, nullptr, nullptr) != 0) {
            function = nullptr;
        }
    });
    return function;
}

// Room for one IN_PKTINFO or IN6_PKTINFO message, with margin.
union control_buffer {
    WSACMSGHDR align;
    char bytes[WSA_CMSG_SPACE(sizeof(IN6_PKTINFO)) + WSA_CMSG_SPACE(sizeof(IN_PKTINFO)) + 64];
};

void address_bytes(endpoint& out, address_family family, const void* bytes) {
    out = endpoint::any(family);
    std::memcpy(out.address.data(), bytes, family == address_family::ipv4 ? 4 : 16);
}

}  // namespace

error prepare_datagram_socket(udp::socket& socket, address_family family) {
    const SOCKET s = socket.native_handle();
    // Without this, an ICMP port-unreachable for an earlier send fails the
    // next receive with WSAECONNRESET, which WSK datagram sockets do not do.
    BOOL off = FALSE;
    DWORD returned = 0;
    ::WSAIoctl(s, SIO_UDP_CONNRESET, &off, sizeof(off), nullptr, 0, &returned, nullptr, nullptr);
    const DWORD on = 1;
    const int level = family == address_family::ipv4 ? IPPROTO_IP : IPPROTO_IPV6;
    const int name = family == address_family::ipv4 ? IP_PKTINFO : IPV6_PKTINFO;
    if (::setsockopt(s, level, name, reinterpret_cast<const char*>(&on), sizeof(on)) != 0) {
        return last_error();
    }
    return error::none;
}

datagram_result receive_datagram(udp::socket& socket, std::span<const mutable_buffer> buffers) {
    datagram_result result;
    const SOCKET s = socket.native_handle();
    LPFN_WSARECVMSG recv_msg = recv_msg_function(s);
    if (recv_msg == nullptr) {
        result.err = error::not_supported;
        return result;
    }
    if (buffers.size() > max_datagram_buffers) {
        result.err = error::invalid_argument;
        return result;
    }
    std::vector<WSABUF> vectors(buffers.size());
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        vectors[i].buf = static_cast<char*>(buffers[i].data);
        vectors[i].len = static_cast<ULONG>(buffers[i].size);
    }
    sockaddr_storage from{};
    control_buffer control{};
    WSAMSG message{};
    message.name = reinterpret_cast<LPSOCKADDR>(&from);
    message.namelen = sizeof(from);
    message.lpBuffers = vectors.data();
    message.dwBufferCount = static_cast<DWORD>(vectors.size());
    message.Control.buf = control.bytes;
    message.Control.len = sizeof(control.bytes);
    DWORD received = 0;
    if (recv_msg(s, &message, &received, nullptr, nullptr) != 0) {
        // A datagram longer than the buffers fails with WSAEMSGSIZE after
        // filling them (the byte count is not reported then); any other error
        // is the result.
        if (::WSAGetLastError() != WSAEMSGSIZE) {
            result.err = last_error();
            return result;
        }
        result.truncated = true;
        received = 0;
        for (const WSABUF& b : vectors) {
            received += b.len;
        }
    }
    result.bytes = received;
    result.truncated = result.truncated || (message.dwFlags & MSG_TRUNC) != 0;
    udp::endpoint sender;
    std::memcpy(sender.data(), &from, std::min<std::size_t>(static_cast<std::size_t>(message.namelen), sizeof(from)));
    sender.resize(static_cast<std::size_t>(message.namelen));
    result.source = from_asio(sender);
    for (WSACMSGHDR* c = WSA_CMSG_FIRSTHDR(&message); c != nullptr; c = WSA_CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            IN_PKTINFO info;
            std::memcpy(&info, WSA_CMSG_DATA(c), sizeof(info));
            address_bytes(result.destination.address, address_family::ipv4, &info.ipi_addr);
            result.destination.interface_index = info.ipi_ifindex;
            result.has_packet_info = true;
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            IN6_PKTINFO info;
            std::memcpy(&info, WSA_CMSG_DATA(c), sizeof(info));
            address_bytes(result.destination.address, address_family::ipv6, &info.ipi6_addr);
            result.destination.interface_index = info.ipi6_ifindex;
            result.has_packet_info = true;
        }
    }
    classify_destination(result, (message.dwFlags & MSG_BCAST) != 0);
    result.multicast = result.multicast || (message.dwFlags & MSG_MCAST) != 0;
    return result;
}

io_result send_datagram(udp::socket& socket, std::span<const const_buffer> buffers, const endpoint& destination,
                        const packet_info* source) {
    if (buffers.size() > max_datagram_buffers) {
        return {error::invalid_argument, 0};
    }
    std::vector<WSABUF> vectors(buffers.size());
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        vectors[i].buf = static_cast<char*>(const_cast<void*>(buffers[i].data));
        vectors[i].len = static_cast<ULONG>(buffers[i].size);
    }
    udp::endpoint to = to_asio_udp(destination);
    WSAMSG message{};
    message.name = reinterpret_cast<LPSOCKADDR>(to.data());
    message.namelen = static_cast<INT>(to.size());
    message.lpBuffers = vectors.data();
    message.dwBufferCount = static_cast<DWORD>(vectors.size());
    control_buffer control{};
    if (source != nullptr) {
        WSACMSGHDR* c = reinterpret_cast<WSACMSGHDR*>(control.bytes);
        if (source->address.family == address_family::ipv4) {
            IN_PKTINFO info{};
            info.ipi_ifindex = source->interface_index;
            std::memcpy(&info.ipi_addr, source->address.address.data(), 4);
            c->cmsg_level = IPPROTO_IP;
            c->cmsg_type = IP_PKTINFO;
            c->cmsg_len = WSA_CMSG_LEN(sizeof(info));
            std::memcpy(WSA_CMSG_DATA(c), &info, sizeof(info));
            message.Control.len = WSA_CMSG_SPACE(sizeof(info));
        } else {
            IN6_PKTINFO info{};
            info.ipi6_ifindex = source->interface_index;
            std::memcpy(&info.ipi6_addr, source->address.address.data(), 16);
            c->cmsg_level = IPPROTO_IPV6;
            c->cmsg_type = IPV6_PKTINFO;
            c->cmsg_len = WSA_CMSG_LEN(sizeof(info));
            std::memcpy(WSA_CMSG_DATA(c), &info, sizeof(info));
            message.Control.len = WSA_CMSG_SPACE(sizeof(info));
        }
        message.Control.buf = control.bytes;
    }
    DWORD sent = 0;
    if (::WSASendMsg(socket.native_handle(), &message, 0, &sent, nullptr, nullptr) != 0) {
        return {last_error(), 0};
    }
    return {error::none, sent};
}

bool ready_now(udp::socket& socket, bool for_write) {
    // Asio waits on datagram sockets with its select reactor, which is
    // level-triggered: readiness that came before the wait is not missed.
    (void)socket, (void)for_write;
    return false;
}

}  // namespace wskemu::net::detail
