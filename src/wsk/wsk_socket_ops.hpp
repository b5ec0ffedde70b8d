// wskemu, internal to the connection socket's files: its pending operations,
// one object per pending IRP, which the cancel routine and the host
// completion handlers share.
#pragma once

#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_socket.hpp"

#include <memory>
#include <vector>

namespace wskemu::wsk {

// ---- pending operations --------------------------------------------------------

struct connection_socket::io_operation : pending_irp {
    io_operation(connection_socket& owner, PIRP irp) noexcept : pending_irp(irp), socket(owner) {}
    connection_socket& socket;
    net::op_id id = 0;       // the host operation, for IoCancelIrp (guarded by the socket's mutex)
    std::size_t done = 0;    // bytes moved inline before the host operation started
    bool cancelled = false;  // IoCancelIrp seen (guarded by the socket's mutex)

    void cancel_requested() noexcept override {
        std::lock_guard lock(socket.mutex_);
        cancelled = true;
        if (id != 0) {
            socket.host_.cancel(id);
        }
    }

    // Completes the IRP, frees the operation, and lets a waiting close go on.
    template <typename Op>
    static void finish(Op* op, NTSTATUS status, ULONG_PTR information) {
        connection_socket& owner = op->socket;
        PIRP irp = op->irp();
        complete_pending(irp, status, information);
        delete op;
        owner.operation_finished();
    }
};

struct connection_socket::send_operation final : io_operation {
    using io_operation::io_operation;
    NTSTATUS then = STATUS_SUCCESS;  // test control: once every byte went, fail with this
    std::vector<net::const_buffer> kept;  // the pieces, for the capture (wsk_trace.hpp), while one runs
};

struct connection_socket::receive_operation final : io_operation {
    using io_operation::io_operation;
    std::size_t reserved = 0;        // bytes counted against the plan's receive marks
    NTSTATUS then = STATUS_SUCCESS;  // test control: once the buffer is full, fail with this
    std::vector<net::mutable_buffer> pieces;
    std::size_t length = 0;          // bytes asked for (after test control's limit)
    net::receive_mode mode = net::receive_mode::some;
    std::unique_ptr<unsigned char[]> drain_buffer;  // WSK_FLAG_DRAIN: bytes read and dropped
    bool waiting = false;            // in waiting_receives_, behind the event side (socket's mutex)

    // A receive waiting behind the event side has no host operation yet: the
    // next serve task completes it, cancelled.
    void cancel_requested() noexcept override {
        std::lock_guard lock(socket.mutex_);
        cancelled = true;
        if (id != 0) {
            socket.host_.cancel(id);
        } else if (waiting) {
            socket.request_serve_locked();
        }
    }
};

struct connection_socket::connect_operation final : io_operation {
    using io_operation::io_operation;
    bool creates_socket = false;  // WskSocketConnect
    std::vector<net::const_buffer> initial;  // WskConnectEx data, sent once connected

    // A connect has no op id in src/net: cancel the host socket's operations,
    // which while connecting are only this one.
    void cancel_requested() noexcept override {
        std::lock_guard lock(socket.mutex_);
        cancelled = true;
        if (id != 0) {
            socket.host_.cancel(id);  // WskConnectEx's data is being sent
        } else if (socket.phase_ == socket_phase::connecting) {
            socket.host_.cancel();
        }
    }
};

struct connection_socket::disconnect_operation final : io_operation {
    using io_operation::io_operation;
    NTSTATUS send_status = STATUS_SUCCESS;  // of the final buffer (guarded by the socket's mutex)
    bool irp_completed = false;             // guarded by the socket's mutex
    bool cancel_posted = false;             // guarded by the socket's mutex
    int owners = 1;                         // the FIN handler, plus a posted cancel (socket's mutex)
    std::vector<net::const_buffer> kept;    // the final buffer, for the capture (wsk_trace.hpp)

    // The FIN is queued behind the sends before it and cannot be taken out of
    // the queue: a cancel completes the IRP now, from an engine thread, and
    // the FIN still goes when its turn comes. Whichever of the two runs first
    // completes the IRP; the last one frees the operation.
    void cancel_requested() noexcept override {
        std::lock_guard lock(socket.mutex_);
        cancelled = true;
        if (id != 0) {
            socket.host_.cancel(id);
        }
        if (irp_completed || cancel_posted) {
            return;
        }
        cancel_posted = true;
        ++owners;
        net::io_engine::instance().post([this] { settle(STATUS_CANCELLED); });
    }

    // One owner is done: complete the IRP if nobody has, free the operation
    // if this was the last owner.
    void settle(NTSTATUS status) {
        connection_socket& owner = socket;
        bool complete;
        bool last;
        ULONG_PTR bytes;
        {
            std::lock_guard lock(owner.mutex_);
            complete = !irp_completed;
            irp_completed = true;
            last = --owners == 0;
            bytes = done;
        }
        if (complete) {
            complete_pending(irp(), status, bytes);
        }
        if (last) {
            delete this;
            owner.operation_finished();
        }
    }
};

namespace socket_limits {
constexpr std::size_t drain_buffer_size = 4096;
constexpr std::size_t max_connect_data = 65535;  // WskConnectEx's limit
// The tag of the provider's data records ("WskC").
constexpr ULONG record_tag = 0x436B7357;
// One host read of the event side: the capacity of the record it reads into.
// 64 KiB took two to three times the host reads per byte of a blocking recv()
// into a large buffer (docs/performance.md, "ninth session").
constexpr std::size_t event_read_size = 256 * 1024;
// A read of fewer bytes is copied into a record of its size, and the large
// one is read into again, so that kept bytes take at most twice their memory.
constexpr std::size_t event_read_copied_below = event_read_size / 2;
// Most records one indication chain carries.
constexpr std::size_t max_chain = 8;
// The event side reads ahead while the provider holds fewer bytes than this.
constexpr std::size_t read_ahead_limit = 256 * 1024;
// A WskReceive for fewer bytes than this reads ahead: one host read of up to
// receive_read_ahead_size bytes, the rest kept for the next receives
// (docs/semantics.md, "WskReceive reads ahead"; docs/performance.md, "eighth
// session" and "ninth session" for the measurements).
constexpr std::size_t read_ahead_below = 8192;
constexpr std::size_t receive_read_ahead_size = 65536;
// Bytes the driver retains on a socket from which indications carry
// WSK_FLAG_RELEASE_ASAP.
constexpr std::size_t release_asap_bytes = 1024 * 1024;
}  // namespace socket_limits

/// Received bytes the provider holds: the WSK_DATA_INDICATION the driver sees
/// first (so a PWSK_DATA_INDICATION is its record), then the MDL describing
/// the payload, then the payload, all one pool block. The event side's host
/// reads land in the payload itself. Buffer.Offset/Length are the bytes not
/// consumed yet.
struct data_record {
    WSK_DATA_INDICATION indication;
    std::size_t size;      // payload bytes received
    std::size_t capacity;  // payload bytes the block has room for
    unsigned char* data;   // the payload
    bool push;             // the host had nothing more right after these bytes

    unsigned char* payload() noexcept { return data; }
    std::size_t remaining() const noexcept { return indication.Buffer.Length; }
};

}  // namespace wskemu::wsk
