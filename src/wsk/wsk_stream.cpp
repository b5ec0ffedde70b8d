// wskemu: WSK stream sockets: a front for the connection or listening socket
// of the mode WskListen or WskConnect commits them to (docs/semantics.md,
// "Stream sockets").
#include "wsk/wsk_stream.hpp"

#include "kernel/log.hpp"
#include "wsk/wsk_address.hpp"
#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_listen.hpp"
#include "wsk/wsk_socket.hpp"

namespace wskemu::wsk {

stream_socket::stream_socket(registration_state& registration, net::address_family family, PVOID context,
                             const WSK_CLIENT_STREAM_DISPATCH* dispatch)
    : socket_base(socket_category::stream, registration, context), family_(family), client_dispatch_(dispatch) {}

stream_socket::~stream_socket() = default;

NTSTATUS stream_socket::create(registration_state& registration, ADDRESS_FAMILY family, USHORT socket_type,
                               ULONG protocol, PVOID context, const WSK_CLIENT_STREAM_DISPATCH* dispatch, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskSocket"); !NT_SUCCESS(taken)) {
        return taken;
    }
    const auto net_family = to_net_family(family);
    if (!net_family || socket_type != SOCK_STREAM || protocol != IPPROTO_TCP) {
        return complete_irp(irp, STATUS_INVALID_PARAMETER, 0);
    }
    PIRP inner_close = IoAllocateIrp(1, FALSE);
    if (inner_close == nullptr) {
        return complete_irp(irp, STATUS_INSUFFICIENT_RESOURCES, 0);
    }
    NTSTATUS status = STATUS_SUCCESS;
    connection_socket* connection = connection_socket::open_for_stream(
        registration, *net_family, context, dispatch != nullptr ? dispatch->Connect : nullptr, status);
    if (connection == nullptr) {
        IoFreeIrp(inner_close);
        return complete_irp(irp, status, 0);
    }
    auto* socket = new stream_socket(registration, *net_family, context, dispatch);
    socket->connection_ = connection;
    socket->inner_close_irp_ = inner_close;
    socket->Dispatch = &stream_dispatch();
    registration.socket_opened();
    socket->publish();
    WSK_SOCKET* handle = socket;
    return complete_irp(irp, STATUS_SUCCESS, reinterpret_cast<ULONG_PTR>(handle));
}

stream_mode stream_socket::mode() const {
    std::lock_guard lock(mutex_);
    return mode_;
}

connection_socket* stream_socket::connection_side() const {
    std::lock_guard lock(mutex_);
    return connection_;
}

listen_socket* stream_socket::listen_side() const {
    std::lock_guard lock(mutex_);
    return listener_;
}

NTSTATUS stream_socket::wrong_mode(PIRP irp, const char* function) {
    if (NTSTATUS taken = take_irp(irp, function); !NT_SUCCESS(taken)) {
        return taken;
    }
    return complete_irp(irp, STATUS_INVALID_DEVICE_STATE, 0);
}

void stream_socket::injected_failure(operation op, NTSTATUS status) {
    if (connection_socket* connection = connection_side(); connection != nullptr) {
        connection->injected_failure(op, status);
    }
}

// ---- the calls of both modes ------------------------------------------------------------

NTSTATUS stream_socket::bind(PSOCKADDR local, ULONG flags, PIRP irp) {
    connection_socket* connection = connection_side();
    return connection != nullptr ? connection->bind(local, flags, irp) : wrong_mode(irp, "WskBind");
}

NTSTATUS stream_socket::listen(PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskListen"); !NT_SUCCESS(taken)) {
        return taken;
    }
    std::unique_lock lock(mutex_);
    NTSTATUS status = STATUS_INVALID_DEVICE_STATE;  // committed already (decision)
    if (mode_ == stream_mode::undecided) {
        net::tcp_socket bound{nullptr};
        // Not bound (bind is required first): STATUS_INVALID_DEVICE_STATE.
        status = connection_->give_up_bound_host(bound);
        if (NT_SUCCESS(status)) {
            connection_ = nullptr;  // freed by give_up_bound_host
            listener_ = listen_socket::listen_for_stream(registration(), family_, bound, context(),
                                                        client_dispatch_ != nullptr ? client_dispatch_->Listen
                                                                                    : nullptr,
                                                        status);
            mode_ = stream_mode::listening;
            if (listener_ == nullptr) {
                // The host could not listen: the socket is left with nothing
                // to do but close (decision).
                kernel::log().warn("WskListen: the host refused to listen ({:#010x}); only WskCloseSocket is left",
                                   static_cast<ULONG>(status));
            }
        }
    }
    lock.unlock();
    return complete_irp(irp, status, 0);
}

NTSTATUS stream_socket::connect(PSOCKADDR remote, PWSK_BUF buffer, ULONG flags, PIRP irp, const char* function) {
    std::unique_lock lock(mutex_);
    if (mode_ == stream_mode::listening) {
        lock.unlock();
        return wrong_mode(irp, function);
    }
    connection_socket* connection = connection_;
    if (mode_ == stream_mode::undecided && connection->bound_only()) {
        mode_ = stream_mode::connection;  // a connect on the bound socket commits it
    }
    lock.unlock();
    return connection->connect_ex(remote, buffer, flags, irp, function);
}

NTSTATUS stream_socket::accept(ULONG flags, PVOID accept_context,
                               const WSK_CLIENT_CONNECTION_DISPATCH* accept_dispatch, PSOCKADDR local,
                               PSOCKADDR remote, PIRP irp) {
    listen_socket* listener = listen_side();
    return listener != nullptr ? listener->accept(flags, accept_context, accept_dispatch, local, remote, irp)
                               : wrong_mode(irp, "WskAccept");
}

NTSTATUS stream_socket::send(PWSK_BUF buffer, ULONG flags, PIRP irp) {
    connection_socket* connection = connection_side();
    return connection != nullptr ? connection->send(buffer, flags, irp) : wrong_mode(irp, "WskSend");
}

NTSTATUS stream_socket::receive(PWSK_BUF buffer, ULONG flags, PIRP irp) {
    connection_socket* connection = connection_side();
    return connection != nullptr ? connection->receive(buffer, flags, irp) : wrong_mode(irp, "WskReceive");
}

NTSTATUS stream_socket::disconnect(PWSK_BUF buffer, ULONG flags, PIRP irp) {
    connection_socket* connection = connection_side();
    return connection != nullptr ? connection->disconnect(buffer, flags, irp) : wrong_mode(irp, "WskDisconnect");
}

NTSTATUS stream_socket::get_local_address(PSOCKADDR out, PIRP irp) {
    std::unique_lock lock(mutex_);
    connection_socket* connection = connection_;
    listen_socket* listener = listener_;
    lock.unlock();
    if (connection != nullptr) {
        return connection->get_local_address(out, irp);
    }
    return listener != nullptr ? listener->get_local_address(out, irp) : wrong_mode(irp, "WskGetLocalAddress");
}

NTSTATUS stream_socket::get_remote_address(PSOCKADDR out, PIRP irp) {
    connection_socket* connection = connection_side();
    return connection != nullptr ? connection->get_remote_address(out, irp) : wrong_mode(irp, "WskGetRemoteAddress");
}

NTSTATUS stream_socket::control(WSK_CONTROL_SOCKET_TYPE type, ULONG code, ULONG level, SIZE_T input_size,
                                PVOID input, SIZE_T output_size, PVOID output, SIZE_T* output_size_returned,
                                PIRP irp) {
    std::unique_lock lock(mutex_);
    connection_socket* connection = connection_;
    listen_socket* listener = listener_;
    const bool undecided = mode_ == stream_mode::undecided;
    lock.unlock();
    if (undecided && type == WskSetOption && level == SOL_SOCKET && code == SO_WSK_EVENT_CALLBACK) {
        // Which events apply depends on the mode: none before it is chosen (decision).
        return irp == nullptr ? STATUS_INVALID_DEVICE_STATE : wrong_mode(irp, "WskControlSocket");
    }
    if (connection != nullptr) {
        return connection->control(type, code, level, input_size, input, output_size, output, output_size_returned,
                                   irp);
    }
    if (listener != nullptr) {
        return listener->control(type, code, level, input_size, input, output_size, output, output_size_returned,
                                 irp);
    }
    if (irp == nullptr) {
        return STATUS_INVALID_DEVICE_STATE;
    }
    return wrong_mode(irp, "WskControlSocket");
}

// ---- close -------------------------------------------------------------------------------

NTSTATUS stream_socket::close(PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskCloseSocket"); !NT_SUCCESS(taken)) {
        return taken;  // the socket stays open
    }
    mark_pending(irp);
    std::unique_lock lock(mutex_);
    close_irp_ = irp;
    connection_socket* connection = connection_;
    listen_socket* listener = listener_;
    lock.unlock();
    PIRP inner = inner_close_irp_;
    if (connection == nullptr && listener == nullptr) {
        inner_closed(nullptr, inner, this);  // a failed WskListen left nothing inside
        return STATUS_PENDING;
    }
    IoSetCompletionRoutine(inner, inner_closed, this, TRUE, TRUE, TRUE);
    // The inner socket's close cancels its pending IRPs and waits for its
    // callbacks; its completion (maybe right now) finishes this one.
    if (connection != nullptr) {
        connection->close(inner);
    } else {
        listener->close(inner);
    }
    return STATUS_PENDING;
}

NTSTATUS NTAPI stream_socket::inner_closed(PDEVICE_OBJECT device, PIRP irp, PVOID context) {
    (void)device;
    auto* self = static_cast<stream_socket*>(context);
    IoFreeIrp(irp);
    PIRP close_irp = self->close_irp_;
    self->retire();
    complete_pending(close_irp, STATUS_SUCCESS, 0);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

}  // namespace wskemu::wsk
