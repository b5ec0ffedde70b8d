// wskemu: the client-level provider functions (WSK_PROVIDER_DISPATCH).
// WskControlClient, WskSocket for connection, datagram, listening and
// stream sockets, WskSocketConnect and name resolution are implemented;
// basic sockets are a stub.
#include "wsk/wsk_provider.hpp"

#include "kernel/caller_address.hpp"
#include "kernel/log.hpp"
#include "wsk/wsk_call.hpp"
#include "wsk/wsk_datagram.hpp"
#include "wsk/wsk_irp.hpp"
#include "wsk/wsk_listen.hpp"
#include "wsk/wsk_names.hpp"
#include "wsk/wsk_registration.hpp"
#include "wsk/wsk_socket.hpp"
#include "wsk/wsk_stream.hpp"

#include <atomic>
#include <cstring>

namespace wskemu::wsk {

const GUID transport_provider_id = {0x57534B45, 0x4D55, 0x4000, {0x80, 0x00, 0x54, 0x43, 0x50, 0x49, 0x50, 0x00}};

namespace {

// Events WSK_SET_STATIC_EVENT_CALLBACKS may enable (all socket kinds').
constexpr ULONG static_event_bits =
    WSK_EVENT_RECEIVE_FROM | WSK_EVENT_ACCEPT | WSK_EVENT_SEND_BACKLOG | WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT;

// The transports of the emulated TCP/IP stack, as WSK_TRANSPORT_LIST_QUERY
// reports them.
constexpr struct {
    USHORT socket_type;
    ULONG protocol;
    ADDRESS_FAMILY family;
} transports[] = {
    {SOCK_STREAM, IPPROTO_TCP, AF_INET},
    {SOCK_DGRAM, IPPROTO_UDP, AF_INET},
    {SOCK_STREAM, IPPROTO_TCP, AF_INET6},
    {SOCK_DGRAM, IPPROTO_UDP, AF_INET6},
};
constexpr SIZE_T transport_list_size = sizeof(WSK_TRANSPORT) * (sizeof(transports) / sizeof(transports[0]));

void log_not_implemented_once(std::atomic<bool>& logged, const char* function) {
    if (!logged.exchange(true)) {
        kernel::log().warn("{} is not implemented yet: returning STATUS_NOT_IMPLEMENTED", function);
    }
}

// The shared path of the stubs: an IRP is required; it is completed with
// STATUS_NOT_IMPLEMENTED.
NTSTATUS not_implemented_with_irp(PIRP irp, std::atomic<bool>& logged, const char* function) {
    if (NTSTATUS taken = take_irp(irp, function); !NT_SUCCESS(taken)) {
        return taken;
    }
    log_not_implemented_once(logged, function);
    return complete_irp(irp, STATUS_NOT_IMPLEMENTED, 0);
}

NTSTATUS query_transports(SIZE_T output_size, PVOID output, SIZE_T* output_size_returned) {
    if (output_size_returned == nullptr || (output_size != 0 && output == nullptr)) {
        return STATUS_INVALID_PARAMETER;
    }
    *output_size_returned = transport_list_size;
    // Too small: only the size, no partial list (a driver sizes its buffer
    // from the first call and asks again).
    if (output_size < transport_list_size) {
        return STATUS_BUFFER_OVERFLOW;
    }
    auto* out = static_cast<WSK_TRANSPORT*>(output);
    for (const auto& transport : transports) {
        WSK_TRANSPORT entry;
        std::memset(&entry, 0, sizeof(entry));
        entry.Version = provider_version;
        entry.SocketType = transport.socket_type;
        entry.Protocol = transport.protocol;
        entry.AddressFamily = transport.family;
        entry.ProviderId = transport_provider_id;
        std::memcpy(out++, &entry, sizeof(entry));
    }
    return STATUS_SUCCESS;
}

NTSTATUS set_static_event_callbacks(registration_state& registration, SIZE_T input_size, PVOID input,
                                    SIZE_T* output_size_returned) {
    if (input == nullptr || input_size < sizeof(WSK_EVENT_CALLBACK_CONTROL)) {
        return STATUS_INVALID_PARAMETER;
    }
    WSK_EVENT_CALLBACK_CONTROL control;
    std::memcpy(&control, input, sizeof(control));
    if (control.NpiId == nullptr || std::memcmp(control.NpiId, &NPI_WSK_INTERFACE_ID, sizeof(NPIID)) != 0 ||
        (control.EventMask & ~static_event_bits) != 0) {
        // WSK_EVENT_DISABLE is outside the bits too: static callbacks only enable.
        return STATUS_INVALID_PARAMETER;
    }
    const NTSTATUS status = registration.set_static_event_callbacks(control.EventMask);
    if (NT_SUCCESS(status) && output_size_returned != nullptr) {
        *output_size_returned = 0;
    }
    return status;
}

// WSK_CACHE_SD: the "cached" descriptor is the driver's own pointer; no
// copy is kept, so the driver must keep it alive until WSK_RELEASE_SD.
NTSTATUS cache_security_descriptor(SIZE_T input_size, PVOID input, SIZE_T output_size, PVOID output,
                                   SIZE_T* output_size_returned) {
    if (input == nullptr || input_size != sizeof(PSECURITY_DESCRIPTOR) || output == nullptr ||
        output_size != sizeof(PSECURITY_DESCRIPTOR)) {
        return STATUS_INVALID_PARAMETER;
    }
    PSECURITY_DESCRIPTOR descriptor;
    std::memcpy(&descriptor, input, sizeof(descriptor));
    if (descriptor == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    std::memcpy(output, &descriptor, sizeof(descriptor));
    if (output_size_returned != nullptr) {
        *output_size_returned = sizeof(PSECURITY_DESCRIPTOR);
    }
    return STATUS_SUCCESS;
}

NTSTATUS release_security_descriptor(SIZE_T input_size, PVOID input, SIZE_T* output_size_returned) {
    if (input == nullptr || input_size != sizeof(PSECURITY_DESCRIPTOR)) {
        return STATUS_INVALID_PARAMETER;
    }
    if (output_size_returned != nullptr) {
        *output_size_returned = 0;
    }
    return STATUS_SUCCESS;
}

// WSK_TDI_BEHAVIOR: there is no TDI here, so bypassing it is what happens
// anyway; the flag is accepted and has no effect.
NTSTATUS set_tdi_behavior(SIZE_T input_size, PVOID input, SIZE_T* output_size_returned) {
    if (input == nullptr || input_size != sizeof(ULONG)) {
        return STATUS_INVALID_PARAMETER;
    }
    ULONG flags;
    std::memcpy(&flags, input, sizeof(flags));
    if ((flags & ~ULONG{WSK_TDI_BEHAVIOR_BYPASS_TDI}) != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    if (output_size_returned != nullptr) {
        *output_size_returned = 0;
    }
    return STATUS_SUCCESS;
}

NTSTATUS control_client_inline(registration_state& registration, ULONG code, SIZE_T input_size, PVOID input,
                               SIZE_T output_size, PVOID output, SIZE_T* output_size_returned) {
    switch (code) {
    case WSK_TRANSPORT_LIST_QUERY: return query_transports(output_size, output, output_size_returned);
    case WSK_SET_STATIC_EVENT_CALLBACKS:
        return set_static_event_callbacks(registration, input_size, input, output_size_returned);
    case WSK_CACHE_SD:
        return cache_security_descriptor(input_size, input, output_size, output, output_size_returned);
    case WSK_RELEASE_SD: return release_security_descriptor(input_size, input, output_size_returned);
    case WSK_TDI_BEHAVIOR: return set_tdi_behavior(input_size, input, output_size_returned);
    default: return STATUS_INVALID_PARAMETER;
    }
}

// ---- the dispatch table's functions ----------------------------------------

NTSTATUS WSKAPI wsk_socket(PWSK_CLIENT Client, ADDRESS_FAMILY AddressFamily, USHORT SocketType, ULONG Protocol,
                           ULONG Flags, PVOID SocketContext, const VOID* Dispatch, PEPROCESS OwningProcess,
                           PETHREAD OwningThread, PSECURITY_DESCRIPTOR SecurityDescriptor, PIRP Irp) {
    (void)OwningProcess, (void)OwningThread, (void)SecurityDescriptor;
    client_call call(Client, "WskSocket");
    if (Flags == WSK_FLAG_CONNECTION_SOCKET) {
        registration_state& registration = call.registration();
        return run_call(operation::socket, nullptr, Irp, "WskSocket", [=, &registration] {
            return connection_socket::create(registration, AddressFamily, SocketType, Protocol, SocketContext,
                                             static_cast<const WSK_CLIENT_CONNECTION_DISPATCH*>(Dispatch), Irp);
        });
    }
    if (Flags == WSK_FLAG_DATAGRAM_SOCKET) {
        registration_state& registration = call.registration();
        return run_call(operation::socket, nullptr, Irp, "WskSocket", [=, &registration] {
            return datagram_socket::create(registration, AddressFamily, SocketType, Protocol, SocketContext,
                                           static_cast<const WSK_CLIENT_DATAGRAM_DISPATCH*>(Dispatch), Irp);
        });
    }
    if (Flags == WSK_FLAG_LISTEN_SOCKET) {
        registration_state& registration = call.registration();
        return run_call(operation::socket, nullptr, Irp, "WskSocket", [=, &registration] {
            return listen_socket::create(registration, AddressFamily, SocketType, Protocol, SocketContext,
                                         static_cast<const WSK_CLIENT_LISTEN_DISPATCH*>(Dispatch), Irp);
        });
    }
    if (Flags == WSK_FLAG_STREAM_SOCKET) {
        registration_state& registration = call.registration();
        return run_call(operation::socket, nullptr, Irp, "WskSocket", [=, &registration] {
            return stream_socket::create(registration, AddressFamily, SocketType, Protocol, SocketContext,
                                         static_cast<const WSK_CLIENT_STREAM_DISPATCH*>(Dispatch), Irp);
        });
    }
    // Basic sockets are not implemented yet.
    static std::atomic<bool> logged{false};
    return not_implemented_with_irp(Irp, logged, "WskSocket");
}

NTSTATUS WSKAPI wsk_socket_connect(PWSK_CLIENT Client, USHORT SocketType, ULONG Protocol, PSOCKADDR LocalAddress,
                                   PSOCKADDR RemoteAddress, ULONG Flags, PVOID SocketContext,
                                   const WSK_CLIENT_CONNECTION_DISPATCH* Dispatch, PEPROCESS OwningProcess,
                                   PETHREAD OwningThread, PSECURITY_DESCRIPTOR SecurityDescriptor, PIRP Irp) {
    (void)OwningProcess, (void)OwningThread, (void)SecurityDescriptor;
    client_call call(Client, "WskSocketConnect");
    registration_state& registration = call.registration();
    return run_call(operation::socket_connect, nullptr, Irp, "WskSocketConnect",
                    [=, &registration, local = address_copy(LocalAddress),
                     remote = address_copy(RemoteAddress)]() mutable {
                        return connection_socket::create_connected(registration, SocketType, Protocol, local.get(),
                                                                   remote.get(), Flags, SocketContext, Dispatch, Irp);
                    });
}

NTSTATUS WSKAPI wsk_control_client(PWSK_CLIENT Client, ULONG ControlCode, SIZE_T InputSize, PVOID InputBuffer,
                                   SIZE_T OutputSize, PVOID OutputBuffer, SIZE_T* OutputSizeReturned, PIRP Irp) {
    client_call call(Client, "WskControlClient");
    registration_state& registration = call.registration();
    return run_call(operation::control_client, nullptr, Irp, "WskControlClient", [=, &registration]() -> NTSTATUS {
        if (ControlCode == WSK_TRANSPORT_LIST_CHANGE || ControlCode == WSK_TDI_DEVICENAME_MAPPING) {
            // Documented codes this provider does not support yet: its transport
            // list never changes, and there is no TDI to map.
            static std::atomic<bool> logged{false};
            if (!logged.exchange(true)) {
                kernel::log().warn("WskControlClient: control code {} is not implemented yet: returning "
                                   "STATUS_NOT_IMPLEMENTED",
                                   ControlCode);
            }
            if (Irp != nullptr) {
                return NT_SUCCESS(take_irp(Irp, "WskControlClient")) ? complete_irp(Irp, STATUS_NOT_IMPLEMENTED, 0)
                                                                     : STATUS_INVALID_PARAMETER;
            }
            return STATUS_NOT_IMPLEMENTED;
        }
        if (Irp != nullptr) {
            // Every supported code completes inline and requires Irp == NULL. An
            // IRP given anyway is completed with the error (each call with an
            // IRP completes it exactly once), so a driver waiting on it does
            // not hang.
            return NT_SUCCESS(take_irp(Irp, "WskControlClient")) ? complete_irp(Irp, STATUS_INVALID_PARAMETER, 0)
                                                                 : STATUS_INVALID_PARAMETER;
        }
        return control_client_inline(registration, ControlCode, InputSize, InputBuffer, OutputSize, OutputBuffer,
                                     OutputSizeReturned);
    });
}

NTSTATUS WSKAPI wsk_get_address_info(PWSK_CLIENT Client, PUNICODE_STRING NodeName, PUNICODE_STRING ServiceName,
                                     ULONG NameSpace, GUID* Provider, PADDRINFOEXW Hints, PADDRINFOEXW* Result,
                                     PEPROCESS OwningProcess, PETHREAD OwningThread, PIRP Irp) {
    (void)OwningProcess, (void)OwningThread;  // no security contexts are emulated
    client_call call(Client, "WskGetAddressInfo", PASSIVE_LEVEL);
    return run_call(operation::get_address_info, nullptr, Irp, "WskGetAddressInfo", [=] {
        return get_address_info(NodeName, ServiceName, NameSpace, Provider, Hints, Result, Irp);
    });
}

VOID WSKAPI wsk_free_address_info(PWSK_CLIENT Client, PADDRINFOEXW AddrInfo) {
    client_call call(Client, "WskFreeAddressInfo", PASSIVE_LEVEL);
    free_address_info(AddrInfo);
}

NTSTATUS WSKAPI wsk_get_name_info(PWSK_CLIENT Client, PSOCKADDR SockAddr, ULONG SockAddrLength,
                                  PUNICODE_STRING NodeName, PUNICODE_STRING ServiceName, ULONG Flags,
                                  PEPROCESS OwningProcess, PETHREAD OwningThread, PIRP Irp) {
    (void)OwningProcess, (void)OwningThread;
    client_call call(Client, "WskGetNameInfo", PASSIVE_LEVEL);
    return run_call(operation::get_name_info, nullptr, Irp, "WskGetNameInfo", [=] {
        return get_name_info(SockAddr, SockAddrLength, NodeName, ServiceName, Flags, Irp);
    });
}

const WSK_PROVIDER_DISPATCH dispatch_table = {
    provider_version,       // Version
    0,                      // Reserved
    wsk_socket,             // WskSocket
    wsk_socket_connect,     // WskSocketConnect
    wsk_control_client,     // WskControlClient
    wsk_get_address_info,   // WskGetAddressInfo
    wsk_free_address_info,  // WskFreeAddressInfo
    wsk_get_name_info,      // WskGetNameInfo
};

}  // namespace

const WSK_PROVIDER_DISPATCH& provider_dispatch() noexcept { return dispatch_table; }

}  // namespace wskemu::wsk
