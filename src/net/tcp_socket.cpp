// wskemu host side: TCP connection sockets over Asio.
#include "tcp_socket_state.hpp"

#include "parked_socket.hpp"
#include "stream_io.hpp"

#include <algorithm>

namespace wskemu::net {

namespace detail {

namespace {

// Posts a failed completion: handlers never run inside the initiating call.
void post_result(io_engine& engine, transfer_handler handler, error e, std::size_t bytes = 0) {
    post_completion(engine, std::move(handler), e, bytes);
}

void post_status(io_engine& engine, status_handler handler, error e) { post_completion(engine, std::move(handler), e); }

// Copies neutral descriptors into an op's Asio descriptors; returns the total.
template <typename Buffer, typename Source>
std::size_t assign_buffers(std::vector<Buffer>& out, std::span<const Source> in) {
    out.clear();
    std::size_t total = 0;
    for (const Source& b : in) {
        if (b.size != 0) {
            out.emplace_back(b.data, b.size);
            total += b.size;
        }
    }
    return total;
}

}  // namespace

template <typename Buffer>
void transfer_op<Buffer>::advance(std::size_t n) noexcept {
    done += n;
    while (n > 0 && first < buffers.size()) {
        std::size_t step = std::min(n, buffers[first].size());
        buffers[first] += step;
        n -= step;
        if (buffers[first].size() == 0) {
            ++first;
        }
    }
}

template <typename Op>
op_pool<Op>::~op_pool() {
    while (free_ != nullptr) {
        Op* op = free_;
        free_ = op->next;
        delete op;
    }
}

template <typename Op>
Op* op_pool<Op>::get() {
    if (free_ == nullptr) {
        return new Op;
    }
    Op* op = free_;
    free_ = op->next;
    --cached_;
    op->next = nullptr;
    return op;
}

template <typename Op>
void op_pool<Op>::put(Op* op) noexcept {
    op->handler.reset();
    op->shutdown_handler.reset();
    if (cached_ >= max_cached) {
        delete op;
        return;
    }
    op->buffers.clear();  // keeps capacity for the next op
    op->first = op->total = op->done = 0;
    op->id = 0;
    op->shutdown = op->cancelled = false;
    op->next = free_;
    free_ = op;
    ++cached_;
}

socket_state::socket_state(io_engine& e) : engine(e), socket(idle_context_of(e)), io_socket(context_of(e)) {}

socket_state::~socket_state() {
    detach_locked();
    boost::system::error_code ignored;
    socket.close(ignored);
}

tcp::socket* socket_state::attach_locked(boost::system::error_code& ec) {
    return attach_parked(socket, io_socket, protocol_of(options.family), ec);
}

void socket_state::detach_locked() noexcept { detach_parked(io_socket); }

void socket_state::cancel_native_locked() noexcept { cancel_native(socket, io_socket); }

error socket_state::prepare_locked() {
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    return from_error_code(ec);
}

template <typename Op>
bool socket_state::cancel_one_locked(op_queue<Op>& queue, op_pool<Op>& pool, bool in_flight, op_id id) {
    Op* op = id != 0 ? queue.find(id) : nullptr;
    if (op == nullptr || op->cancelled) {
        return false;
    }
    op->cancelled = true;
    if (in_flight && op == queue.front()) {
        // Asio cancels per socket: the other direction's native operation and
        // readable waits are aborted too, and restart (on_read, on_write,
        // start_wait_locked) because they are not marked cancelled.
        cancel_native_locked();
        return true;
    }
    // Not started: complete it now, out of queue order (it sends nothing).
    queue.remove(op);
    transfer_handler h = std::move(op->handler);
    std::size_t bytes = op->done;
    pool.put(op);
    post_result(engine, std::move(h), error::cancelled, bytes);
    return true;
}

void socket_state::start_wait_locked(status_handler handler) {
    boost::system::error_code attached;
    tcp::socket* native = attach_locked(attached);
    if (native == nullptr) {
        post_status(engine, std::move(handler), from_error_code(attached));
        return;
    }
    ++waits_in_flight;
    native->async_wait(tcp::socket::wait_read, [self = shared_from_this(), h = std::move(handler),
                                                generation = cancel_generation](
                                                   const boost::system::error_code& ec) mutable {
        {
            std::unique_lock lock(self->mutex);
            --self->waits_in_flight;
            if (ec == asio::error::operation_aborted && generation == self->cancel_generation &&
                !self->closed) {
                self->start_wait_locked(std::move(h));  // aborted only by cancel(op_id)
                return;
            }
        }
        invoke_safely(h, from_error_code(ec));
    });
}

void socket_state::cancel_locked() {
    ++cancel_generation;
    for (send_op* op = send_queue.head; op != nullptr; op = op->next) {
        op->cancelled = true;
    }
    for (receive_op* op = receive_queue.head; op != nullptr; op = op->next) {
        op->cancelled = true;
    }
    cancel_native_locked();
}

void socket_state::close(bool abortive) {
    std::lock_guard lock(mutex);
    if (!socket.is_open()) {
        return;
    }
    closed = true;
    cancel_locked();
    detach_locked();  // before the close: a descriptor registered elsewhere would outlive it there
    boost::system::error_code ignored;
    if (abortive) {
        socket.set_option(asio::socket_base::linger(true, 0), ignored);
    }
    // Pending native operations complete with operation_aborted; queued ones
    // see `closed` when they reach the head.
    socket.close(ignored);
}

error socket_state::send_error(const boost::system::error_code& ec) const {
    if (ec == asio::error::operation_aborted) {
        return error::cancelled;
    }
    if (send_shut && ec == asio::error::broken_pipe) {
        return error::shut_down;
    }
    return from_error_code(ec);
}

void socket_state::note_end_locked(error e, bool receiving) noexcept {
    switch (e) {
    case error::end_of_stream:
        if (receiving) {
            receive_end = e;
        }
        break;
    case error::connection_reset:
    case error::connection_aborted:
    case error::timed_out:
    case error::network_unreachable:
    case error::host_unreachable:
        // The connection is gone: both directions end.
        if (send_end == error::none) {
            send_end = e;
        }
        if (receive_end == error::none) {
            receive_end = e;
        }
        break;
    default:
        break;
    }
}

tcp::socket* socket_state::attach_or_post_locked(void (socket_state::*done)(const boost::system::error_code&,
                                                                            std::size_t)) {
    boost::system::error_code attached;
    tcp::socket* native = attach_locked(attached);
    if (native == nullptr) {
        engine.post([self = shared_from_this(), done, attached] { ((*self).*done)(attached, 0); });
    }
    return native;
}

void socket_state::start_write_locked(send_op* op) {
    write_in_flight = true;
    tcp::socket* native = attach_or_post_locked(&socket_state::on_write);
    if (native == nullptr) {
        return;
    }
    native->async_write_some(op->pending(),
                             slot_handler(write_slot, [self = shared_from_this()](
                                                          const boost::system::error_code& ec, std::size_t n) {
                                 self->on_write(ec, n);
                             }));
}

void socket_state::start_read_locked(receive_op* op) {
    read_in_flight = true;
    tcp::socket* native = attach_or_post_locked(&socket_state::on_read);
    if (native == nullptr) {
        return;
    }
    native->async_read_some(op->pending(),
                            slot_handler(read_slot, [self = shared_from_this()](
                                                        const boost::system::error_code& ec, std::size_t n) {
                                self->on_read(ec, n);
                            }));
}

// With send_active just set: native I/O for the head if it needs some, else a
// drain on an engine thread (completing in the caller's call is not allowed).
void socket_state::kick_send_locked() {
    send_op* op = send_queue.front();
    if (!op->shutdown && !op->cancelled && !closed && send_end == error::none && op->remaining() > 0) {
        start_write_locked(op);
    } else {
        engine.post([self = shared_from_this()] {
            std::unique_lock lock(self->mutex);
            self->drain_send(lock);
        });
    }
}

void socket_state::kick_receive_locked() {
    receive_op* op = receive_queue.front();
    if (!op->cancelled && !closed && receive_end == error::none && op->remaining() > 0) {
        start_read_locked(op);
    } else {
        engine.post([self = shared_from_this()] {
            std::unique_lock lock(self->mutex);
            self->drain_receive(lock);
        });
    }
}

// The handler is destroyed before the lock is taken again: its captures may
// own the last reference to this socket, whose destructor takes the lock.
void socket_state::finish_send(std::unique_lock<common::sleep_lock>& lock, error e) {
    send_op* op = send_queue.pop();
    std::size_t bytes = op->done;
    if (op->shutdown) {
        status_handler h = std::move(op->shutdown_handler);
        send_pool.put(op);
        lock.unlock();
        invoke_safely(h, e);
    } else {
        transfer_handler h = std::move(op->handler);
        send_pool.put(op);
        lock.unlock();
        invoke_safely(h, e, bytes);
    }
    lock.lock();
}

void socket_state::finish_receive(std::unique_lock<common::sleep_lock>& lock, error e) {
    {
        receive_op* op = receive_queue.pop();
        std::size_t bytes = op->done;
        transfer_handler h = std::move(op->handler);
        receive_pool.put(op);
        lock.unlock();
        invoke_safely(h, e, bytes);
    }
    lock.lock();
}

// Completes, in order, every head op that needs no I/O, then starts the first
// that does. Handlers run one at a time, so completions keep queue order.
void socket_state::drain_send(std::unique_lock<common::sleep_lock>& lock) {
    while (!send_queue.empty()) {
        send_op* op = send_queue.front();
        if (op->cancelled || closed) {
            finish_send(lock, error::cancelled);
        } else if (send_end != error::none) {
            finish_send(lock, send_end);
        } else if (op->shutdown) {
            boost::system::error_code ec;
            socket.shutdown(tcp::socket::shutdown_send, ec);
            if (!ec) {
                send_shut = true;
            }
            finish_send(lock, from_error_code(ec));
        } else if (op->remaining() == 0) {
            finish_send(lock, error::none);
        } else {
            start_write_locked(op);
            return;
        }
    }
    send_active = false;
}

void socket_state::drain_receive(std::unique_lock<common::sleep_lock>& lock) {
    while (!receive_queue.empty()) {
        receive_op* op = receive_queue.front();
        if (op->cancelled || closed) {
            finish_receive(lock, error::cancelled);
        } else if (receive_end != error::none) {
            finish_receive(lock, receive_end);
        } else if (op->remaining() == 0) {
            finish_receive(lock, error::none);
        } else {
            start_read_locked(op);
            return;
        }
    }
    receive_active = false;
}

void socket_state::on_write(const boost::system::error_code& ec, std::size_t n) {
    std::unique_lock lock(mutex);
    write_in_flight = false;
    send_op* op = send_queue.front();
    op->advance(n);
    bool collateral = ec == asio::error::operation_aborted;  // cancel(op_id) of a receive
    if ((!ec || collateral) && op->remaining() > 0 && !op->cancelled && !closed) {
        start_write_locked(op);
        return;
    }
    error e = ec ? send_error(ec) : (op->remaining() > 0 ? error::cancelled : error::none);
    note_end_locked(e, false);
    finish_send(lock, e);
    drain_send(lock);
}

void socket_state::on_read(const boost::system::error_code& ec, std::size_t n) {
    std::unique_lock lock(mutex);
    read_in_flight = false;
    receive_op* op = receive_queue.front();
    op->advance(n);
    bool want_more = op->mode == receive_mode::all && op->remaining() > 0;
    bool collateral = ec == asio::error::operation_aborted && n == 0 && !op->cancelled && !closed;
    if ((!ec && want_more && !op->cancelled && !closed) || collateral) {
        start_read_locked(op);
        return;
    }
    error e = error::none;
    if (ec) {
        e = ec == asio::error::operation_aborted ? error::cancelled : from_error_code(ec);
    } else if (want_more) {
        e = error::cancelled;  // cancelled or closed between reads; the bytes so far go with it
    }
    note_end_locked(e, true);
    finish_receive(lock, e);
    drain_receive(lock);
}

}  // namespace detail

using detail::socket_state;

tcp_socket::tcp_socket() : tcp_socket(io_engine::instance()) {}

tcp_socket::tcp_socket(io_engine& engine) : state_(std::make_shared<socket_state>(engine)) {}

tcp_socket::tcp_socket(std::shared_ptr<detail::socket_state> state) noexcept : state_(std::move(state)) {}

tcp_socket::~tcp_socket() {
    if (state_) {
        state_->close(false);
    }
}

tcp_socket::tcp_socket(tcp_socket&&) noexcept = default;

tcp_socket& tcp_socket::operator=(tcp_socket&& other) noexcept {
    if (this != &other) {
        if (state_) {
            state_->close(false);
        }
        state_ = std::move(other.state_);
    }
    return *this;
}

bool tcp_socket::is_open() const noexcept {
    if (!state_) {
        return false;
    }
    std::lock_guard lock(state_->mutex);
    return state_->socket.is_open();
}

error tcp_socket::open(address_family family) {
    if (!state_) {
        return error::invalid_argument;
    }
    std::lock_guard lock(state_->mutex);
    if (state_->socket.is_open() || state_->closed) {
        return error::invalid_argument;
    }
    boost::system::error_code ec;
    state_->socket.open(protocol_of(family), ec);
    if (ec) {
        return from_error_code(ec);
    }
    state_->options.family = family;
    return state_->prepare_locked();
}

error tcp_socket::set_option(socket_option option, int value) {
    if (!state_) {
        return error::invalid_argument;
    }
    std::lock_guard lock(state_->mutex);
    if (!state_->socket.is_open()) {
        return error::not_connected;
    }
    return set_socket_option(state_->socket, state_->options, option, value);
}

error tcp_socket::get_option(socket_option option, int& value) const {
    if (!state_) {
        return error::invalid_argument;
    }
    std::lock_guard lock(state_->mutex);
    if (!state_->socket.is_open()) {
        return error::not_connected;
    }
    return get_socket_option(state_->socket, state_->options, option, value);
}

error tcp_socket::bind(const endpoint& local) {
    if (!state_) {
        return error::invalid_argument;
    }
    std::lock_guard lock(state_->mutex);
    if (!state_->socket.is_open()) {
        return error::not_connected;
    }
    if (local.family != state_->options.family) {
        return error::invalid_argument;
    }
    boost::system::error_code ec;
    state_->socket.bind(to_asio(local), ec);
    return from_error_code(ec);
}

error tcp_socket::local_endpoint(endpoint& out) const {
    if (!state_) {
        return error::invalid_argument;
    }
    std::lock_guard lock(state_->mutex);
    boost::system::error_code ec;
    auto ep = state_->socket.local_endpoint(ec);
    if (ec) {
        return state_->socket.is_open() ? from_error_code(ec) : error::not_connected;
    }
    out = from_asio(ep);
    return error::none;
}

error tcp_socket::remote_endpoint(endpoint& out) const {
    if (!state_) {
        return error::invalid_argument;
    }
    std::lock_guard lock(state_->mutex);
    boost::system::error_code ec;
    auto ep = state_->socket.remote_endpoint(ec);
    if (ec) {
        return state_->socket.is_open() ? from_error_code(ec) : error::not_connected;
    }
    out = from_asio(ep);
    return error::none;
}

void tcp_socket::async_connect(const endpoint& remote, status_handler handler) {
    socket_state& s = *state_;
    std::lock_guard lock(s.mutex);
    error refused = error::none;
    if (!s.socket.is_open()) {
        refused = error::not_connected;
    } else if (s.connected) {
        refused = error::already_connected;
    } else if (s.connecting || remote.family != s.options.family) {
        refused = error::invalid_argument;
    }
    if (refused != error::none) {
        detail::post_status(s.engine, std::move(handler), refused);
        return;
    }
    boost::system::error_code attached;
    tcp::socket* native = s.attach_locked(attached);
    if (native == nullptr) {
        detail::post_status(s.engine, std::move(handler), from_error_code(attached));
        return;
    }
    s.connecting = true;
    native->async_connect(to_asio(remote), [self = state_->shared_from_this(), h = std::move(handler)](
                                               const boost::system::error_code& ec) mutable {
        {
            std::lock_guard relock(self->mutex);
            self->connecting = false;
            if (!ec && !self->closed) {
                self->connected = true;
            }
        }
        detail::invoke_safely(h, from_error_code(ec));
    });
}

io_result tcp_socket::try_send(std::span<const const_buffer> buffers) {
    socket_state& s = *state_;
    std::lock_guard lock(s.mutex);
    if (!s.connected || s.closed) {
        return {error::not_connected, 0};
    }
    if (s.send_shut) {
        return {error::shut_down, 0};
    }
    if (s.send_end != error::none) {
        return {s.send_end, 0};
    }
    if (!s.send_queue.empty()) {
        return {error::would_block, 0};  // queued sends go first
    }
    s.park_before_synchronous_call_locked();
    boost::system::error_code ec;
    const std::size_t n = detail::send_some(s.socket, buffers, ec);
    if (ec) {
        error e = s.send_error(ec);
        s.note_end_locked(e, false);
        return {e, 0};
    }
    return {error::none, n};
}

op_id tcp_socket::async_send_all(std::span<const const_buffer> buffers, transfer_handler handler) {
    socket_state& s = *state_;
    std::lock_guard lock(s.mutex);
    error refused = !s.connected || s.closed ? error::not_connected : s.send_shut ? error::shut_down : error::none;
    if (refused != error::none) {
        detail::post_result(s.engine, std::move(handler), refused);
        return 0;
    }
    detail::send_op* op = s.send_pool.get();
    op->id = s.next_id++;
    op->total = detail::assign_buffers(op->buffers, buffers);
    op->handler = std::move(handler);
    s.send_queue.push(op);
    if (!s.send_active) {
        s.send_active = true;
        s.kick_send_locked();
    }
    return op->id;
}

void tcp_socket::async_shutdown_send(status_handler handler) {
    socket_state& s = *state_;
    std::lock_guard lock(s.mutex);
    if (!s.connected || s.closed) {
        detail::post_status(s.engine, std::move(handler), error::not_connected);
        return;
    }
    detail::send_op* op = s.send_pool.get();
    op->shutdown = true;
    op->shutdown_handler = std::move(handler);
    s.send_queue.push(op);
    if (!s.send_active) {
        s.send_active = true;
        s.kick_send_locked();
    }
}

io_result tcp_socket::try_receive(std::span<const mutable_buffer> buffers) {
    socket_state& s = *state_;
    std::lock_guard lock(s.mutex);
    if (!s.connected || s.closed) {
        return {error::not_connected, 0};
    }
    if (!s.receive_queue.empty()) {
        return {error::would_block, 0};  // queued receives get the bytes first
    }
    if (s.receive_end != error::none) {
        return {s.receive_end, 0};
    }
    s.park_before_synchronous_call_locked();
    boost::system::error_code ec;
    const std::size_t n = detail::receive_some(s.socket, buffers, ec);
    if (ec) {
        error e = from_error_code(ec);
        s.note_end_locked(e, true);
        return {e, 0};
    }
    return {error::none, n};
}

op_id tcp_socket::async_receive(std::span<const mutable_buffer> buffers, receive_mode mode,
                                transfer_handler handler) {
    socket_state& s = *state_;
    std::lock_guard lock(s.mutex);
    if (!s.connected || s.closed) {
        detail::post_result(s.engine, std::move(handler), error::not_connected);
        return 0;
    }
    detail::receive_op* op = s.receive_pool.get();
    op->id = s.next_id++;
    op->total = detail::assign_buffers(op->buffers, buffers);
    op->mode = mode;
    op->handler = std::move(handler);
    s.receive_queue.push(op);
    if (!s.receive_active) {
        s.receive_active = true;
        s.kick_receive_locked();
    }
    return op->id;
}

void tcp_socket::async_wait_readable(status_handler handler) {
    socket_state& s = *state_;
    std::lock_guard lock(s.mutex);
    if (!s.socket.is_open() || s.closed) {
        detail::post_status(s.engine, std::move(handler), error::not_connected);
        return;
    }
    s.start_wait_locked(std::move(handler));
}

error tcp_socket::wait_ready(bool for_send, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_->mutex);
    if (!state_->socket.is_open() || state_->closed) {
        return error::not_connected;
    }
    // (Not default-constructible on Windows, hence no declaration before the lock.)
    const tcp::socket::native_handle_type handle = state_->socket.native_handle();
    // Waited for outside the lock: handlers of this socket go on meanwhile.
    lock.unlock();
    return wait_native_ready(handle, for_send, timeout);
}

bool tcp_socket::on_engine_thread() const noexcept { return state_->engine.running_on_worker(); }

error tcp_socket::bytes_available(std::size_t& out) const {
    socket_state& s = *state_;
    std::lock_guard lock(s.mutex);
    if (!s.socket.is_open()) {
        return error::not_connected;
    }
    boost::system::error_code ec;
    out = s.socket.available(ec);
    return from_error_code(ec);
}

error tcp_socket::peek_receive_state() const {
    socket_state& s = *state_;
    std::lock_guard lock(s.mutex);
    if (!s.socket.is_open() || s.closed) {
        return error::not_connected;
    }
    if (s.receive_end != error::none) {
        return s.receive_end;
    }
    unsigned char byte = 0;
    boost::system::error_code ec;
    const std::size_t n = s.socket.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
    if (!ec && n == 0) {
        return error::end_of_stream;
    }
    if (ec == asio::error::eof) {
        return error::end_of_stream;
    }
    const error e = from_error_code(ec);
    return e == error::would_block ? error::none : e;
}

error tcp_socket::shutdown_send() {
    socket_state& s = *state_;
    std::lock_guard lock(s.mutex);
    if (!s.connected || s.closed) {
        return error::not_connected;
    }
    boost::system::error_code ec;
    s.socket.shutdown(tcp::socket::shutdown_send, ec);
    if (!ec) {
        s.send_shut = true;
    }
    return from_error_code(ec);
}

void tcp_socket::cancel() {
    std::lock_guard lock(state_->mutex);
    state_->cancel_locked();
}

bool tcp_socket::cancel(op_id id) {
    socket_state& s = *state_;
    std::lock_guard lock(s.mutex);
    return s.cancel_one_locked(s.send_queue, s.send_pool, s.write_in_flight, id) ||
           s.cancel_one_locked(s.receive_queue, s.receive_pool, s.read_in_flight, id);
}

void tcp_socket::close_graceful() { state_->close(false); }

void tcp_socket::close_abortive() { state_->close(true); }

}  // namespace wskemu::net
