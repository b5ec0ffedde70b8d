// wskemu: thread and process objects (private layouts of the WDK's opaque
// KTHREAD/ETHREAD/KPROCESS/EPROCESS).
#pragma once

#include <wdm.h>

// A thread object begins with a DISPATCHER_HEADER, so KeWaitForSingleObject
// works on it; it is signalled when the thread terminates. PETHREAD and
// PKTHREAD point to the same object (ETHREAD begins with its KTHREAD).
struct _KTHREAD {
    DISPATCHER_HEADER Header;
};

struct _ETHREAD {
    _KTHREAD Tcb;
    HANDLE unique_thread;      // PsGetCurrentThreadId
    BOOLEAN system_thread;     // created by PsCreateSystemThread
    KPRIORITY priority;        // stored only: the host scheduler decides
    NTSTATUS exit_status;      // PsTerminateSystemThread's argument or SUCCESS
    PKSTART_ROUTINE start_routine;
    PVOID start_context;
};

struct _KPROCESS {
    DISPATCHER_HEADER Header;
};

struct _EPROCESS {
    _KPROCESS Pcb;
    HANDLE unique_process;
};

namespace wskemu::kernel {

/// The calling thread's thread object, created on first use for threads the
/// emulator did not start (the test thread, host worker threads); those are
/// signalled and released when the host thread exits.
_ETHREAD* current_thread() noexcept;

/// The one process every thread belongs to (the System process, id 4).
_EPROCESS* system_process() noexcept;

/// PsCreateSystemThread after argument checks: creates the object and its
/// handle, then starts a detached host thread.
NTSTATUS create_system_thread(HANDLE* handle, ACCESS_MASK access, PCLIENT_ID client_id, PKSTART_ROUTINE routine,
                              PVOID context);

/// Ends the calling system thread by unwinding to its trampoline.
[[noreturn]] void terminate_current_system_thread(NTSTATUS status);

}  // namespace wskemu::kernel
