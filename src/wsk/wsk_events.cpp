// wskemu: event-callback control and serialised delivery, shared by every
// socket category (docs/semantics.md, "Event callbacks").
#include "wsk/wsk_events.hpp"

#include "kernel/log.hpp"
#include "wsk/wsk_irp.hpp"

#include <cstring>

namespace wskemu::wsk {

namespace {

constexpr ULONG connection_events = WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT | WSK_EVENT_SEND_BACKLOG;

// Completes a request that carries an IRP with `status`, or returns it when
// there is none. An IRP that cannot be taken is refused (take_irp's rule).
NTSTATUS finish(PIRP irp, NTSTATUS status) {
    if (irp == nullptr) {
        return status;
    }
    if (NTSTATUS taken = take_irp(irp, "WskControlSocket"); !NT_SUCCESS(taken)) {
        return taken;
    }
    return complete_irp(irp, status, 0);
}

}  // namespace

ULONG event_mask_for(socket_category category) noexcept {
    switch (category) {
    case socket_category::listen: return WSK_EVENT_ACCEPT | connection_events;
    case socket_category::datagram: return WSK_EVENT_RECEIVE_FROM;
    case socket_category::connection: return connection_events;
    case socket_category::stream: return WSK_EVENT_ACCEPT | connection_events;
    case socket_category::basic: return 0;
    }
    return 0;
}

ULONG static_events_for(const registration_state& registration, socket_category category) {
    return registration.has_static_event_callbacks() ? registration.static_event_mask() & event_mask_for(category)
                                                     : 0;
}

NTSTATUS read_event_request(socket_category category, SIZE_T input_size, const void* input,
                            event_request& out) noexcept {
    if (input == nullptr || input_size < sizeof(WSK_EVENT_CALLBACK_CONTROL)) {
        return STATUS_INVALID_PARAMETER;
    }
    WSK_EVENT_CALLBACK_CONTROL control;
    std::memcpy(&control, input, sizeof(control));
    if (control.NpiId == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    if (std::memcmp(control.NpiId, &NPI_WSK_INTERFACE_ID, sizeof(NPIID)) != 0) {
        return STATUS_NOT_SUPPORTED;  // an extension's events: no extension is supported
    }
    const bool disable = (control.EventMask & WSK_EVENT_DISABLE) != 0;
    const ULONG events = control.EventMask & ~ULONG{WSK_EVENT_DISABLE};
    if (events == 0 || (events & ~event_mask_for(category)) != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    if (disable && (events & (events - 1)) != 0) {
        return STATUS_INVALID_PARAMETER;  // one event per disable
    }
    out.events = events;
    out.disable = disable;
    return STATUS_SUCCESS;
}

socket_events::socket_events(ULONG static_events) noexcept : static_events_(static_events) {}

socket_events::~socket_events() = default;

bool socket_events::enabled(ULONG event) const {
    std::lock_guard lock(mutex_);
    return ((static_events_ | dynamic_events_) & event) != 0;
}

bool socket_events::is_static(ULONG event) const {
    return (static_events_ & event) != 0;
}

bool socket_events::closing() const {
    std::lock_guard lock(mutex_);
    return closing_;
}

NTSTATUS socket_events::control(socket_category category, SIZE_T input_size, PVOID input, PIRP irp, bool ready,
                                ULONG deliverable, ULONG& enabled_now) {
    enabled_now = 0;
    event_request request;
    if (NTSTATUS status = read_event_request(category, input_size, input, request); !NT_SUCCESS(status)) {
        return finish(irp, status);
    }
    if (!request.disable) {
        if (irp != nullptr) {
            return finish(irp, STATUS_INVALID_PARAMETER);  // enabling completes inline: no IRP
        }
        if ((request.events & ~deliverable) != 0) {
            kernel::log().warn("WskControlSocket(SO_WSK_EVENT_CALLBACK): event mask {:#x} names an event whose "
                               "callback the socket's client dispatch does not have; STATUS_INVALID_PARAMETER",
                               request.events);
            return STATUS_INVALID_PARAMETER;
        }
        if (!ready) {
            return STATUS_INVALID_DEVICE_STATE;
        }
        std::lock_guard lock(mutex_);
        if (closing_) {
            return STATUS_INVALID_DEVICE_STATE;
        }
        enabled_now = request.events & ~(static_events_ | dynamic_events_);
        dynamic_events_ |= request.events;
        return STATUS_SUCCESS;
    }
    if (is_static(request.events)) {
        kernel::log().warn("WskControlSocket(SO_WSK_EVENT_CALLBACK): event {:#x} was enabled by "
                           "WSK_SET_STATIC_EVENT_CALLBACKS and cannot be disabled; STATUS_INVALID_PARAMETER",
                           request.events);
        return finish(irp, STATUS_INVALID_PARAMETER);
    }
    if (!ready) {
        return finish(irp, STATUS_INVALID_DEVICE_STATE);
    }
    if (irp != nullptr) {
        if (NTSTATUS taken = take_irp(irp, "WskControlSocket"); !NT_SUCCESS(taken)) {
            return taken;
        }
    }
    std::unique_lock lock(mutex_);
    dynamic_events_ &= ~request.events;
    if (running_event_ != request.events) {
        lock.unlock();
        return irp != nullptr ? complete_irp(irp, STATUS_SUCCESS, 0) : STATUS_SUCCESS;
    }
    // Its callback runs now (maybe this very call comes from it): the disable
    // is done once it returns.
    if (irp == nullptr) {
        return STATUS_EVENT_PENDING;
    }
    mark_pending(irp);
    pending_disables_.emplace_back(request.events, irp);
    return STATUS_PENDING;
}

bool socket_events::suspend(ULONG event) {
    std::lock_guard lock(mutex_);
    if ((static_events_ & event) != 0) {
        return false;
    }
    dynamic_events_ &= ~event;
    return true;
}

void socket_events::deliver(ULONG event, work w) {
    std::unique_lock lock(mutex_);
    if (closing_) {
        lock.unlock();
        w(false);
        return;
    }
    if (running_event_ != 0) {
        queue_.emplace_back(event, std::move(w));
        return;
    }
    running_event_ = event;
    lock.unlock();
    w(true);
    w.reset();
    lock.lock();
    finish_work(lock);
}

void socket_events::finish_work(std::unique_lock<std::mutex>& lock) {
    for (;;) {
        std::vector<std::pair<ULONG, PIRP>> disables;
        disables.swap(pending_disables_);
        running_event_ = 0;
        if (!disables.empty()) {
            lock.unlock();
            for (const auto& [event, irp] : disables) {
                (void)event;
                complete_pending(irp, STATUS_SUCCESS, 0);
            }
            lock.lock();
        }
        if (closing_) {
            if (close_then_ && running_event_ == 0) {
                continuation then = std::move(close_then_);
                lock.unlock();
                then();  // may end the socket, and this object with it
            }
            return;
        }
        if (queue_.empty() || running_event_ != 0) {
            return;  // or another thread took the slot while the lock was open
        }
        auto [event, next] = std::move(queue_.front());
        queue_.pop_front();
        running_event_ = event;
        lock.unlock();
        next(true);
        next.reset();
        lock.lock();
    }
}

void socket_events::close(continuation then) {
    std::unique_lock lock(mutex_);
    closing_ = true;
    std::list<std::pair<ULONG, work>> dropped;
    dropped.swap(queue_);
    const bool idle = running_event_ == 0;
    if (!idle) {
        close_then_ = std::move(then);
    }
    lock.unlock();
    for (auto& [event, w] : dropped) {
        (void)event;
        w(false);
    }
    if (idle) {
        then();
    }
}

}  // namespace wskemu::wsk
