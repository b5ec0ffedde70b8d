// wskemu: the WSK datagram socket (WSK_FLAG_DATAGRAM_SOCKET over UDP, IPv4,
// IPv6 and dual stack): WskSendTo, WskSendMessages, WskReceiveFrom, the
// receive-from event with its indication lists, WskRelease, options and
// ioctls (docs/semantics.md, "Datagram sockets").
//
// Life: every pending IRP, host receive in flight, posted task and running
// delivery holds the socket ("busy"); WskCloseSocket completes once nothing
// does and no event callback runs. Each engine-side path releases its hold as
// its very last touch of the socket (finished_one), because that may free it.
#pragma once

#include <wsk.h>

#include "common/sleep_lock.hpp"
#include "net/udp_socket.hpp"
#include "wsk/wsk_events.hpp"
#include "wsk/wsk_socket_base.hpp"

#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <vector>

namespace wskemu::wsk {

/// Verifier sub-codes (parameter 1 of DRIVER_VERIFIER_DETECTED_VIOLATION) for
/// datagram sockets; parameter 2 is the PWSK_SOCKET.
enum datagram_violation : ULONG_PTR {
    // WskReceiveFromEvent returned other than SUCCESS, PENDING, DATA_NOT_ACCEPTED (P3: the status).
    receive_from_event_bad_status = 0x3110,
};

struct datagram_record;

class datagram_socket final : public socket_base {
public:
    static constexpr socket_category category_of = socket_category::datagram;

    /// WskSocket for WSK_FLAG_DATAGRAM_SOCKET: validates, creates, and
    /// completes the IRP with Information = the PWSK_SOCKET.
    static NTSTATUS create(registration_state& registration, ADDRESS_FAMILY family, USHORT socket_type,
                           ULONG protocol, PVOID context, const WSK_CLIENT_DATAGRAM_DISPATCH* dispatch, PIRP irp);

    NTSTATUS bind(PSOCKADDR local, ULONG flags, PIRP irp);
    NTSTATUS get_local_address(PSOCKADDR out, PIRP irp);
    NTSTATUS send_to(PWSK_BUF buffer, ULONG flags, PSOCKADDR remote, ULONG control_length, PCMSGHDR control,
                     PIRP irp);
    NTSTATUS send_messages(PWSK_BUF_LIST list, ULONG flags, PSOCKADDR remote, ULONG control_length,
                           PCMSGHDR control, PIRP irp);
    NTSTATUS receive_from(PWSK_BUF buffer, ULONG flags, PSOCKADDR remote, PULONG control_length, PCMSGHDR control,
                          PULONG control_flags, PIRP irp);
    NTSTATUS release(PWSK_DATAGRAM_INDICATION list);
    NTSTATUS close(PIRP irp);
    NTSTATUS control(WSK_CONTROL_SOCKET_TYPE type, ULONG code, ULONG level, SIZE_T input_size, PVOID input,
                     SIZE_T output_size, PVOID output, SIZE_T* output_size_returned, PIRP irp);

    /// For tests: the host socket.
    net::udp_socket& host_socket() noexcept { return host_; }
    /// For tests: indication elements the driver retains (not yet released).
    std::size_t retained_indications();
    /// For tests: datagrams received and kept for the next WskReceiveFrom
    /// or a re-enabled event.
    std::size_t kept_datagrams() const;

    datagram_socket(const datagram_socket&) = delete;
    datagram_socket& operator=(const datagram_socket&) = delete;

private:
    struct receive_operation;
    struct send_operation;

    // What a host receive in flight is for.
    enum class host_receive { none, irp, event };

    // Where a WskReceiveFrom wants to hear about its datagram.
    struct receive_outputs {
        PSOCKADDR remote = nullptr;
        PULONG control_length = nullptr;
        ULONG control_capacity = 0;  // *control_length at the call
        PCMSGHDR control = nullptr;
        PULONG control_flags = nullptr;
    };

    datagram_socket(registration_state& registration, net::address_family family, PVOID context,
                    const WSK_CLIENT_DATAGRAM_DISPATCH* dispatch, ULONG static_events);
    ~datagram_socket() override;

    // ---- life (wsk_datagram.cpp)
    // The status every call but close gets now (closing, broken), or SUCCESS. Lock held.
    NTSTATUS usable_locked() const noexcept;
    // One hold fewer; the last one (with close begun) finishes the close.
    void finished_one();
    void finish_close();
    // The destination of a send: `remote`, or the fixed one. Lock held.
    NTSTATUS destination_locked(PSOCKADDR remote, net::endpoint& out) const;
    // The source a send's control information chooses (or none).
    NTSTATUS send_source(ULONG control_length, PCMSGHDR control, std::optional<net::packet_info>& out) const;
    // WskSendTo (a list of one) and WskSendMessages, their IRP taken.
    NTSTATUS send_datagrams(const WSK_BUF_LIST* list, ULONG flags, PSOCKADDR remote, ULONG control_length,
                            PCMSGHDR control, PIRP irp);

    // ---- receive (wsk_datagram_receive.cpp)
    // Writes the remote address, control information and flags of a datagram
    // already in the receive buffers; the Information. Lock held.
    ULONG_PTR write_outputs_locked(const receive_outputs& out, const net::datagram_result& facts);
    // IoCancelIrp (or an IRP cancelled before its routine was set). Lock held.
    void cancel_receive_locked(receive_operation* op);
    // Completes a WskReceiveFrom IRP taken out of receives_, frees it, releases its hold.
    void complete_receive(receive_operation* op, NTSTATUS status, ULONG_PTR information);
    // SO_WSK_EVENT_CALLBACK turned `events` on: delivery starts (kept datagrams first).
    void events_enabled(ULONG events);
    // Starts what the receive side needs next (a host receive for the first
    // waiting IRP or for the event, or a task to hand kept datagrams on). Any
    // thread; lock held.
    void pump_locked();
    void start_irp_receive_locked(receive_operation* op);
    void on_irp_received(receive_operation* op, const net::datagram_result& r);
    void on_event_received(const net::datagram_result& r);
    // Kept datagrams to waiting IRPs, then the event (engine thread).
    void serve_kept();
    // One chain to WskReceiveFromEvent (engine thread, no lock).
    void deliver_chain(std::vector<datagram_record*> chain);
    // NULL indication: the socket is dead (engine thread, no lock).
    void deliver_dead();
    // A fatal host error on the receive side: pending receives fail, later calls
    // get STATUS_FILE_FORCED_CLOSED, the event (if on) hears a NULL indication.
    void fail_receives(NTSTATUS status);
    // A record for the datagram in scratch_ (null when pool is exhausted). Lock held.
    datagram_record* record_from_scratch_locked(const net::datagram_result& r);
    bool accepted_locked(const net::endpoint& source) const noexcept;
    void free_record(datagram_record* record);

    const net::address_family family_;
    const WSK_CLIENT_DATAGRAM_DISPATCH* client_dispatch_;
    net::udp_socket host_;
    socket_events events_;

    mutable common::sleep_lock mutex_;  // held across the host call of an inline send or receive
    bool bound_ = false;
    bool closing_ = false;
    bool dead_ = false;                   // a fatal host error: every call but close fails
    bool dead_indicated_ = false;         // the NULL indication went out (or is on its way)
    std::size_t busy_ = 0;                // holds on the socket (see the banner)
    PIRP close_irp_ = nullptr;
    std::optional<net::endpoint> remote_filter_;   // SIO_WSK_SET_REMOTE_ADDRESS
    std::optional<net::endpoint> send_address_;    // SIO_WSK_SET_SENDTO_ADDRESS or _REMOTE_ADDRESS
    bool want_ip_packet_info_ = false;    // IP_PKTINFO
    bool want_ipv6_packet_info_ = false;  // IPV6_PKTINFO
    std::size_t pending_sends_ = 0;
    // The descriptor lists of the WskSendTo or WskSendMessages running under
    // mutex_, kept so that their capacity is reused.
    std::vector<std::vector<net::const_buffer>> send_datagrams_;
    // The descriptor list of the WskReceiveFrom running under mutex_, likewise.
    std::vector<net::mutable_buffer> receive_pieces_;

    std::deque<receive_operation*> receives_;  // WskReceiveFrom IRPs, oldest first
    host_receive host_receive_ = host_receive::none;
    net::op_id host_op_ = 0;
    bool serving_ = false;                     // a serve_kept task or a delivery is under way
    std::deque<datagram_record*> kept_;        // read, not delivered yet (refused, or next chain's)
    std::unordered_set<datagram_record*> retained_;  // indicated with STATUS_PENDING, not released
    std::vector<unsigned char> scratch_;       // the event's host receives land here
};

/// The provider's WSK_PROVIDER_DATAGRAM_DISPATCH (wsk_datagram_dispatch.cpp).
const WSK_PROVIDER_DATAGRAM_DISPATCH& datagram_dispatch() noexcept;

}  // namespace wskemu::wsk
