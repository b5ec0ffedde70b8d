// wskemu benchmarks, driver side only: the pieces every benchmark driver
// shares, written as a WSK client driver writes them (WDK headers only).
#pragma once

#include <ntddk.h>
#include <wsk.h>

namespace wskemu::bench::driver {

/// The provider NPI captured by start_wsk_client().
const WSK_PROVIDER_NPI& provider();

/// The connection dispatch table of a connection socket.
inline const WSK_PROVIDER_CONNECTION_DISPATCH* connection_dispatch(PWSK_SOCKET socket) {
    return static_cast<const WSK_PROVIDER_CONNECTION_DISPATCH*>(socket->Dispatch);
}

/// One IRP reused for synchronous calls: the completion routine signals a
/// synchronization event only when the call returned STATUS_PENDING
/// (PendingReturned), and only then does the caller wait.
class sync_irp {
public:
    NTSTATUS allocate();
    void release();
    /// IoReuseIrp and the completion routine: the IRP for the next call.
    PIRP prepare();
    /// What the call returned, waited for if it was STATUS_PENDING: the IRP's status.
    NTSTATUS finish(NTSTATUS returned);
    ULONG_PTR information() const { return irp_->IoStatus.Information; }

private:
    static NTSTATUS NTAPI completed(PDEVICE_OBJECT device, PIRP irp, PVOID context);
    KEVENT done_{};
    PIRP irp_ = nullptr;
};

/// Nonpaged pool bytes described by an MDL built for them.
struct pool_buffer {
    PUCHAR data = nullptr;
    PMDL mdl = nullptr;
    ULONG size = 0;

    /// Allocates `bytes` (at least 1) filled with `fill`.
    NTSTATUS allocate(ULONG bytes, UCHAR fill);
    void release();
};

/// WskSocketConnect from 0.0.0.0:0 to 127.0.0.1:`port`, with the socket's
/// context and event callbacks when given.
NTSTATUS connect_loopback(sync_irp& call, USHORT port, PWSK_SOCKET* socket, PVOID context = nullptr,
                          const WSK_CLIENT_CONNECTION_DISPATCH* dispatch = nullptr);
/// The SOCKADDR_IN of 127.0.0.1:`port`.
SOCKADDR_IN loopback_address(USHORT port);
/// WskCloseSocket, waited for.
NTSTATUS close_socket(sync_irp& call, PWSK_SOCKET socket);

}  // namespace wskemu::bench::driver
