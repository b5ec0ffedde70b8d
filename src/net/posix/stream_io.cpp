// wskemu host side: the stream system calls of try_send and try_receive on
// POSIX hosts, called directly on the non-blocking descriptor.
#include "../stream_io.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>

namespace wskemu::net::detail {

namespace {

#if defined(MSG_NOSIGNAL)
constexpr int send_flags = MSG_NOSIGNAL;  // a reset peer is an error, not SIGPIPE
#else
constexpr int send_flags = 0;
#endif

// The non-empty buffers of one call, at most max_stream_buffers; only the
// entries used are written.
class stream_iovecs {
public:
    template <typename Buffer>
    explicit stream_iovecs(std::span<const Buffer> buffers) noexcept {
        for (const Buffer& b : buffers) {
            if (count_ == max_stream_buffers) {
                break;
            }
            if (b.size != 0) {
                vectors_[count_].iov_base = const_cast<void*>(static_cast<const void*>(b.data));
                vectors_[count_].iov_len = b.size;
                ++count_;
            }
        }
    }
    stream_iovecs(const stream_iovecs&) = delete;
    stream_iovecs& operator=(const stream_iovecs&) = delete;

    std::size_t count() const noexcept { return count_; }
    iovec* data() noexcept { return vectors_; }

private:
    iovec vectors_[max_stream_buffers];
    std::size_t count_ = 0;
};

std::size_t failed(boost::system::error_code& ec) {
    ec.assign(errno, boost::system::system_category());
    return 0;
}

// One system call over the non-empty `buffers`: `single` for one,
// `vectored` (with a message header) for more; again if a signal
// interrupted it. `none`: there were no bytes to move, and no call.
struct call_result {
    ssize_t n = 0;
    bool none = false;
};

template <typename Buffer, typename Single, typename Vectored>
call_result one_system_call(std::span<const Buffer> buffers, boost::system::error_code& ec, Single single,
                            Vectored vectored) {
    ec.clear();
    stream_iovecs vectors(buffers);
    if (vectors.count() == 0) {
        return {0, true};
    }
    for (;;) {
        ssize_t n;
        if (vectors.count() == 1) {
            n = single(vectors.data()->iov_base, vectors.data()->iov_len);
        } else {
            msghdr message{};
            message.msg_iov = vectors.data();
            message.msg_iovlen = vectors.count();
            n = vectored(&message);
        }
        if (n >= 0 || errno != EINTR) {
            return {n, false};
        }
    }
}

}  // namespace

std::size_t send_some(tcp::socket& socket, std::span<const const_buffer> buffers, boost::system::error_code& ec) {
    const int fd = socket.native_handle();
    const call_result r = one_system_call(
        buffers, ec, [fd](void* data, std::size_t size) { return ::send(fd, data, size, send_flags); },
        [fd](const msghdr* message) { return ::sendmsg(fd, message, send_flags); });
    return r.n >= 0 ? static_cast<std::size_t>(r.n) : failed(ec);
}

std::size_t receive_some(tcp::socket& socket, std::span<const mutable_buffer> buffers,
                         boost::system::error_code& ec) {
    const int fd = socket.native_handle();
    const call_result r = one_system_call(
        buffers, ec, [fd](void* data, std::size_t size) { return ::recv(fd, data, size, 0); },
        [fd](msghdr* message) { return ::recvmsg(fd, message, 0); });
    if (r.n > 0 || r.none) {
        return static_cast<std::size_t>(r.n);
    }
    if (r.n == 0) {
        ec = asio::error::eof;  // the peer's FIN
        return 0;
    }
    return failed(ec);
}

}  // namespace wskemu::net::detail
