// A WSK client driver in C++, the way C++ driver authors write one: a small
// RAII-free class around one reused IRP and a KEVENT, WskSocketConnect to
// create, bind and connect in one call, WskSend/WskReceive over one MDL, and
// Dispatch->Basic.WskCloseSocket (the C++ spelling of the basic members).
// It includes only WDK headers.
#include <ntddk.h>
#include <wsk.h>

#include "wsk_sync_driver_cpp.h"

namespace {

constexpr ULONG sync_driver_tag = 'cnyS';
const WSK_CLIENT_DISPATCH sync_client_dispatch = {MAKE_WSK_VERSION(1, 0), 0, nullptr};

class sync_caller {
public:
    NTSTATUS initialize() {
        KeInitializeEvent(&done_, SynchronizationEvent, FALSE);
        irp_ = IoAllocateIrp(1, FALSE);
        return irp_ != nullptr ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
    }

    void release() {
        if (irp_ != nullptr) {
            IoFreeIrp(irp_);
            irp_ = nullptr;
        }
    }

    // The event is cleared for every call: a call that completed inline left
    // it set, and a stale signal would let finish() read a pending IRP.
    PIRP prepare() {
        KeClearEvent(&done_);
        IoReuseIrp(irp_, STATUS_UNSUCCESSFUL);
        IoSetCompletionRoutine(irp_, &sync_caller::signal, &done_, TRUE, TRUE, TRUE);
        return irp_;
    }

    NTSTATUS finish(NTSTATUS status) {
        if (status == STATUS_PENDING) {
            KeWaitForSingleObject(&done_, Executive, KernelMode, FALSE, nullptr);
            status = irp_->IoStatus.Status;
        }
        return status;
    }

    ULONG_PTR information() const { return irp_->IoStatus.Information; }

private:
    static NTSTATUS NTAPI signal(PDEVICE_OBJECT, PIRP, PVOID context) {
        KeSetEvent(static_cast<PKEVENT>(context), IO_NO_INCREMENT, FALSE);
        return STATUS_MORE_PROCESSING_REQUIRED;
    }

    KEVENT done_{};
    PIRP irp_ = nullptr;
};

}  // namespace

extern "C" NTSTATUS WskSyncDriverCppRun(PSOCKADDR Remote, ULONG Length, PSIZE_T Sent, PSIZE_T Received,
                                        PULONG Mismatches) {
    *Sent = 0;
    *Received = 0;
    *Mismatches = 0;
    WSK_CLIENT_NPI client_npi{nullptr, &sync_client_dispatch};
    WSK_REGISTRATION registration{};
    NTSTATUS status = WskRegister(&client_npi, &registration);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    WSK_PROVIDER_NPI provider{};
    status = WskCaptureProviderNPI(&registration, WSK_INFINITE_WAIT, &provider);
    if (!NT_SUCCESS(status)) {
        WskDeregister(&registration);
        return status;
    }

    sync_caller caller;
    auto* data = static_cast<PUCHAR>(ExAllocatePool2(POOL_FLAG_NON_PAGED, Length * 2, sync_driver_tag));
    PMDL send_mdl = data != nullptr ? IoAllocateMdl(data, Length, FALSE, FALSE, nullptr) : nullptr;
    PMDL receive_mdl = data != nullptr ? IoAllocateMdl(data + Length, Length, FALSE, FALSE, nullptr) : nullptr;
    status = caller.initialize();
    if (NT_SUCCESS(status) && (send_mdl == nullptr || receive_mdl == nullptr)) {
        status = STATUS_INSUFFICIENT_RESOURCES;
    }
    PWSK_SOCKET socket = nullptr;
    if (NT_SUCCESS(status)) {
        MmBuildMdlForNonPagedPool(send_mdl);
        MmBuildMdlForNonPagedPool(receive_mdl);
        for (ULONG i = 0; i < Length; ++i) {
            data[i] = static_cast<UCHAR>(i % 251);
        }
        SOCKADDR_STORAGE local{};
        local.ss_family = Remote->sa_family;
        status = caller.finish(provider.Dispatch->WskSocketConnect(
            provider.Client, SOCK_STREAM, IPPROTO_TCP, reinterpret_cast<PSOCKADDR>(&local), Remote, 0, nullptr,
            nullptr, nullptr, nullptr, nullptr, caller.prepare()));
        if (NT_SUCCESS(status)) {
            socket = reinterpret_cast<PWSK_SOCKET>(caller.information());
        }
    }
    if (socket != nullptr) {
        auto* dispatch = static_cast<const WSK_PROVIDER_CONNECTION_DISPATCH*>(socket->Dispatch);
        WSK_BUF out{send_mdl, 0, Length};
        status = caller.finish(dispatch->WskSend(socket, &out, WSK_FLAG_NODELAY, caller.prepare()));
        *Sent = NT_SUCCESS(status) ? caller.information() : 0;
        while (NT_SUCCESS(status) && *Received < Length) {
            WSK_BUF in{receive_mdl, static_cast<ULONG>(*Received), Length - *Received};
            status = caller.finish(dispatch->WskReceive(socket, &in, 0, caller.prepare()));
            if (NT_SUCCESS(status) && caller.information() == 0) {
                status = STATUS_GRACEFUL_DISCONNECT;  // the echo ended early
            }
            *Received += NT_SUCCESS(status) ? caller.information() : 0;
        }
        for (ULONG i = 0; i < *Received; ++i) {
            *Mismatches += data[Length + i] != data[i] ? 1 : 0;
        }
        const NTSTATUS close_status = caller.finish(dispatch->Basic.WskCloseSocket(socket, caller.prepare()));
        if (NT_SUCCESS(status)) {
            status = close_status;
        }
    }
    caller.release();
    if (receive_mdl != nullptr) {
        IoFreeMdl(receive_mdl);
    }
    if (send_mdl != nullptr) {
        IoFreeMdl(send_mdl);
    }
    if (data != nullptr) {
        ExFreePoolWithTag(data, sync_driver_tag);
    }
    WskReleaseProviderNPI(&registration);
    WskDeregister(&registration);
    return status;
}
