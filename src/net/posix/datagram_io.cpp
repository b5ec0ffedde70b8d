// wskemu host side: datagram system calls on POSIX hosts (recvmsg/sendmsg with
// IP_PKTINFO / IPV6_PKTINFO ancillary data).
#include "../datagram_io.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

namespace wskemu::net::detail {

namespace {

error from_errno(int code) {
    if (code == EAGAIN || code == EWOULDBLOCK) {
        return error::would_block;
    }
    return from_error_code(boost::system::error_code(code, boost::system::system_category()));
}

// Room for one IP_PKTINFO or IPV6_PKTINFO message, with margin.
union control_buffer {
    cmsghdr align;
    unsigned char bytes[CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(in_pktinfo)) + 64];
};

void address_bytes(endpoint& out, address_family family, const void* bytes) {
    out = endpoint::any(family);
    std::memcpy(out.address.data(), bytes, family == address_family::ipv4 ? 4 : 16);
}

// The iovecs of one datagram's pieces: in place for the usual few, so that
// a datagram sent or received allocates nothing; on the heap beyond.
class iovec_list {
public:
    template <typename Buffer>
    explicit iovec_list(std::span<const Buffer> buffers) : size_(buffers.size()) {
        if (size_ > in_place_.size()) {
            heap_.resize(size_);
        }
        iovec* out = data();
        for (std::size_t i = 0; i < size_; ++i) {
            out[i].iov_base = const_cast<void*>(static_cast<const void*>(buffers[i].data));
            out[i].iov_len = buffers[i].size;
        }
    }
    iovec_list(const iovec_list&) = delete;
    iovec_list& operator=(const iovec_list&) = delete;

    iovec* data() noexcept { return heap_.empty() ? in_place_.data() : heap_.data(); }
    std::size_t size() const noexcept { return size_; }

private:
    std::size_t size_;
    std::array<iovec, 8> in_place_{};
    std::vector<iovec> heap_;
};

}  // namespace

error prepare_datagram_socket(udp::socket& socket, address_family family) {
    const int on = 1;
    const int level = family == address_family::ipv4 ? IPPROTO_IP : IPPROTO_IPV6;
    const int name = family == address_family::ipv4 ? IP_PKTINFO : IPV6_RECVPKTINFO;
    if (::setsockopt(socket.native_handle(), level, name, &on, sizeof(on)) != 0) {
        return from_errno(errno);
    }
    return error::none;
}

datagram_result receive_datagram(udp::socket& socket, std::span<const mutable_buffer> buffers) {
    datagram_result result;
    if (buffers.size() > max_datagram_buffers) {
        result.err = error::invalid_argument;
        return result;
    }
    iovec_list vectors(buffers);
    // Not cleared: only what the kernel writes (msg_namelen, msg_controllen) is read.
    sockaddr_storage from;
    control_buffer control;
    msghdr message{};
    message.msg_name = &from;
    message.msg_namelen = sizeof(from);
    message.msg_iov = vectors.data();
    message.msg_iovlen = vectors.size();
    message.msg_control = control.bytes;
    message.msg_controllen = sizeof(control.bytes);
    const ssize_t n = ::recvmsg(socket.native_handle(), &message, MSG_DONTWAIT);
    if (n < 0) {
        result.err = from_errno(errno);
        return result;
    }
    result.bytes = static_cast<std::size_t>(n);
    result.truncated = (message.msg_flags & MSG_TRUNC) != 0;
    udp::endpoint sender;
    // An IP endpoint holds at most a sockaddr_in6, less than sockaddr_storage.
    const std::size_t name_length = std::min<std::size_t>(message.msg_namelen, sender.capacity());
    std::memcpy(sender.data(), &from, name_length);
    sender.resize(name_length);
    result.source = from_asio(sender);
    bool host_broadcast = false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            in_pktinfo info;
            std::memcpy(&info, CMSG_DATA(c), sizeof(info));
            address_bytes(result.destination.address, address_family::ipv4, &info.ipi_addr);
            result.destination.interface_index = static_cast<std::uint32_t>(info.ipi_ifindex);
            result.has_packet_info = true;
            // Linux has no MSG_BCAST: a datagram whose header destination is
            // not the local address it was delivered to was a broadcast (or a
            // multicast, which classify_destination tells apart).
            host_broadcast = info.ipi_addr.s_addr != info.ipi_spec_dst.s_addr;
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            in6_pktinfo info;
            std::memcpy(&info, CMSG_DATA(c), sizeof(info));
            address_bytes(result.destination.address, address_family::ipv6, &info.ipi6_addr);
            result.destination.interface_index = info.ipi6_ifindex;
            result.has_packet_info = true;
        }
    }
    classify_destination(result, host_broadcast);
    return result;
}

io_result send_datagram(udp::socket& socket, std::span<const const_buffer> buffers, const endpoint& destination,
                        const packet_info* source) {
    if (buffers.size() > max_datagram_buffers) {
        return {error::invalid_argument, 0};
    }
    udp::endpoint to = to_asio_udp(destination);
    if (source == nullptr && buffers.size() <= 1) {
        // One piece and no source address: sendto(), which spares the kernel
        // copying in a message header and an iovec array.
        const void* data = buffers.empty() ? nullptr : buffers[0].data;
        const std::size_t size = buffers.empty() ? 0 : buffers[0].size;
        const ssize_t n = ::sendto(socket.native_handle(), data, size, MSG_DONTWAIT | MSG_NOSIGNAL, to.data(),
                                   static_cast<socklen_t>(to.size()));
        if (n < 0) {
            return {from_errno(errno), 0};
        }
        return {error::none, static_cast<std::size_t>(n)};
    }
    iovec_list vectors(buffers);
    msghdr message{};
    message.msg_name = to.data();
    message.msg_namelen = static_cast<socklen_t>(to.size());
    message.msg_iov = vectors.data();
    message.msg_iovlen = vectors.size();
    control_buffer control{};
    if (source != nullptr) {
        cmsghdr* c = reinterpret_cast<cmsghdr*>(control.bytes);
        if (source->address.family == address_family::ipv4) {
            in_pktinfo info{};
            info.ipi_ifindex = static_cast<int>(source->interface_index);
            std::memcpy(&info.ipi_spec_dst, source->address.address.data(), 4);
            c->cmsg_level = IPPROTO_IP;
            c->cmsg_type = IP_PKTINFO;
            c->cmsg_len = CMSG_LEN(sizeof(info));
            std::memcpy(CMSG_DATA(c), &info, sizeof(info));
            message.msg_controllen = CMSG_SPACE(sizeof(info));
        } else {
            in6_pktinfo info{};
            info.ipi6_ifindex = source->interface_index;
            std::memcpy(&info.ipi6_addr, source->address.address.data(), 16);
            c->cmsg_level = IPPROTO_IPV6;
            c->cmsg_type = IPV6_PKTINFO;
            c->cmsg_len = CMSG_LEN(sizeof(info));
            std::memcpy(CMSG_DATA(c), &info, sizeof(info));
            message.msg_controllen = CMSG_SPACE(sizeof(info));
        }
        message.msg_control = control.bytes;
    }
    const ssize_t n = ::sendmsg(socket.native_handle(), &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
        return {from_errno(errno), 0};
    }
    return {error::none, static_cast<std::size_t>(n)};
}

bool ready_now(udp::socket& socket, bool for_write) {
    pollfd p{};
    p.fd = socket.native_handle();
    p.events = for_write ? POLLOUT : POLLIN;
    return ::poll(&p, 1, 0) > 0;
}

}  // namespace wskemu::net::detail
