// wskemu host side: the stream system calls of try_send and try_receive on
// Windows, through Asio's synchronous calls on the non-blocking socket.
#include "../stream_io.hpp"

#include <new>
#include <type_traits>

namespace wskemu::net::detail {

namespace {

// Asio descriptors for one call, on the stack; only the entries used are
// constructed (initialising all of them cost more than a small send).
template <typename Buffer>
class native_buffers {
public:
    template <typename Source>
    explicit native_buffers(std::span<const Source> in) noexcept {
        for (const Source& b : in) {
            if (count_ == max_stream_buffers) {
                break;
            }
            if (b.size != 0) {
                ::new (static_cast<void*>(&slots_[count_++])) Buffer(b.data, b.size);
            }
        }
    }
    native_buffers(const native_buffers&) = delete;
    native_buffers& operator=(const native_buffers&) = delete;

    std::size_t count() const noexcept { return count_; }
    const Buffer& front() const noexcept { return *std::launder(reinterpret_cast<const Buffer*>(&slots_[0])); }
    std::span<const Buffer> all() const noexcept {
        return {std::launder(reinterpret_cast<const Buffer*>(&slots_[0])), count_};
    }

private:
    static_assert(std::is_trivially_destructible_v<Buffer>);
    struct alignas(Buffer) slot {
        unsigned char bytes[sizeof(Buffer)];
    };
    slot slots_[max_stream_buffers];
    std::size_t count_ = 0;
};

// A single buffer (the usual case, one MDL) takes Asio's single-buffer path.
template <typename Buffer, typename Call>
std::size_t native_transfer(const native_buffers<Buffer>& buffers, Call call) {
    if (buffers.count() == 1) {
        return call(buffers.front());
    }
    return call(buffers.all());
}

}  // namespace

std::size_t send_some(tcp::socket& socket, std::span<const const_buffer> buffers, boost::system::error_code& ec) {
    const native_buffers<asio::const_buffer> native(buffers);
    return native_transfer(native, [&](const auto& sequence) { return socket.send(sequence, 0, ec); });
}

std::size_t receive_some(tcp::socket& socket, std::span<const mutable_buffer> buffers,
                         boost::system::error_code& ec) {
    const native_buffers<asio::mutable_buffer> native(buffers);
    return native_transfer(native, [&](const auto& sequence) { return socket.receive(sequence, 0, ec); });
}

}  // namespace wskemu::net::detail
