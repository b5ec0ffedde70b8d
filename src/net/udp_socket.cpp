// wskemu host side: UDP sockets. Asio owns the descriptor and the readiness
// waits; the datagram system calls are ours (datagram_io.hpp), because Asio's
// receive_from reports neither truncation nor packet information.
#include "common/sleep_lock.hpp"
#include "datagram_io.hpp"
#include "op_queue.hpp"
#include "parked_socket.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

namespace wskemu::net {

namespace detail {

struct udp_receive_op {
    udp_receive_op* next = nullptr;
    op_id id = 0;
    std::vector<mutable_buffer> buffers;
    datagram_handler handler;
};

struct udp_send_op {
    udp_send_op* next = nullptr;
    op_id id = 0;
    std::vector<const_buffer> buffers;
    endpoint destination;
    bool has_source = false;
    packet_info source;
    transfer_handler handler;
};

// Each queue is worked by one "runner" at a time (so handlers run in
// submission order), on an engine thread: it does the system call for the head
// op and completes it, until the host would block; then it arms one readiness
// wait, whose handler runs the queue again.
struct udp_state : std::enable_shared_from_this<udp_state> {
    explicit udp_state(io_engine& e) : engine(e), socket(idle_context_of(e)), io_socket(context_of(e)) {}
    ~udp_state() {
        detach_parked(io_socket);
        boost::system::error_code ignored;
        socket.close(ignored);
    }

    void run_receives(std::unique_lock<common::sleep_lock>& lock);
    void run_sends(std::unique_lock<common::sleep_lock>& lock);
    void arm_wait_locked(bool for_write);
    void kick_locked(bool for_write);
    void cancel_all_locked();
    // Completes every queued send (for_write) or receive with `e`.
    void fail_queued_locked(bool for_write, error e);
    // As tcp_socket_state.hpp says for TCP.
    void park_before_synchronous_call_locked() noexcept {
        if (!read_wait && !write_wait && io_socket.is_open() && !engine.running_on_worker()) {
            detach_parked(io_socket);
        }
    }

    io_engine& engine;
    mutable common::sleep_lock mutex;  // held across synchronous host calls
    // The host socket, parked, and the same descriptor in the running
    // context from the arming of a readiness wait to the next synchronous
    // call of a driver's thread (parked_socket.hpp).
    udp::socket socket;
    udp::socket io_socket;
    option_state options;
    bool closed = false;
    op_id next_id = 1;
    op_queue<udp_receive_op> receives;
    op_queue<udp_send_op> sends;
    bool receiving = false;  // a runner works the receive queue
    bool sending = false;
    bool read_wait = false;  // a readiness wait is armed
    bool write_wait = false;
};

void udp_state::run_receives(std::unique_lock<common::sleep_lock>& lock) {
    if (receiving) {
        return;  // the running runner goes on until the host would block
    }
    receiving = true;
    while (!receives.empty()) {
        udp_receive_op* op = receives.front();
        datagram_result r;
        if (closed) {
            r.err = error::cancelled;
        } else {
            r = receive_datagram(socket, op->buffers);
            if (r.err == error::would_block) {
                arm_wait_locked(false);
                break;
            }
        }
        receives.pop();
        datagram_handler h = std::move(op->handler);
        delete op;
        lock.unlock();
        invoke_safely(h, r);
        h.reset();  // its captures may own this socket: gone before the lock is retaken
        lock.lock();
    }
    receiving = false;
}

void udp_state::run_sends(std::unique_lock<common::sleep_lock>& lock) {
    if (sending) {
        return;
    }
    sending = true;
    while (!sends.empty()) {
        udp_send_op* op = sends.front();
        io_result r;
        if (closed) {
            r.err = error::cancelled;
        } else {
            r = send_datagram(socket, op->buffers, op->destination, op->has_source ? &op->source : nullptr);
            if (r.err == error::would_block) {
                arm_wait_locked(true);
                break;
            }
        }
        sends.pop();
        transfer_handler h = std::move(op->handler);
        delete op;
        lock.unlock();
        invoke_safely(h, r.err, r.bytes);
        h.reset();
        lock.lock();
    }
    sending = false;
}

void udp_state::arm_wait_locked(bool for_write) {
    bool& armed = for_write ? write_wait : read_wait;
    if (armed || closed) {
        return;
    }
    boost::system::error_code attached;
    udp::socket* native = attach_parked(socket, io_socket, udp_protocol_of(options.family), attached);
    if (native == nullptr) {
        fail_queued_locked(for_write, from_error_code(attached));
        return;
    }
    armed = true;
    native->async_wait(for_write ? udp::socket::wait_write : udp::socket::wait_read,
                       [self = shared_from_this(), for_write](const boost::system::error_code&) {
                           std::unique_lock lock(self->mutex);
                           (for_write ? self->write_wait : self->read_wait) = false;
                           if (for_write) {
                               self->run_sends(lock);
                           } else {
                               self->run_receives(lock);
                           }
                       });
    // Readiness that arrived between the would-block and the wait being queued
    // raises no new edge: look once more, and run the queue again if so.
    if (ready_now(socket, for_write)) {
        kick_locked(for_write);
    }
}

void udp_state::kick_locked(bool for_write) {
    engine.post([self = shared_from_this(), for_write] {
        std::unique_lock lock(self->mutex);
        if (for_write) {
            self->run_sends(lock);
        } else {
            self->run_receives(lock);
        }
    });
}

void udp_state::cancel_all_locked() {
    fail_queued_locked(false, error::cancelled);
    fail_queued_locked(true, error::cancelled);
}

void udp_state::fail_queued_locked(bool for_write, error e) {
    if (for_write) {
        while (!sends.empty()) {
            udp_send_op* op = sends.pop();
            post_completion(engine, std::move(op->handler), e, std::size_t{0});
            delete op;
        }
        return;
    }
    while (!receives.empty()) {
        udp_receive_op* op = receives.pop();
        datagram_result r;
        r.err = e;
        post_completion(engine, std::move(op->handler), r);
        delete op;
    }
}

void classify_destination(datagram_result& result, bool host_broadcast) noexcept {
    if (!result.has_packet_info) {
        return;
    }
    const auto& a = result.destination.address.address;
    const bool v4 = result.destination.address.family == address_family::ipv4;
    const bool mapped = !v4 && a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0 && a[4] == 0 && a[5] == 0 &&
                        a[6] == 0 && a[7] == 0 && a[8] == 0 && a[9] == 0 && a[10] == 0xff && a[11] == 0xff;
    const std::uint8_t* v4_bytes = v4 ? a.data() : mapped ? a.data() + 12 : nullptr;
    if (v4_bytes != nullptr) {
        result.multicast = (v4_bytes[0] & 0xf0) == 0xe0;
        const bool limited = v4_bytes[0] == 0xff && v4_bytes[1] == 0xff && v4_bytes[2] == 0xff && v4_bytes[3] == 0xff;
        result.broadcast = !result.multicast && (limited || host_broadcast);
    } else {
        result.multicast = a[0] == 0xff;
    }
}

}  // namespace detail

using detail::udp_state;

udp_socket::udp_socket() : udp_socket(io_engine::instance()) {}

udp_socket::udp_socket(io_engine& engine) : state_(std::make_shared<udp_state>(engine)) {}

udp_socket::~udp_socket() {
    if (state_) {
        close();
    }
}

udp_socket::udp_socket(udp_socket&&) noexcept = default;

udp_socket& udp_socket::operator=(udp_socket&& other) noexcept {
    if (this != &other) {
        if (state_) {
            close();
        }
        state_ = std::move(other.state_);
    }
    return *this;
}

bool udp_socket::is_open() const noexcept {
    if (!state_) {
        return false;
    }
    std::lock_guard lock(state_->mutex);
    return state_->socket.is_open();
}

error udp_socket::open(address_family family) {
    udp_state& s = *state_;
    std::lock_guard lock(s.mutex);
    if (s.socket.is_open() || s.closed) {
        return error::invalid_argument;
    }
    boost::system::error_code ec;
    s.socket.open(udp_protocol_of(family), ec);
    if (!ec) {
        s.socket.non_blocking(true, ec);
    }
    if (!ec && family == address_family::ipv6) {
        s.socket.set_option(asio::ip::v6_only(true), ec);  // Windows' default; Linux's is dual stack
    }
    error e = from_error_code(ec);
    if (e == error::none) {
        s.options.family = family;
        e = detail::prepare_datagram_socket(s.socket, family);
    }
    if (e != error::none) {
        s.socket.close(ec);
    }
    return e;
}

error udp_socket::set_option(socket_option option, int value) {
    std::lock_guard lock(state_->mutex);
    if (!state_->socket.is_open()) {
        return error::not_connected;
    }
    return set_socket_option(state_->socket, state_->options, option, value);
}

error udp_socket::get_option(socket_option option, int& value) const {
    std::lock_guard lock(state_->mutex);
    if (!state_->socket.is_open()) {
        return error::not_connected;
    }
    return get_socket_option(state_->socket, state_->options, option, value);
}

error udp_socket::bind(const endpoint& local) {
    std::lock_guard lock(state_->mutex);
    if (!state_->socket.is_open()) {
        return error::not_connected;
    }
    if (local.family != state_->options.family) {
        return error::invalid_argument;
    }
    boost::system::error_code ec;
    state_->socket.bind(to_asio_udp(local), ec);
    return from_error_code(ec);
}

error udp_socket::local_endpoint(endpoint& out) const {
    std::lock_guard lock(state_->mutex);
    if (!state_->socket.is_open()) {
        return error::not_connected;
    }
    boost::system::error_code ec;
    auto ep = state_->socket.local_endpoint(ec);
    if (ec) {
        return from_error_code(ec);
    }
    out = from_asio(ep);
    return error::none;
}

namespace {

// The membership as Asio's option, or nullopt for a family mismatch.
template <typename Option>
std::optional<Option> membership_option(const multicast_membership& m, address_family family) {
    if (m.group.family != family) {
        return std::nullopt;
    }
    const auto group = to_asio_udp(m.group).address();
    if (family == address_family::ipv4) {
        if (m.interface_address.family != address_family::ipv4) {
            return std::nullopt;
        }
        return Option(group.to_v4(), to_asio_udp(m.interface_address).address().to_v4());
    }
    return Option(group.to_v6(), m.interface_index);
}

}  // namespace

error udp_socket::join_group(const multicast_membership& membership) {
    std::lock_guard lock(state_->mutex);
    if (!state_->socket.is_open()) {
        return error::not_connected;
    }
    auto option = membership_option<asio::ip::multicast::join_group>(membership, state_->options.family);
    if (!option) {
        return error::invalid_argument;
    }
    boost::system::error_code ec;
    state_->socket.set_option(*option, ec);
    return from_error_code(ec);
}

error udp_socket::leave_group(const multicast_membership& membership) {
    std::lock_guard lock(state_->mutex);
    if (!state_->socket.is_open()) {
        return error::not_connected;
    }
    auto option = membership_option<asio::ip::multicast::leave_group>(membership, state_->options.family);
    if (!option) {
        return error::invalid_argument;
    }
    boost::system::error_code ec;
    state_->socket.set_option(*option, ec);
    return from_error_code(ec);
}

error udp_socket::set_multicast_interface(const endpoint& ipv4_address, std::uint32_t ipv6_index) {
    std::lock_guard lock(state_->mutex);
    if (!state_->socket.is_open()) {
        return error::not_connected;
    }
    boost::system::error_code ec;
    if (state_->options.family == address_family::ipv4) {
        if (ipv4_address.family != address_family::ipv4) {
            return error::invalid_argument;
        }
        state_->socket.set_option(
            asio::ip::multicast::outbound_interface(to_asio_udp(ipv4_address).address().to_v4()), ec);
    } else {
        state_->socket.set_option(asio::ip::multicast::outbound_interface(ipv6_index), ec);
    }
    return from_error_code(ec);
}

error udp_socket::get_multicast_interface(endpoint& ipv4_address, std::uint32_t& ipv6_index) const {
    std::lock_guard lock(state_->mutex);
    if (!state_->socket.is_open()) {
        return error::not_connected;
    }
    boost::system::error_code ec;
    if (state_->options.family == address_family::ipv4) {
        // The host returns the in_addr itself (4 bytes, network order).
        int_option raw(IPPROTO_IP, IP_MULTICAST_IF);
        state_->socket.get_option(raw, ec);
        if (!ec) {
            ipv4_address = endpoint::any(address_family::ipv4);
            const int value = raw.value();
            std::memcpy(ipv4_address.address.data(), &value, 4);
        }
    } else {
        int_option raw(IPPROTO_IPV6, IPV6_MULTICAST_IF);
        state_->socket.get_option(raw, ec);
        if (!ec) {
            ipv6_index = static_cast<std::uint32_t>(raw.value());
        }
    }
    return from_error_code(ec);
}

std::size_t udp_socket::max_datagram_size(const endpoint& destination) noexcept {
    const auto& a = destination.address;
    const bool mapped = destination.family == address_family::ipv6 && a[10] == 0xff && a[11] == 0xff &&
                        std::all_of(a.begin(), a.begin() + 10, [](std::uint8_t b) { return b == 0; });
    // 65,535 less the IP header (20 bytes, IPv4 only: IPv6's payload length
    // excludes its header) and the UDP header (8 bytes).
    return destination.family == address_family::ipv4 || mapped ? 65507 : 65527;
}

io_result udp_socket::try_send_to(std::span<const const_buffer> buffers, const endpoint& destination,
                                  const packet_info* source) {
    udp_state& s = *state_;
    std::lock_guard lock(s.mutex);
    if (!s.socket.is_open()) {
        return {error::not_connected, 0};
    }
    if (!s.sends.empty()) {
        return {error::would_block, 0};  // queued datagrams go first
    }
    s.park_before_synchronous_call_locked();
    return detail::send_datagram(s.socket, buffers, destination, source);
}

op_id udp_socket::async_send_to(std::span<const const_buffer> buffers, const endpoint& destination,
                                const packet_info* source, transfer_handler handler) {
    udp_state& s = *state_;
    std::lock_guard lock(s.mutex);
    if (!s.socket.is_open()) {
        detail::post_completion(s.engine, std::move(handler), error::not_connected, std::size_t{0});
        return 0;
    }
    auto* op = new detail::udp_send_op;
    op->id = s.next_id++;
    op->buffers.assign(buffers.begin(), buffers.end());
    op->destination = destination;
    op->has_source = source != nullptr;
    if (source != nullptr) {
        op->source = *source;
    }
    op->handler = std::move(handler);
    s.sends.push(op);
    if (!s.sending && !s.write_wait) {
        s.kick_locked(true);
    }
    return op->id;
}

datagram_result udp_socket::try_receive_from(std::span<const mutable_buffer> buffers) {
    udp_state& s = *state_;
    std::lock_guard lock(s.mutex);
    datagram_result r;
    if (!s.socket.is_open()) {
        r.err = error::not_connected;
    } else if (!s.receives.empty()) {
        r.err = error::would_block;  // queued receives get datagrams first
    } else {
        s.park_before_synchronous_call_locked();
        r = detail::receive_datagram(s.socket, buffers);
    }
    return r;
}

op_id udp_socket::async_receive_from(std::span<const mutable_buffer> buffers, datagram_handler handler) {
    udp_state& s = *state_;
    std::lock_guard lock(s.mutex);
    if (!s.socket.is_open()) {
        datagram_result r;
        r.err = error::not_connected;
        detail::post_completion(s.engine, std::move(handler), r);
        return 0;
    }
    auto* op = new detail::udp_receive_op;
    op->id = s.next_id++;
    op->buffers.assign(buffers.begin(), buffers.end());
    op->handler = std::move(handler);
    s.receives.push(op);
    // An armed wait runs the queue when data comes; otherwise look now (data
    // may be waiting already).
    if (!s.receiving && !s.read_wait) {
        s.kick_locked(false);
    }
    return op->id;
}

void udp_socket::cancel() {
    std::lock_guard lock(state_->mutex);
    state_->cancel_all_locked();
}

bool udp_socket::cancel(op_id id) {
    udp_state& s = *state_;
    std::lock_guard lock(s.mutex);
    if (id == 0) {
        return false;
    }
    // A queued op is never in the middle of its system call (the runner pops
    // it under the lock first), so cancelling it consumes or sends nothing.
    if (detail::udp_receive_op* op = s.receives.find(id); op != nullptr) {
        s.receives.remove(op);
        datagram_result r;
        r.err = error::cancelled;
        detail::post_completion(s.engine, std::move(op->handler), r);
        delete op;
        return true;
    }
    if (detail::udp_send_op* op = s.sends.find(id); op != nullptr) {
        s.sends.remove(op);
        detail::post_completion(s.engine, std::move(op->handler), error::cancelled, std::size_t{0});
        delete op;
        return true;
    }
    return false;
}

void udp_socket::close() {
    udp_state& s = *state_;
    std::lock_guard lock(s.mutex);
    if (!s.socket.is_open()) {
        return;
    }
    s.closed = true;
    s.cancel_all_locked();
    detail::detach_parked(s.io_socket);  // aborts the armed waits; their handlers find nothing queued
    boost::system::error_code ignored;
    s.socket.close(ignored);
}

}  // namespace wskemu::net
