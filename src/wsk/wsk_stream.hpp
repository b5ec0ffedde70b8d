// wskemu: the WSK stream socket (WSK_FLAG_STREAM_SOCKET over TCP): one
// PWSK_SOCKET that WskBind binds and then WskListen or WskConnect commits
// to listening or to connection mode (docs/semantics.md, "Stream sockets").
//
// The stream socket is a front for the socket of its mode: from WskSocket
// until WskListen, a connection socket (which binds, connects and carries
// data); from WskListen on, a listening socket made from the bound host
// socket. Those inner sockets are the provider's own, counted and published
// like any other, never handed to the driver; every call is made under test
// control as a call on the stream socket.
#pragma once

#include <wsk.h>

#include "net/endpoint.hpp"
#include "wsk/wsk_socket_base.hpp"

#include <mutex>

namespace wskemu::wsk {

class connection_socket;
class listen_socket;

/// The mode a stream socket is committed to.
enum class stream_mode {
    undecided,   // neither WskListen nor WskConnect yet
    connection,  // WskConnect / WskConnectEx on the bound socket
    listening,   // WskListen
};

class stream_socket final : public socket_base {
public:
    static constexpr socket_category category_of = socket_category::stream;

    /// WskSocket for WSK_FLAG_STREAM_SOCKET: validates, creates, and
    /// completes the IRP with Information = the PWSK_SOCKET.
    static NTSTATUS create(registration_state& registration, ADDRESS_FAMILY family, USHORT socket_type,
                           ULONG protocol, PVOID context, const WSK_CLIENT_STREAM_DISPATCH* dispatch, PIRP irp);

    NTSTATUS bind(PSOCKADDR local, ULONG flags, PIRP irp);
    NTSTATUS listen(PIRP irp);
    NTSTATUS connect(PSOCKADDR remote, PWSK_BUF buffer, ULONG flags, PIRP irp, const char* function);
    NTSTATUS accept(ULONG flags, PVOID accept_context, const WSK_CLIENT_CONNECTION_DISPATCH* accept_dispatch,
                    PSOCKADDR local, PSOCKADDR remote, PIRP irp);
    NTSTATUS send(PWSK_BUF buffer, ULONG flags, PIRP irp);
    NTSTATUS receive(PWSK_BUF buffer, ULONG flags, PIRP irp);
    NTSTATUS disconnect(PWSK_BUF buffer, ULONG flags, PIRP irp);
    NTSTATUS get_local_address(PSOCKADDR out, PIRP irp);
    NTSTATUS get_remote_address(PSOCKADDR out, PIRP irp);
    NTSTATUS control(WSK_CONTROL_SOCKET_TYPE type, ULONG code, ULONG level, SIZE_T input_size, PVOID input,
                     SIZE_T output_size, PVOID output, SIZE_T* output_size_returned, PIRP irp);
    NTSTATUS close(PIRP irp);

    stream_mode mode() const;
    /// The inner connection socket (nullptr once listening), for WskRelease,
    /// WskSendEx, WskReceiveEx and tests.
    connection_socket* connection_side() const;
    /// The inner listening socket (nullptr until WskListen), for tests.
    listen_socket* listen_side() const;

    void injected_failure(operation op, NTSTATUS status) override;

    stream_socket(const stream_socket&) = delete;
    stream_socket& operator=(const stream_socket&) = delete;

private:
    stream_socket(registration_state& registration, net::address_family family, PVOID context,
                  const WSK_CLIENT_STREAM_DISPATCH* dispatch);
    ~stream_socket() override;

    // The inner socket closed (its close IRP, the provider's own, completed).
    static NTSTATUS NTAPI inner_closed(PDEVICE_OBJECT device, PIRP irp, PVOID context);
    // Fails a call of the wrong mode: its IRP completed with STATUS_INVALID_DEVICE_STATE.
    static NTSTATUS wrong_mode(PIRP irp, const char* function);

    const net::address_family family_;
    const WSK_CLIENT_STREAM_DISPATCH* client_dispatch_;
    mutable std::mutex mutex_;
    stream_mode mode_ = stream_mode::undecided;
    connection_socket* connection_ = nullptr;
    listen_socket* listener_ = nullptr;
    PIRP inner_close_irp_ = nullptr;  // allocated at creation: closing cannot fail for want of memory
    PIRP close_irp_ = nullptr;        // the driver's WskCloseSocket
};

/// The provider's WSK_PROVIDER_STREAM_DISPATCH (wsk_stream_dispatch.cpp).
const WSK_PROVIDER_STREAM_DISPATCH& stream_dispatch() noexcept;

}  // namespace wskemu::wsk
