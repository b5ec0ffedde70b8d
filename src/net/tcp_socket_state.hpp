// wskemu host side, internal: the state behind a tcp_socket handle, shared
// with its in-flight operations (which hold a reference until they finish).
#pragma once

#include "asio_glue.hpp"
#include "common/sleep_lock.hpp"
#include "handler_memory.hpp"
#include "op_queue.hpp"
#include "tcp_socket.hpp"

#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace wskemu::net::detail {

// One queued send (or queued half close) or receive.
template <typename Buffer>
struct transfer_op {
    transfer_op* next = nullptr;
    op_id id = 0;
    std::vector<Buffer> buffers;  // Asio descriptors, advanced in place as bytes move
    std::size_t first = 0;        // first buffer with bytes left
    std::size_t total = 0;        // bytes requested
    std::size_t done = 0;         // bytes transferred so far
    receive_mode mode = receive_mode::all;
    bool shutdown = false;        // send queue: half close here instead of sending
    bool cancelled = false;       // cancel() or close reached it
    transfer_handler handler;
    status_handler shutdown_handler;

    std::size_t remaining() const noexcept { return total - done; }
    std::span<const Buffer> pending() const noexcept { return {buffers.data() + first, buffers.size() - first}; }
    void advance(std::size_t n) noexcept;
};

using send_op = transfer_op<asio::const_buffer>;
using receive_op = transfer_op<asio::mutable_buffer>;

// Recycled ops of one socket (guarded by the socket's mutex).
template <typename Op>
class op_pool {
public:
    op_pool() = default;
    op_pool(const op_pool&) = delete;
    op_pool& operator=(const op_pool&) = delete;
    ~op_pool();
    Op* get();
    void put(Op* op) noexcept;

private:
    static constexpr unsigned max_cached = 16;
    Op* free_ = nullptr;
    unsigned cached_ = 0;
};

struct socket_state : std::enable_shared_from_this<socket_state> {
    explicit socket_state(io_engine& engine);
    ~socket_state();

    // Marks every queued op cancelled and cancels native operations.
    void cancel_locked();
    void close(bool abortive);

    // Cancels one queued op of `queue`; see tcp_socket::cancel(op_id).
    template <typename Op>
    bool cancel_one_locked(op_queue<Op>& queue, op_pool<Op>& pool, bool in_flight, op_id id);
    // The socket to start a native asynchronous operation on (attached now
    // if need be); null, with `ec` set, if that failed.
    tcp::socket* attach_locked(boost::system::error_code& ec);
    // attach_locked for a read or write: if it failed, `done` (on_read or
    // on_write) is posted with the error, and the result is null.
    tcp::socket* attach_or_post_locked(void (socket_state::*done)(const boost::system::error_code&, std::size_t));
    // Parks the socket if no native asynchronous operation is outstanding and
    // the caller is not an engine thread. Parking where the last operation
    // ends would cost two epoll_ctl calls per operation to a socket driven
    // by the engine alone (event callbacks): it is parked when a driver's
    // thread reads or writes it synchronously, which is when arrivals
    // would wake the engine for nothing.
    // Inline: every try_send and try_receive asks, and the answer is nearly
    // always no (not attached).
    void park_before_synchronous_call_locked() noexcept {
        if (io_socket.is_open() && !write_in_flight && !read_in_flight && waits_in_flight == 0 && !connecting &&
            !engine.running_on_worker()) {
            detach_locked();
        }
    }
    void detach_locked() noexcept;
    // Cancels the outstanding native operations (Asio cancels per socket).
    void cancel_native_locked() noexcept;
    void start_wait_locked(status_handler handler);
    void start_write_locked(send_op* op);
    void start_read_locked(receive_op* op);
    void kick_send_locked();
    void kick_receive_locked();
    void on_write(const boost::system::error_code& ec, std::size_t n);
    void on_read(const boost::system::error_code& ec, std::size_t n);
    void drain_send(std::unique_lock<common::sleep_lock>& lock);
    void drain_receive(std::unique_lock<common::sleep_lock>& lock);
    void finish_send(std::unique_lock<common::sleep_lock>& lock, error e);
    void finish_receive(std::unique_lock<common::sleep_lock>& lock, error e);
    error send_error(const boost::system::error_code& ec) const;
    // Records an error that ends one or both directions.
    void note_end_locked(error e, bool receiving) noexcept;
    // After a successful open or accept.
    error prepare_locked();

    io_engine& engine;
    mutable common::sleep_lock mutex;  // held across synchronous host calls
    // The host socket, parked, and the same descriptor in the running
    // context from the start of a native asynchronous operation to the next
    // synchronous call of a driver's thread (parked_socket.hpp).
    tcp::socket socket;
    tcp::socket io_socket;
    option_state options;
    bool connected = false;
    bool connecting = false;
    bool send_shut = false;
    bool closed = false;
    // Sticky end states: once a direction has ended (end of stream, reset...),
    // later operations complete with the same error without touching the
    // host. Needed on epoll too: Asio's edge-triggered reactor does not
    // re-announce an end state it already delivered (docs/net.md).
    error send_end = error::none;
    error receive_end = error::none;

    op_id next_id = 1;
    // Bumped by cancel() and close: a readable wait aborted without a bump was
    // collateral damage of cancel(op_id) and is restarted.
    std::uint64_t cancel_generation = 0;
    bool write_in_flight = false;  // a native write is outstanding
    bool read_in_flight = false;   // a native read is outstanding
    unsigned waits_in_flight = 0;  // native readable waits outstanding
    op_queue<send_op> send_queue;
    bool send_active = false;  // a native write, a drain or a handler of the queue is under way
    op_queue<receive_op> receive_queue;
    bool receive_active = false;
    op_pool<send_op> send_pool;
    op_pool<receive_op> receive_pool;
    handler_slot write_slot;
    handler_slot read_slot;
};

}  // namespace wskemu::net::detail
