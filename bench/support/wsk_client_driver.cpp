// wskemu benchmarks, driver side: registration and the shared client pieces.
#include "support/wsk_client_driver.hpp"
#include "support/wsk_session.hpp"

namespace wskemu::bench {

namespace {

constexpr ULONG buffer_tag = 'fubB';
const WSK_CLIENT_DISPATCH client_dispatch = {MAKE_WSK_VERSION(1, 0), 0, nullptr};
WSK_CLIENT_NPI client_npi = {nullptr, &client_dispatch};
WSK_REGISTRATION registration;
WSK_PROVIDER_NPI provider_npi;

}  // namespace

std::int32_t start_wsk_client() {
    NTSTATUS status = WskRegister(&client_npi, &registration);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = WskCaptureProviderNPI(&registration, WSK_INFINITE_WAIT, &provider_npi);
    if (!NT_SUCCESS(status)) {
        WskDeregister(&registration);
    }
    return status;
}

void stop_wsk_client() {
    WskReleaseProviderNPI(&registration);
    WskDeregister(&registration);
}

namespace driver {

const WSK_PROVIDER_NPI& provider() { return provider_npi; }

NTSTATUS sync_irp::allocate() {
    KeInitializeEvent(&done_, SynchronizationEvent, FALSE);
    irp_ = IoAllocateIrp(1, FALSE);
    return irp_ != nullptr ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

void sync_irp::release() {
    if (irp_ != nullptr) {
        IoFreeIrp(irp_);
        irp_ = nullptr;
    }
}

PIRP sync_irp::prepare() {
    IoReuseIrp(irp_, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(irp_, &sync_irp::completed, &done_, TRUE, TRUE, TRUE);
    return irp_;
}

NTSTATUS sync_irp::finish(NTSTATUS returned) {
    if (returned == STATUS_PENDING) {
        KeWaitForSingleObject(&done_, Executive, KernelMode, FALSE, nullptr);
    }
    return irp_->IoStatus.Status;
}

NTSTATUS NTAPI sync_irp::completed(PDEVICE_OBJECT device, PIRP irp, PVOID context) {
    UNREFERENCED_PARAMETER(device);
    // A call that completed inline returned its status, and nobody waits.
    if (irp->PendingReturned) {
        KeSetEvent(static_cast<PKEVENT>(context), IO_NO_INCREMENT, FALSE);
    }
    return STATUS_MORE_PROCESSING_REQUIRED;
}

NTSTATUS pool_buffer::allocate(ULONG bytes, UCHAR fill) {
    size = bytes;
    data = static_cast<PUCHAR>(ExAllocatePool2(POOL_FLAG_NON_PAGED, bytes > 0 ? bytes : 1, buffer_tag));
    if (data == nullptr) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    RtlFillMemory(data, bytes, fill);
    mdl = IoAllocateMdl(data, bytes, FALSE, FALSE, nullptr);
    if (mdl == nullptr) {
        release();
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    MmBuildMdlForNonPagedPool(mdl);
    return STATUS_SUCCESS;
}

void pool_buffer::release() {
    if (mdl != nullptr) {
        IoFreeMdl(mdl);
        mdl = nullptr;
    }
    if (data != nullptr) {
        ExFreePoolWithTag(data, buffer_tag);
        data = nullptr;
    }
}

SOCKADDR_IN loopback_address(USHORT port) {
    SOCKADDR_IN address{};
    address.sin_family = AF_INET;
    address.sin_port = RtlUshortByteSwap(port);
    address.sin_addr.s_addr = RtlUlongByteSwap(0x7F000001);
    return address;
}

NTSTATUS connect_loopback(sync_irp& call, USHORT port, PWSK_SOCKET* socket, PVOID context,
                          const WSK_CLIENT_CONNECTION_DISPATCH* dispatch) {
    *socket = nullptr;
    SOCKADDR_IN local{};
    local.sin_family = AF_INET;
    SOCKADDR_IN remote = loopback_address(port);
    const NTSTATUS status = call.finish(provider_npi.Dispatch->WskSocketConnect(
        provider_npi.Client, SOCK_STREAM, IPPROTO_TCP, reinterpret_cast<PSOCKADDR>(&local),
        reinterpret_cast<PSOCKADDR>(&remote), 0, context, dispatch, nullptr, nullptr, nullptr, call.prepare()));
    if (NT_SUCCESS(status)) {
        *socket = reinterpret_cast<PWSK_SOCKET>(call.information());
    }
    return status;
}

NTSTATUS close_socket(sync_irp& call, PWSK_SOCKET socket) {
    return call.finish(connection_dispatch(socket)->Basic.WskCloseSocket(socket, call.prepare()));
}

}  // namespace driver

}  // namespace wskemu::bench
