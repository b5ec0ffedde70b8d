// wskemu: the verifier's WSK rules and the hooks the socket code calls:
// WSK_BUF checks, indication lists a driver retains, event callbacks after
// close (docs/verifier.md, "Sockets and callbacks").
#pragma once

#include <wsk.h>

#include <cstddef>

namespace wskemu::wsk {

/// What is wrong with a WSK_BUF (reference §6: Offset inside the first MDL,
/// Length within the chain).
enum class wsk_buf_fault { offset_outside_first_mdl, past_chain };

/// Reports a WSK_BUF the calling thread's current call is about to refuse
/// with STATUS_INVALID_PARAMETER (rules mdl.wsk_buf_offset,
/// mdl.wsk_buf_past_chain).
void report_wsk_buf(const WSK_BUF* buffer, wsk_buf_fault fault);

/// Hook: a receive event callback returned STATUS_PENDING for @p list (a
/// PWSK_DATA_INDICATION or PWSK_DATAGRAM_INDICATION): the driver now holds
/// it until WskRelease.
void indication_retained(const WSK_SOCKET* socket, const void* list);

/// Hook: WskRelease(@p socket, @p list). Returns false, after a report, if
/// the list is not retained (released twice, or never handed out:
/// indication.released_twice) or was retained on another socket
/// (indication.wrong_socket); the caller then returns
/// STATUS_INVALID_PARAMETER and releases nothing.
bool indication_released(const WSK_SOCKET* socket, const void* list);

/// Hook: the socket's close is complete (called by socket_base::withdraw()).
/// Lists it still has retained are reported (indication.not_released) and
/// forgotten.
void socket_closed(const WSK_SOCKET* socket);

/// Hook: before an event callback on @p socket. Returns false, after a report
/// (socket.callback_after_close, an internal error), if the socket's close
/// has completed: the callback must not be delivered.
bool event_callback_allowed(const WSK_SOCKET* socket, const char* callback);

/// Indication lists retained now (for tests).
std::size_t retained_indications();

}  // namespace wskemu::wsk
