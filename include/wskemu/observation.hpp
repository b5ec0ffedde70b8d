// wskemu: what test control lets a test observe: per-socket counters, the
// IRPs pending now, and the completions in the order they happened.
#pragma once

#include "operation.hpp"

#include <chrono>
#include <cstdint>
#include <vector>

namespace wskemu {

/// @brief Completed calls of one operation with one final status.
struct call_count {
    operation op;
    std::int32_t status;  ///< the NTSTATUS the IRP completed with (or the call returned, without an IRP)
    std::uint64_t count;
};

/// @brief Counters of one socket, kept after it closes until runtime::reset().
struct socket_stats {
    const void* socket = nullptr;  ///< the PWSK_SOCKET (its memory may be reused after close)
    std::uint64_t serial = 0;      ///< creation order since the process started, from 1
    bool open = false;             ///< false once WskCloseSocket completed
    std::uint64_t bytes_sent = 0;      ///< Information of completed sends (and WskConnectEx/WskDisconnect data)
    std::uint64_t bytes_received = 0;  ///< Information of completed receives, plus bytes indicated to callbacks
    std::vector<call_count> calls;     ///< completed calls, by operation and status

    /// @brief Completed calls of @p op, whatever their status.
    std::uint64_t calls_of(operation op) const noexcept;
    /// @brief Completed calls of @p op with @p status.
    std::uint64_t calls_of(operation op, std::int32_t status) const noexcept;
};

/// @brief An IRP a WSK call holds now.
struct pending_irp_info {
    const void* irp = nullptr;     ///< the PIRP
    const void* socket = nullptr;  ///< the PWSK_SOCKET (nullptr for client-level calls)
    operation op = operation::send;
    std::chrono::nanoseconds age{0};  ///< since the call returned STATUS_PENDING
    bool held = false;                ///< held by the hold policy or a stall (not started)
};

/// @brief One IRP completion, recorded when runtime::record_completions(true).
struct completion_record {
    std::uint64_t sequence = 0;    ///< order of completion, from 1 since recording started
    const void* irp = nullptr;
    const void* socket = nullptr;
    operation op = operation::send;
    std::int32_t status = 0;
    std::uint64_t information = 0;
    bool pending = false;          ///< true if the call had returned STATUS_PENDING (PendingReturned)
};

}  // namespace wskemu
