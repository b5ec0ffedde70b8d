// wskemu: event callbacks, for every socket category: which events a
// category may enable, the SO_WSK_EVENT_CALLBACK request (enable with no IRP;
// disable one event per call, STATUS_EVENT_PENDING or a pended IRP while its
// callback runs), static events from WSK_SET_STATIC_EVENT_CALLBACKS, and
// serialised delivery (one callback of a socket at a time; none once close
// has begun; close waits for the running one). Reference §4, "Enabling and
// disabling events"; docs/semantics.md, "Event callbacks".
//
// The category code owns what is delivered and how the driver's callback is
// called; socket_events owns when. A category:
//   - creates one socket_events with the static events of its category
//     (static_events_for), and answers SO_WSK_EVENT_CALLBACK with control();
//   - hands each delivery to deliver(event, work) from an engine thread; the
//     work checks enabled(event) itself (things change while it waits), calls
//     the driver at DISPATCH_LEVEL, and may suspend(event) after a refusal;
//   - at WskCloseSocket calls close(then): `then` finishes the close once no
//     callback runs any more.
#pragma once

#include <wsk.h>

#include "net/callback.hpp"
#include "wsk/wsk_socket_base.hpp"

#include <list>
#include <mutex>
#include <vector>

namespace wskemu::wsk {

/// The events SO_WSK_EVENT_CALLBACK may name on a socket of `category`:
/// listening sockets WSK_EVENT_ACCEPT plus the connection events (applied to
/// sockets accepted through the accept event), datagram sockets
/// WSK_EVENT_RECEIVE_FROM, connection sockets WSK_EVENT_RECEIVE,
/// WSK_EVENT_DISCONNECT and WSK_EVENT_SEND_BACKLOG, stream sockets those of
/// listening and connection sockets (decision: undocumented), basic sockets
/// none (no extension is supported).
ULONG event_mask_for(socket_category category) noexcept;

/// The static events (WSK_SET_STATIC_EVENT_CALLBACKS) of `registration` that
/// apply to a new socket of `category`.
ULONG static_events_for(const registration_state& registration, socket_category category);

/// A validated SO_WSK_EVENT_CALLBACK request.
struct event_request {
    ULONG events = 0;      // enable: one or more; disable: exactly one
    bool disable = false;  // WSK_EVENT_DISABLE was set
};

/// Reads a WSK_EVENT_CALLBACK_CONTROL for a socket of `category`.
/// STATUS_INVALID_PARAMETER for: input NULL or shorter than the structure;
/// NpiId NULL; an EventMask with no event, with an event the category does not
/// have, or with WSK_EVENT_DISABLE and more than one event.
/// STATUS_NOT_SUPPORTED for an NpiId other than NPI_WSK_INTERFACE_ID (by
/// value): no extension interface is supported.
NTSTATUS read_event_request(socket_category category, SIZE_T input_size, const void* input,
                            event_request& out) noexcept;

/// The event state of one socket. Thread-safe; its lock is a leaf (never held
/// while the driver runs).
class socket_events {
public:
    /// One delivery, run with the socket's callback slot held. Called with
    /// `run` = true to deliver, or false when the socket closed before its
    /// turn: then it must only release what it holds.
    using work = net::callback<void(bool run)>;
    /// What finishes a close once no callback runs.
    using continuation = net::callback<void()>;

    /// `static_events` are enabled from the start and cannot be disabled.
    explicit socket_events(ULONG static_events) noexcept;
    socket_events(const socket_events&) = delete;
    socket_events& operator=(const socket_events&) = delete;
    ~socket_events();

    /// True if `event` is enabled now (statically or dynamically).
    bool enabled(ULONG event) const;
    /// True if `event` was enabled by WSK_SET_STATIC_EVENT_CALLBACKS.
    bool is_static(ULONG event) const;

    /// WskControlSocket(WskSetOption, SO_WSK_EVENT_CALLBACK) for a socket of
    /// `category`; `irp` is the driver's (not taken yet, may be NULL);
    /// `ready` says the category's precondition holds (bound, connected);
    /// `deliverable` are the events the driver gave a callback for.
    /// - A bad request: STATUS_INVALID_PARAMETER / STATUS_NOT_SUPPORTED
    ///   (read_event_request); enabling an event without a callback:
    ///   STATUS_INVALID_PARAMETER; not ready: STATUS_INVALID_DEVICE_STATE.
    /// - Enable: the IRP must be NULL (else STATUS_INVALID_PARAMETER, the IRP
    ///   completed with it); STATUS_SUCCESS; `enabled_now` = the events this
    ///   call turned on, for the category to start delivering them.
    /// - Disable of a static event: STATUS_INVALID_PARAMETER (decision).
    /// - Disable while no callback of that event runs: STATUS_SUCCESS (the IRP,
    ///   if any, completed with it). While one runs: with an IRP,
    ///   STATUS_PENDING and the IRP completes once the callback has returned;
    ///   without, STATUS_EVENT_PENDING. Either way no new callback of the
    ///   event starts.
    /// Every failure with an IRP completes the IRP with the failure.
    NTSTATUS control(socket_category category, SIZE_T input_size, PVOID input, PIRP irp, bool ready,
                     ULONG deliverable, ULONG& enabled_now);

    /// The provider turns a dynamically enabled event off (a receive event
    /// refused with STATUS_DATA_NOT_ACCEPTED). Static events stay on: returns
    /// false then.
    bool suspend(ULONG event);

    /// Runs `w(true)` for `event`: now, on the calling thread, if no callback
    /// of the socket runs; otherwise right after the running one (and those
    /// queued before), on the thread that finishes it. Once close has begun,
    /// `w(false)` instead. Call from engine threads only: the driver's callback
    /// may run inside this call.
    void deliver(ULONG event, work w);

    /// True once close() was called.
    bool closing() const;

    /// WskCloseSocket: no callback starts from now on (queued work is dropped
    /// with w(false) on this thread); `then` runs once none runs: now, on this
    /// thread, or when the running one returns, on its thread.
    void close(continuation then);

private:
    // After a work item: completes disables waiting for it, starts the next.
    void finish_work(std::unique_lock<std::mutex>& lock);

    mutable std::mutex mutex_;
    const ULONG static_events_;
    ULONG dynamic_events_ = 0;
    ULONG running_event_ = 0;  // the event whose work runs now (0: none)
    std::list<std::pair<ULONG, work>> queue_;  // a list allocates nothing while empty
    std::vector<std::pair<ULONG, PIRP>> pending_disables_;  // IRPs waiting for running_event_ to return
    bool closing_ = false;
    continuation close_then_;
};

}  // namespace wskemu::wsk
