// wskemu: WSK listening sockets over net::tcp_listener: life, bind, WskAccept,
// WskInspectComplete, addresses (docs/semantics.md, "Listening sockets").
#include "wsk/wsk_listen_ops.hpp"

#include "kernel/log.hpp"
#include "wsk/wsk_address.hpp"
#include "wsk/wsk_socket.hpp"
#include "wsk/wsk_status.hpp"

#include <algorithm>

namespace wskemu::wsk {

namespace {

// Everything this file runs later goes through here.
void run_later(net::task task) { net::io_engine::instance().post(std::move(task)); }

// Host accept errors that concern one connection, not the listener: the
// peer gave up before the accept, or the process ran short for a moment.
bool transient_accept_error(net::error e) noexcept {
    switch (e) {
    case net::error::connection_aborted:
    case net::error::connection_reset:
    case net::error::would_block:
    case net::error::no_buffers: return true;
    default: return false;
    }
}

}  // namespace

// ---- life ----------------------------------------------------------------------------

listen_socket::listen_socket(registration_state& registration, net::address_family family, PVOID context,
                             const WSK_CLIENT_LISTEN_DISPATCH* dispatch, ULONG static_events)
    : socket_base(socket_category::listen, registration, context),
      family_(family),
      client_dispatch_(dispatch),
      events_(static_events) {}

listen_socket::~listen_socket() = default;

NTSTATUS listen_socket::create(registration_state& registration, ADDRESS_FAMILY family, USHORT socket_type,
                               ULONG protocol, PVOID context, const WSK_CLIENT_LISTEN_DISPATCH* dispatch, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskSocket"); !NT_SUCCESS(taken)) {
        return taken;
    }
    const auto net_family = to_net_family(family);
    if (!net_family || socket_type != SOCK_STREAM || protocol != IPPROTO_TCP) {
        return complete_irp(irp, STATUS_INVALID_PARAMETER, 0);
    }
    const ULONG static_events = static_events_for(registration, socket_category::listen);
    if ((static_events & WSK_EVENT_ACCEPT) != 0 && (dispatch == nullptr || dispatch->WskAcceptEvent == nullptr)) {
        kernel::log().warn("WskSocket: WSK_EVENT_ACCEPT is a static event of this client, but the listening "
                           "socket's dispatch has no WskAcceptEvent; STATUS_INVALID_PARAMETER");
        return complete_irp(irp, STATUS_INVALID_PARAMETER, 0);
    }
    auto* socket = new listen_socket(registration, *net_family, context, dispatch, static_events);
    net::error e = socket->host_.open(*net_family);
    if (e == net::error::none && *net_family == net::address_family::ipv6) {
        e = socket->host_.set_option(net::socket_option::v6_only, 1);  // Windows' default
    }
    if (e != net::error::none) {
        delete socket;
        return complete_irp(irp, to_ntstatus(e), 0);
    }
    socket->Dispatch = &listen_dispatch();
    registration.socket_opened();
    socket->publish();
    WSK_SOCKET* handle = socket;
    return complete_irp(irp, STATUS_SUCCESS, reinterpret_cast<ULONG_PTR>(handle));
}

listen_socket* listen_socket::listen_for_stream(registration_state& registration, net::address_family family,
                                                net::tcp_socket& bound, PVOID context,
                                                const WSK_CLIENT_LISTEN_DISPATCH* dispatch, NTSTATUS& status) {
    auto* socket = new listen_socket(registration, family, context, dispatch, 0);
    net::error e = socket->host_.adopt(bound);
    if (e == net::error::none) {
        e = socket->host_.listen();
    }
    if (e != net::error::none) {
        delete socket;
        status = to_ntstatus(e);
        return nullptr;
    }
    socket->Dispatch = &listen_dispatch();
    socket->bound_ = true;
    registration.socket_opened();
    socket->publish();
    {
        std::lock_guard lock(socket->mutex_);
        socket->start_host_accept_locked();
    }
    status = STATUS_SUCCESS;
    return socket;
}

NTSTATUS listen_socket::usable_locked() const noexcept { return usable_status(closing_, dead_); }

void listen_socket::finished_one() {
    std::unique_lock lock(mutex_);
    if (--busy_ == 0 && closing_) {
        lock.unlock();
        finish_close();
    }
}

void listen_socket::finish_close() {
    PIRP irp = close_irp_;
    retire();
    complete_pending(irp, STATUS_SUCCESS, 0);
}

NTSTATUS listen_socket::close(PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskCloseSocket"); !NT_SUCCESS(taken)) {
        return taken;  // the socket stays open
    }
    std::deque<accept_operation*> cancelled;
    std::vector<connection_ptr> dropped;
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
        close_irp_ = irp;
        mark_pending(irp);
        ++busy_;  // the event side's hold, released once no callback runs
        cancelled.swap(accepts_);
        dropped.assign(ready_.begin(), ready_.end());
        dropped.insert(dropped.end(), inspecting_.begin(), inspecting_.end());
        ready_.clear();
        inspecting_.clear();
        host_.close();  // a host accept in flight ends, cancelled
    }
    // Connections no driver has seen are reset.
    for (const connection_ptr& connection : dropped) {
        connection->host.close_abortive();
    }
    if (!cancelled.empty()) {
        run_later([this, cancelled = std::move(cancelled)] {
            for (accept_operation* op : cancelled) {
                complete_pending(op->irp(), STATUS_CANCELLED, 0);
                delete op;
                finished_one();
            }
        });
    }
    // Last: the continuation may run now and free the socket.
    events_.close([this] { finished_one(); });
    return STATUS_PENDING;
}

// ---- bind, addresses --------------------------------------------------------------------

NTSTATUS listen_socket::bind(PSOCKADDR local, ULONG flags, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskBind"); !NT_SUCCESS(taken)) {
        return taken;
    }
    net::endpoint ep;
    // Flags is reserved; the address must be of the socket's family.
    NTSTATUS status = flags != 0 ? STATUS_INVALID_PARAMETER : from_sockaddr_of(local, family_, ep);
    std::unique_lock lock(mutex_);
    if (const NTSTATUS usable = usable_locked(); !NT_SUCCESS(usable)) {
        status = usable;
    } else if (bound_) {
        status = STATUS_INVALID_DEVICE_STATE;
    }
    if (NT_SUCCESS(status)) {
        status = to_ntstatus(host_.bind(ep));
    }
    if (NT_SUCCESS(status)) {
        // Bind itself starts listening: WSK has no listen call for this category.
        status = to_ntstatus(host_.listen());
    }
    if (NT_SUCCESS(status)) {
        bound_ = true;
        start_host_accept_locked();
        pump_locked();  // a static accept event serves from now on
    }
    lock.unlock();
    return complete_irp(irp, status, 0);
}

NTSTATUS listen_socket::get_local_address(PSOCKADDR out, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskGetLocalAddress"); !NT_SUCCESS(taken)) {
        return taken;
    }
    std::unique_lock lock(mutex_);
    const NTSTATUS status = usable_locked();
    const bool bound = bound_;
    net::endpoint ep;
    const net::error host = host_.local_endpoint(ep);
    lock.unlock();
    return complete_address_query(irp, status, bound, host, ep, out);
}

std::size_t listen_socket::waiting_connections() const {
    std::lock_guard lock(mutex_);
    return ready_.size();
}

std::size_t listen_socket::inspecting_connections() const {
    std::lock_guard lock(mutex_);
    return inspecting_.size();
}

// ---- host accepts ---------------------------------------------------------------------------

void listen_socket::start_host_accept_locked() {
    if (accepting_ || closing_ || dead_ || !bound_ ||
        ready_.size() + inspecting_.size() + delivering_ >= backlog_limit) {
        return;
    }
    accepting_ = true;
    ++busy_;
    host_.async_accept([this](net::error e, net::tcp_socket socket) { on_host_accept(e, std::move(socket)); });
}

void listen_socket::on_host_accept(net::error e, net::tcp_socket socket) {
    std::unique_lock lock(mutex_);
    accepting_ = false;
    if (closing_) {
        lock.unlock();
        if (socket.is_open()) {
            socket.close_abortive();
        }
        finished_one();
        return;
    }
    if (e != net::error::none) {
        if (transient_accept_error(e)) {
            start_host_accept_locked();
            lock.unlock();
        } else {
            lock.unlock();
            kernel::log().warn("WSK listening socket {}: the host listener failed ({}); pending and later calls but "
                               "WskCloseSocket fail with STATUS_FILE_FORCED_CLOSED",
                               key(), static_cast<int>(e));
            fail_listener();
        }
        finished_one();
        return;
    }
    auto connection = std::make_shared<waiting_connection>();
    if (socket.local_endpoint(connection->local) != net::error::none ||
        socket.remote_endpoint(connection->remote) != net::error::none) {
        start_host_accept_locked();  // the peer is gone already
        lock.unlock();
        socket.close_abortive();
        finished_one();
        return;
    }
    connection->host = std::move(socket);
    if (conditional_) {
        ++delivering_;
        ++busy_;
        start_host_accept_locked();
        lock.unlock();
        deliver_inspect(std::move(connection));
        finished_one();
        return;
    }
    ready_.push_back(std::move(connection));
    start_host_accept_locked();
    pump_locked();
    lock.unlock();
    finished_one();
}

void listen_socket::fail_listener() {
    std::deque<accept_operation*> failed;
    std::vector<connection_ptr> dropped;
    bool indicate = false;
    {
        std::lock_guard lock(mutex_);
        if (dead_ || closing_) {
            return;
        }
        dead_ = true;
        failed.swap(accepts_);
        dropped.assign(ready_.begin(), ready_.end());
        dropped.insert(dropped.end(), inspecting_.begin(), inspecting_.end());
        ready_.clear();
        inspecting_.clear();
        if (events_.enabled(WSK_EVENT_ACCEPT)) {
            indicate = true;
            ++busy_;
        }
    }
    for (accept_operation* op : failed) {
        complete_pending(op->irp(), STATUS_FILE_FORCED_CLOSED, 0);
        delete op;
        finished_one();
    }
    for (const connection_ptr& connection : dropped) {
        connection->host.close_abortive();
    }
    if (indicate) {
        deliver_dead();
    }
}

bool listen_socket::remove_locked(const connection_ptr& connection) {
    if (auto it = std::find(ready_.begin(), ready_.end(), connection); it != ready_.end()) {
        ready_.erase(it);
        return true;
    }
    if (auto it = std::find(inspecting_.begin(), inspecting_.end(), connection); it != inspecting_.end()) {
        inspecting_.erase(it);
        return true;
    }
    return false;
}

// ---- WskAccept ------------------------------------------------------------------------------

namespace {

// The accepted socket for `connection`, its addresses written where asked.
connection_socket* make_accepted(registration_state& registration, net::address_family family,
                                 waiting_connection& connection, PVOID context,
                                 const WSK_CLIENT_CONNECTION_DISPATCH* dispatch, PSOCKADDR local, PSOCKADDR remote) {
    if (connection.watched) {
        connection.host.cancel();  // the wait for a drop ends; the socket goes on
    }
    if (local != nullptr) {
        to_sockaddr(connection.local, local);
    }
    if (remote != nullptr) {
        to_sockaddr(connection.remote, remote);
    }
    return connection_socket::adopt_accepted(registration, family, std::move(connection.host), context, dispatch);
}

}  // namespace

NTSTATUS listen_socket::accept(ULONG flags, PVOID accept_context,
                               const WSK_CLIENT_CONNECTION_DISPATCH* accept_dispatch, PSOCKADDR local,
                               PSOCKADDR remote, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskAccept"); !NT_SUCCESS(taken)) {
        return taken;
    }
    std::unique_lock lock(mutex_);
    NTSTATUS status = usable_locked();
    if (NT_SUCCESS(status) && !bound_) {
        status = STATUS_INVALID_DEVICE_STATE;
    }
    if (NT_SUCCESS(status) && flags != 0) {
        status = STATUS_INVALID_PARAMETER;  // reserved
    }
    if (!NT_SUCCESS(status)) {
        lock.unlock();
        return complete_irp(irp, status, 0);
    }
    // A connection is waiting and no WskAccept before this one: at once
    // (unless called from inside one of our completions: no nesting).
    if (accepts_.empty() && !ready_.empty() && may_complete_inline()) {
        connection_ptr connection = ready_.front();
        ready_.pop_front();
        start_host_accept_locked();
        lock.unlock();
        WSK_SOCKET* handle =
            make_accepted(registration(), family_, *connection, accept_context, accept_dispatch, local, remote);
        return complete_irp(irp, STATUS_SUCCESS, reinterpret_cast<ULONG_PTR>(handle));
    }
    auto* op = new accept_operation(*this, irp);
    op->context = accept_context;
    op->dispatch = accept_dispatch;
    op->local = local;
    op->remote = remote;
    ++busy_;
    accepts_.push_back(op);
    mark_pending(irp);
    pump_locked();
    if (!arm_cancel(*op)) {
        cancel_accept_locked(op);
    }
    return STATUS_PENDING;
}

void listen_socket::hand_to_accept(accept_operation* op, const connection_ptr& connection) {
    WSK_SOCKET* handle =
        make_accepted(registration(), family_, *connection, op->context, op->dispatch, op->local, op->remote);
    complete_pending(op->irp(), STATUS_SUCCESS, reinterpret_cast<ULONG_PTR>(handle));
    delete op;
    finished_one();
}

void listen_socket::cancel_accept_locked(accept_operation* op) {
    auto it = std::find(accepts_.begin(), accepts_.end(), op);
    if (it == accepts_.end()) {
        return;  // a connection is being handed to it: the natural result wins
    }
    accepts_.erase(it);
    run_later([this, op] {
        complete_pending(op->irp(), STATUS_CANCELLED, 0);
        delete op;
        finished_one();
    });
}

void listen_socket::pump_locked() {
    if (serving_ || closing_ || dead_ || ready_.empty()) {
        return;
    }
    if (accepts_.empty() && !events_.enabled(WSK_EVENT_ACCEPT)) {
        return;  // connections wait for a WskAccept
    }
    serving_ = true;
    ++busy_;
    run_later([this] { serve(); });
}

void listen_socket::serve() {
    std::unique_lock lock(mutex_);
    while (!closing_ && !dead_ && !ready_.empty()) {
        if (!accepts_.empty()) {
            accept_operation* op = accepts_.front();
            accepts_.pop_front();
            connection_ptr connection = ready_.front();
            ready_.pop_front();
            start_host_accept_locked();
            lock.unlock();
            hand_to_accept(op, connection);
            lock.lock();
            continue;
        }
        if (!events_.enabled(WSK_EVENT_ACCEPT)) {
            break;
        }
        connection_ptr connection = ready_.front();
        ready_.pop_front();
        ++delivering_;
        ++busy_;
        lock.unlock();
        deliver_accept(std::move(connection));
        lock.lock();
    }
    serving_ = false;
    lock.unlock();
    finished_one();
}

// ---- WskInspectComplete -------------------------------------------------------------------------

NTSTATUS listen_socket::inspect_complete(PWSK_INSPECT_ID id, WSK_INSPECT_ACTION action, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskInspectComplete"); !NT_SUCCESS(taken)) {
        return taken;
    }
    std::unique_lock lock(mutex_);
    NTSTATUS status = usable_locked();
    if (NT_SUCCESS(status) && (!bound_ || !conditional_)) {
        status = STATUS_INVALID_DEVICE_STATE;
    }
    if (NT_SUCCESS(status) && (id == nullptr || (action != WskInspectAccept && action != WskInspectReject))) {
        status = STATUS_INVALID_PARAMETER;
    }
    connection_ptr connection;
    if (NT_SUCCESS(status)) {
        // Matched by contents: the driver passes its own copy.
        auto it = std::find_if(inspecting_.begin(), inspecting_.end(), [id](const connection_ptr& c) {
            return c->id.Key == id->Key && c->id.SerialNumber == id->SerialNumber;
        });
        if (it == inspecting_.end()) {
            status = STATUS_INVALID_PARAMETER;  // completed or aborted already, or never pended (decision)
        } else {
            connection = *it;
            inspecting_.erase(it);
        }
    }
    if (connection && action == WskInspectAccept) {
        ready_.push_back(connection);
        pump_locked();
    } else if (connection) {
        start_host_accept_locked();
    }
    lock.unlock();
    if (connection && action == WskInspectReject) {
        connection->host.close_abortive();
    }
    return complete_irp(irp, status, 0);
}

}  // namespace wskemu::wsk
