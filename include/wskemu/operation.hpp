// wskemu: the kinds of WSK calls, events and kernel allocations that test
// control speaks of (completion policies, fault plans, counters).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace wskemu {

/// @brief One kind of WSK call or event. Calls are named after the WSK
/// function (WskSend is `send`; WskConnectEx counts as `connect`); events after
/// the client callback (WskReceiveEvent is `receive_event`).
enum class operation : std::uint8_t {
    // WSK_PROVIDER_DISPATCH
    socket,              ///< WskSocket
    socket_connect,      ///< WskSocketConnect
    control_client,      ///< WskControlClient
    get_address_info,    ///< WskGetAddressInfo ("resolve" in fault text)
    get_name_info,       ///< WskGetNameInfo
    // socket dispatch tables
    control_socket,      ///< WskControlSocket ("control" in fault text)
    close,               ///< WskCloseSocket
    bind,                ///< WskBind
    connect,             ///< WskConnect, WskConnectEx
    listen,              ///< WskListen
    accept,              ///< WskAccept
    inspect_complete,    ///< WskInspectComplete
    get_local_address,   ///< WskGetLocalAddress
    get_remote_address,  ///< WskGetRemoteAddress
    send,                ///< WskSend
    receive,             ///< WskReceive
    disconnect,          ///< WskDisconnect
    send_to,             ///< WskSendTo
    send_messages,       ///< WskSendMessages
    receive_from,        ///< WskReceiveFrom
    // client event callbacks
    accept_event,        ///< WskAcceptEvent
    inspect_event,       ///< WskInspectEvent
    abort_event,         ///< WskAbortEvent
    receive_event,       ///< WskReceiveEvent
    disconnect_event,    ///< WskDisconnectEvent
    send_backlog_event,  ///< WskSendBacklogEvent
    receive_from_event,  ///< WskReceiveFromEvent
};

/// @brief Number of operation values.
inline constexpr std::size_t operation_count = static_cast<std::size_t>(operation::receive_from_event) + 1;

/// @brief True for the client callbacks (the `*_event` values).
constexpr bool is_event(operation op) noexcept { return op >= operation::accept_event; }

/// @brief "send", "receive_event", ... (the names fault text and WSKEMU_POLICY use).
std::string_view operation_name(operation op) noexcept;

/// @brief The operation for a name (operation_name's, plus the aliases
/// "resolve" = get_address_info and "control" = control_socket), or nullopt.
std::optional<operation> parse_operation(std::string_view name) noexcept;

/// @brief The kernel allocations a fault plan can fail.
enum class allocation_kind : std::uint8_t {
    irp,   ///< IoAllocateIrp
    mdl,   ///< IoAllocateMdl, MmAllocatePagesForMdl(Ex)
    pool,  ///< ExAllocatePool2 and the older forms, lookaside lists
};

/// @brief "irp", "mdl" or "pool".
std::string_view allocation_kind_name(allocation_kind kind) noexcept;

/// @brief The allocation kind for a name, or nullopt.
std::optional<allocation_kind> parse_allocation_kind(std::string_view name) noexcept;

}  // namespace wskemu
