// wskemu benchmarks, driver side: thousands of connections, each with its
// own context, IRP and MDL; every phase starts a call on each and waits for
// the last completion. WDK headers only.
#include <ntddk.h>
#include <wsk.h>

#include "scale.hpp"
#include "support/wsk_client_driver.hpp"

namespace wskemu::bench {

namespace {

constexpr ULONG scale_tag = 'lacS';

struct scale_connection {
    PWSK_SOCKET socket;
    PIRP irp;
    PMDL mdl;
    WSK_BUF buffer;
    wsk_scale* owner;
    NTSTATUS status;
    ULONG_PTR information;
    UCHAR data[scale_message_size];
};

}  // namespace

struct wsk_scale {
    SIZE_T count;
    volatile LONG remaining;  // calls of the running phase not completed, plus one while starting them
    KEVENT phase_done;
    scale_connection* connections;
};

namespace {

NTSTATUS NTAPI step_completed(PDEVICE_OBJECT device, PIRP irp, PVOID context) {
    UNREFERENCED_PARAMETER(device);
    auto* connection = static_cast<scale_connection*>(context);
    connection->status = irp->IoStatus.Status;
    connection->information = irp->IoStatus.Information;
    if (InterlockedDecrement(&connection->owner->remaining) == 0) {
        KeSetEvent(&connection->owner->phase_done, IO_NO_INCREMENT, FALSE);
    }
    return STATUS_MORE_PROCESSING_REQUIRED;
}

PIRP prepare(scale_connection& connection) {
    IoReuseIrp(connection.irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(connection.irp, step_completed, &connection, TRUE, TRUE, TRUE);
    return connection.irp;
}

// Starts `start(connection)` on connections [first, last) and waits for all
// of them; the first failure, or STATUS_SUCCESS.
template <typename Start>
NTSTATUS run_phase(wsk_scale* set, SIZE_T first, SIZE_T last, Start start) {
    set->remaining = 1;
    for (SIZE_T i = first; i < last; ++i) {
        scale_connection& connection = set->connections[i];
        connection.status = STATUS_SUCCESS;
        // Counted before it starts: it may complete before start() returns.
        InterlockedIncrement(&set->remaining);
        if (!start(connection)) {
            InterlockedDecrement(&set->remaining);
        }
    }
    if (InterlockedDecrement(&set->remaining) != 0) {
        KeWaitForSingleObject(&set->phase_done, Executive, KernelMode, FALSE, nullptr);
    }
    for (SIZE_T i = first; i < last; ++i) {
        if (!NT_SUCCESS(set->connections[i].status)) {
            return set->connections[i].status;
        }
    }
    return STATUS_SUCCESS;
}

void message_of(SIZE_T index, UCHAR* data) {
    for (SIZE_T i = 0; i < scale_message_size; ++i) {
        data[i] = static_cast<UCHAR>((index * 31 + i) & 0xFF);
    }
}

}  // namespace

wsk_scale* wsk_scale_open(std::uint16_t port, std::size_t count, std::int32_t& status) {
    auto* set = static_cast<wsk_scale*>(ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(wsk_scale), scale_tag));
    if (set == nullptr) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        return nullptr;
    }
    set->count = count;
    KeInitializeEvent(&set->phase_done, SynchronizationEvent, FALSE);
    set->connections = static_cast<scale_connection*>(
        ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(scale_connection) * count, scale_tag));
    status = set->connections != nullptr ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
    for (SIZE_T i = 0; i < count && NT_SUCCESS(status); ++i) {
        scale_connection& connection = set->connections[i];
        connection.owner = set;
        connection.irp = IoAllocateIrp(1, FALSE);
        connection.mdl = IoAllocateMdl(connection.data, scale_message_size, FALSE, FALSE, nullptr);
        if (connection.irp == nullptr || connection.mdl == nullptr) {
            status = STATUS_INSUFFICIENT_RESOURCES;
            set->count = i + 1;  // what wsk_scale_close frees
            break;
        }
        MmBuildMdlForNonPagedPool(connection.mdl);
        connection.buffer = WSK_BUF{connection.mdl, 0, scale_message_size};
    }
    if (set->connections == nullptr) {
        ExFreePoolWithTag(set, scale_tag);
        return nullptr;
    }
    if (!NT_SUCCESS(status)) {
        return set;
    }
    const WSK_PROVIDER_DISPATCH* provider = driver::provider().Dispatch;
    PVOID client = driver::provider().Client;
    SOCKADDR_IN remote = driver::loopback_address(port);
    for (SIZE_T first = 0; first < count && NT_SUCCESS(status); first += scale_connect_wave) {
        const SIZE_T last = first + scale_connect_wave < count ? first + scale_connect_wave : count;
        status = run_phase(set, first, last, [&](scale_connection& connection) {
            SOCKADDR_IN local{};
            local.sin_family = AF_INET;
            provider->WskSocketConnect(client, SOCK_STREAM, IPPROTO_TCP, reinterpret_cast<PSOCKADDR>(&local),
                                       reinterpret_cast<PSOCKADDR>(&remote), 0, nullptr, nullptr, nullptr, nullptr,
                                       nullptr, prepare(connection));
            return true;
        });
        for (SIZE_T i = first; i < last; ++i) {
            scale_connection& connection = set->connections[i];
            connection.socket =
                NT_SUCCESS(connection.status) ? reinterpret_cast<PWSK_SOCKET>(connection.information) : nullptr;
        }
    }
    return set;
}

std::int32_t wsk_scale_exchange(wsk_scale* set, std::size_t& served) {
    served = 0;
    NTSTATUS status = run_phase(set, 0, set->count, [](scale_connection& connection) {
        if (connection.socket == nullptr) {
            return false;
        }
        message_of(static_cast<SIZE_T>(&connection - connection.owner->connections), connection.data);
        driver::connection_dispatch(connection.socket)
            ->WskSend(connection.socket, &connection.buffer, 0, prepare(connection));
        return true;
    });
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = run_phase(set, 0, set->count, [](scale_connection& connection) {
        if (connection.socket == nullptr) {
            return false;
        }
        RtlZeroMemory(connection.data, scale_message_size);
        driver::connection_dispatch(connection.socket)
            ->WskReceive(connection.socket, &connection.buffer, WSK_FLAG_WAITALL, prepare(connection));
        return true;
    });
    UCHAR expected[scale_message_size];
    for (SIZE_T i = 0; i < set->count; ++i) {
        const scale_connection& connection = set->connections[i];
        message_of(i, expected);
        if (connection.socket != nullptr && NT_SUCCESS(connection.status) &&
            connection.information == scale_message_size &&
            RtlCompareMemory(connection.data, expected, scale_message_size) == scale_message_size) {
            ++served;
        }
    }
    return status;
}

std::int32_t wsk_scale_close(wsk_scale* set) {
    const NTSTATUS status = run_phase(set, 0, set->count, [](scale_connection& connection) {
        if (connection.socket == nullptr) {
            return false;
        }
        driver::connection_dispatch(connection.socket)->Basic.WskCloseSocket(connection.socket, prepare(connection));
        return true;
    });
    for (SIZE_T i = 0; i < set->count; ++i) {
        if (set->connections[i].mdl != nullptr) {
            IoFreeMdl(set->connections[i].mdl);
        }
        if (set->connections[i].irp != nullptr) {
            IoFreeIrp(set->connections[i].irp);
        }
    }
    ExFreePoolWithTag(set->connections, scale_tag);
    ExFreePoolWithTag(set, scale_tag);
    return status;
}

std::size_t wsk_scale_driver_bytes_per_connection() {
    return sizeof(scale_connection) + IoSizeOfIrp(1) + MmSizeOfMdl(nullptr, scale_message_size);
}

}  // namespace wskemu::bench
