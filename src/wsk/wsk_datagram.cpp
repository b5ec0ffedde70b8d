// wskemu: WSK datagram sockets over net::udp_socket: life, bind, addresses
// and the send side (docs/semantics.md, "Datagram sockets").
#include "wsk/wsk_datagram.hpp"

#include "kernel/log.hpp"
#include "wsk/wsk_address.hpp"
#include "wsk/wsk_buf.hpp"
#include "wsk/wsk_control_info.hpp"
#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_status.hpp"
#include "wsk/wsk_trace.hpp"

#include <atomic>

namespace wskemu::wsk {

// One WskSendTo, or one WskSendMessages with all its datagrams.
struct datagram_socket::send_operation final : pending_irp {
    send_operation(datagram_socket& owner, PIRP irp) noexcept : pending_irp(irp), socket(owner) {}
    datagram_socket& socket;
    // Guarded by the socket's mutex:
    std::vector<net::op_id> ids;          // host sends still pending
    std::size_t outstanding = 0;          // datagrams not completed yet
    std::size_t first_failed = SIZE_MAX;  // index of the earliest datagram that failed
    NTSTATUS failure = STATUS_SUCCESS;    // its status
    std::size_t bytes = 0;                // bytes of the datagrams sent
    // Set before the host sends start, then read only:
    std::vector<std::vector<net::const_buffer>> datagrams;  // each datagram's pieces (the driver's memory)
    net::endpoint destination;

    void cancel_requested() noexcept override {
        std::lock_guard lock(socket.mutex_);
        for (net::op_id id : ids) {
            socket.host_.cancel(id);
        }
    }

    // One datagram (number `index`) is done.
    void datagram_done(std::size_t index, net::error e, std::size_t sent) {
        datagram_socket& owner = socket;
        bool last;
        {
            std::lock_guard lock(owner.mutex_);
            if (e == net::error::none) {
                bytes += sent;
                trace_datagram_sent(owner, destination, datagrams[index], sent);
            } else if (index < first_failed) {
                first_failed = index;
                failure = to_ntstatus(e);
            }
            last = --outstanding == 0;
            if (last) {
                --owner.pending_sends_;
            }
        }
        if (last) {
            complete_pending(irp(), failure, bytes);
            delete this;
            owner.finished_one();
        }
    }
};

namespace {

// Everything this file runs later goes through here.
void run_later(net::task task) { net::io_engine::instance().post(std::move(task)); }

}  // namespace

// ---- life ------------------------------------------------------------------------

datagram_socket::datagram_socket(registration_state& registration, net::address_family family, PVOID context,
                                 const WSK_CLIENT_DATAGRAM_DISPATCH* dispatch, ULONG static_events)
    : socket_base(socket_category::datagram, registration, context),
      family_(family),
      client_dispatch_(dispatch),
      events_(static_events) {}

datagram_socket::~datagram_socket() = default;

NTSTATUS datagram_socket::create(registration_state& registration, ADDRESS_FAMILY family, USHORT socket_type,
                                 ULONG protocol, PVOID context, const WSK_CLIENT_DATAGRAM_DISPATCH* dispatch,
                                 PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskSocket"); !NT_SUCCESS(taken)) {
        return taken;
    }
    const auto net_family = to_net_family(family);
    if (!net_family || socket_type != SOCK_DGRAM || protocol != IPPROTO_UDP) {
        return complete_irp(irp, STATUS_INVALID_PARAMETER, 0);
    }
    const ULONG static_events = static_events_for(registration, socket_category::datagram);
    if ((static_events & WSK_EVENT_RECEIVE_FROM) != 0 &&
        (dispatch == nullptr || dispatch->WskReceiveFromEvent == nullptr)) {
        kernel::log().warn("WskSocket: WSK_EVENT_RECEIVE_FROM is a static event of this client, but the datagram "
                           "socket's dispatch has no WskReceiveFromEvent; STATUS_INVALID_PARAMETER");
        return complete_irp(irp, STATUS_INVALID_PARAMETER, 0);
    }
    auto* socket = new datagram_socket(registration, *net_family, context, dispatch, static_events);
    if (const net::error e = socket->host_.open(*net_family); e != net::error::none) {
        delete socket;
        return complete_irp(irp, to_ntstatus(e), 0);
    }
    socket->Dispatch = &datagram_dispatch();
    registration.socket_opened();
    socket->publish();
    WSK_SOCKET* handle = socket;
    return complete_irp(irp, STATUS_SUCCESS, reinterpret_cast<ULONG_PTR>(handle));
}

NTSTATUS datagram_socket::usable_locked() const noexcept { return usable_status(closing_, dead_); }

void datagram_socket::finished_one() {
    std::unique_lock lock(mutex_);
    if (--busy_ == 0 && closing_) {
        lock.unlock();
        finish_close();
    }
}

void datagram_socket::finish_close() {
    std::size_t retained;
    {
        std::lock_guard lock(mutex_);
        retained = retained_.size();
    }
    if (retained != 0) {
        kernel::log().warn("WskCloseSocket: datagram socket {} closed with {} indication(s) retained and not "
                           "released; WskCloseSocket does not release them (call WskRelease first): they stay "
                           "allocated",
                           static_cast<void*>(static_cast<WSK_SOCKET*>(this)), retained);
    }
    for (datagram_record* record : kept_) {
        free_record(record);
    }
    kept_.clear();
    PIRP irp = close_irp_;
    retire();  // deferred completions of this socket's calls come before the close's own
    complete_pending(irp, STATUS_SUCCESS, 0);
}

NTSTATUS datagram_socket::close(PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskCloseSocket"); !NT_SUCCESS(taken)) {
        return taken;  // the socket stays open
    }
    std::deque<receive_operation*> waiting;
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
        close_irp_ = irp;
        mark_pending(irp);
        // One hold for the event side, released once no callback runs.
        ++busy_;
        // Receives not in flight on the host are cancelled here; the one in
        // flight, and every send, end through their host handlers, which the
        // host close below completes with cancelled.
        for (receive_operation* op : receives_) {
            if (!(host_receive_ == host_receive::irp && op == receives_.front())) {
                waiting.push_back(op);
            }
        }
        for (receive_operation* op : waiting) {
            std::erase(receives_, op);
        }
        host_.close();
    }
    if (!waiting.empty()) {
        run_later([this, waiting = std::move(waiting)] {
            for (receive_operation* op : waiting) {
                complete_receive(op, STATUS_CANCELLED, 0);
            }
        });
    }
    // Last: the continuation may run now and free the socket.
    events_.close([this] { finished_one(); });
    return STATUS_PENDING;
}

// ---- bind, addresses --------------------------------------------------------------

NTSTATUS datagram_socket::bind(PSOCKADDR local, ULONG flags, PIRP irp) {
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
    } else if (NT_SUCCESS(status)) {
        status = to_ntstatus(host_.bind(ep));
    }
    if (NT_SUCCESS(status)) {
        bound_ = true;
        pump_locked();  // a static receive-from event starts now
    }
    lock.unlock();
    return complete_irp(irp, status, 0);
}

NTSTATUS datagram_socket::get_local_address(PSOCKADDR out, PIRP irp) {
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

// ---- send --------------------------------------------------------------------------

NTSTATUS datagram_socket::destination_locked(PSOCKADDR remote, net::endpoint& out) const {
    if (remote != nullptr) {
        return from_sockaddr_of(remote, family_, out);
    }
    if (!send_address_) {
        static std::atomic<bool> logged{false};
        if (!logged.exchange(true)) {
            kernel::log().warn("WskSendTo/WskSendMessages: RemoteAddress is NULL and no address was fixed with "
                               "SIO_WSK_SET_REMOTE_ADDRESS or SIO_WSK_SET_SENDTO_ADDRESS; STATUS_INVALID_PARAMETER "
                               "(logged once)");
        }
        return STATUS_INVALID_PARAMETER;
    }
    out = *send_address_;
    return STATUS_SUCCESS;
}

NTSTATUS datagram_socket::send_source(ULONG control_length, PCMSGHDR control,
                                      std::optional<net::packet_info>& out) const {
    return read_send_control_info(family_, control, control_length, out);
}

NTSTATUS datagram_socket::send_to(PWSK_BUF buffer, ULONG flags, PSOCKADDR remote, ULONG control_length,
                                  PCMSGHDR control, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskSendTo"); !NT_SUCCESS(taken)) {
        return taken;
    }
    if (buffer == nullptr) {
        return complete_irp(irp, STATUS_INVALID_PARAMETER, 0);
    }
    WSK_BUF_LIST one{nullptr, *buffer};
    return send_datagrams(&one, flags, remote, control_length, control, irp);
}

NTSTATUS datagram_socket::send_messages(PWSK_BUF_LIST list, ULONG flags, PSOCKADDR remote, ULONG control_length,
                                        PCMSGHDR control, PIRP irp) {
    if (NTSTATUS taken = take_irp(irp, "WskSendMessages"); !NT_SUCCESS(taken)) {
        return taken;
    }
    return send_datagrams(list, flags, remote, control_length, control, irp);
}

NTSTATUS datagram_socket::send_datagrams(const WSK_BUF_LIST* list, ULONG flags, PSOCKADDR remote,
                                         ULONG control_length, PCMSGHDR control, PIRP irp) {
    std::optional<net::packet_info> source;
    net::endpoint destination;
    std::unique_lock lock(mutex_);
    // The descriptor lists of the datagrams: the socket's own, reused (under
    // the lock) so that an inline send allocates nothing.
    std::vector<std::vector<net::const_buffer>>& datagrams = send_datagrams_;
    std::size_t count = 0;
    NTSTATUS status = usable_locked();
    if (NT_SUCCESS(status) && !bound_) {
        status = STATUS_INVALID_DEVICE_STATE;
    }
    if (NT_SUCCESS(status) && (flags != 0 || list == nullptr)) {
        status = STATUS_INVALID_PARAMETER;  // Flags is reserved
    }
    if (NT_SUCCESS(status)) {
        status = destination_locked(remote, destination);
    }
    if (NT_SUCCESS(status)) {
        status = send_source(control_length, control, source);
    }
    // Every datagram is checked before any is sent: nothing goes out of a call
    // that fails its checks.
    const std::size_t largest = net::udp_socket::max_datagram_size(destination);
    for (const WSK_BUF_LIST* element = list; NT_SUCCESS(status) && element != nullptr; element = element->Next) {
        if (count == max_mdl_chain_length) {
            status = STATUS_INVALID_PARAMETER;  // taken for a cycle
            break;
        }
        if (count == datagrams.size()) {
            datagrams.emplace_back();
        }
        std::size_t total = 0;
        status = map_wsk_buf<net::const_buffer, const unsigned char>(&element->Buffer, datagrams[count++], total);
        if (NT_SUCCESS(status) && total > largest) {
            status = STATUS_INVALID_BUFFER_SIZE;
        }
    }
    datagrams.resize(count);
    if (!NT_SUCCESS(status)) {
        lock.unlock();
        return complete_irp(irp, status, 0);
    }
    const net::packet_info* from = source ? &*source : nullptr;
    std::size_t next = 0;
    std::size_t sent = 0;
    // Inline while the host takes them at once, nothing is queued before
    // them, and this is not a call from inside one of our completions.
    if (pending_sends_ == 0 && !in_completion()) {
        for (; next < datagrams.size(); ++next) {
            const net::io_result r = host_.try_send_to(datagrams[next], destination, from);
            if (r.err == net::error::would_block) {
                break;
            }
            if (r.err != net::error::none) {
                lock.unlock();
                return complete_irp(irp, to_ntstatus(r.err), sent);
            }
            sent += r.bytes;
            trace_datagram_sent(*this, destination, datagrams[next], r.bytes);
        }
        if (next == datagrams.size()) {
            lock.unlock();
            return complete_irp(irp, STATUS_SUCCESS, sent);
        }
    }
    auto* op = new send_operation(*this, irp);
    op->bytes = sent;
    op->outstanding = datagrams.size() - next;
    op->datagrams = std::move(datagrams);
    datagrams.clear();  // moved from: the next call starts from an empty list
    op->destination = destination;
    ++pending_sends_;
    ++busy_;
    mark_pending(irp);
    for (std::size_t i = next; i < op->datagrams.size(); ++i) {
        op->ids.push_back(host_.async_send_to(op->datagrams[i], destination, from,
                                              [op, i](net::error e, std::size_t n) { op->datagram_done(i, e, n); }));
    }
    if (!arm_cancel(*op)) {
        for (net::op_id id : op->ids) {
            host_.cancel(id);
        }
    }
    return STATUS_PENDING;
}

}  // namespace wskemu::wsk
