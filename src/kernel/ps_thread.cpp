// wskemu: system threads, the current thread and process, priorities.
//
// A system thread is a detached host thread running the start routine at
// PASSIVE_LEVEL. Its object holds one reference for the running thread and
// one per handle; it is signalled, and the running reference dropped, in one
// step under the dispatcher lock when the routine returns or calls
// PsTerminateSystemThread, so a waiter that wakes and drops its own
// references always frees it. Host threads the emulator did not start get an
// object on first use, released when the host thread exits.
#include "ps_thread.hpp"

#include "bug_check.hpp"
#include "irql.hpp"
#include "ke_dispatcher.hpp"
#include "log.hpp"
#include "ob_object.hpp"

#include <fmt/format.h>

#if !defined(_MSC_VER)
#include <pthread.h>
#endif

#include <atomic>
#include <new>
#include <system_error>
#include <thread>

namespace wskemu::kernel {

namespace {

// Thrown by PsTerminateSystemThread, caught by the thread's trampoline.
struct thread_terminate_request {
    NTSTATUS status;
};

constexpr KPRIORITY default_priority = 8;
const HANDLE system_process_id = reinterpret_cast<HANDLE>(static_cast<ULONG_PTR>(4));

std::atomic<ULONG_PTR> next_thread_id{0x100};

thread_local _ETHREAD* current_thread_object = nullptr;

_ETHREAD* new_thread_object(bool system_thread) {
    auto* thread = new (std::nothrow) _ETHREAD{};
    if (thread == nullptr) {
        return nullptr;
    }
    initialize_dispatcher_header(&thread->Tcb.Header, ThreadObject, sizeof(_KTHREAD), 0);
    thread->unique_thread = reinterpret_cast<HANDLE>(next_thread_id.fetch_add(4, std::memory_order_relaxed));
    thread->system_thread = system_thread ? TRUE : FALSE;
    thread->priority = default_priority;
    thread->exit_status = STATUS_PENDING;
    // The running thread's own reference.
    insert_object(thread, thread_object_type(), 1);
    return thread;
}

// Signals termination and drops the running reference, which may free @p thread.
void finish_thread(_ETHREAD* thread, NTSTATUS status) noexcept {
    std::lock_guard lock(dispatcher_lock());
    thread->exit_status = status;
    thread->Tcb.Header.SignalState = 1;
    wake_waiters_locked(&thread->Tcb.Header);
    dereference_object(thread);
}

// Ends the object of a host thread that the emulator did not start, when that
// thread exits. A thread-specific key, not a thread_local destructor: with
// MinGW's emulated TLS, thread_local storage is freed before thread_local
// destructors run (docs/windows.md); the key hands us the object directly.
// MSVC has no <pthread.h>, and its thread_local destructors run with TLS
// intact, so there a thread_local holder does the job.
extern "C" void release_adopted_thread(void* object) {
    current_thread_object = nullptr;
    finish_thread(static_cast<_ETHREAD*>(object), STATUS_SUCCESS);
}

#if defined(_MSC_VER)
struct adopted_thread_holder {
    _ETHREAD* thread = nullptr;
    ~adopted_thread_holder() {
        if (thread != nullptr) {
            release_adopted_thread(thread);
        }
    }
};
thread_local adopted_thread_holder adopted_thread;

void release_at_thread_exit(_ETHREAD* thread) { adopted_thread.thread = thread; }
#else
pthread_key_t adopted_thread_key() {
    static const pthread_key_t key = [] {
        pthread_key_t k{};
        if (pthread_key_create(&k, release_adopted_thread) != 0) {
            std::terminate();
        }
        return k;
    }();
    return key;
}

void release_at_thread_exit(_ETHREAD* thread) { pthread_setspecific(adopted_thread_key(), thread); }
#endif

void run_system_thread(_ETHREAD* thread) {
    current_thread_object = thread;
    set_current_irql(PASSIVE_LEVEL);
    NTSTATUS status = STATUS_SUCCESS;
    try {
        thread->start_routine(thread->start_context);
    } catch (const thread_terminate_request& request) {
        status = request.status;
    } catch (const wskemu::seh_exception& exception) {
        raise_bug_check(KMODE_EXCEPTION_NOT_HANDLED, static_cast<ULONG_PTR>(static_cast<ULONG>(exception.code)), 0,
                        0, 0,
                        fmt::format("system thread {} (start routine {}) did not handle exception {:#010x}",
                                    thread->unique_thread, reinterpret_cast<void*>(thread->start_routine),
                                    static_cast<ULONG>(exception.code)));
    }
    if (const KIRQL irql = current_irql(); irql != PASSIVE_LEVEL) {
        log().error("system thread {} ended at IRQL {}: a system thread must end at PASSIVE_LEVEL",
                    thread->unique_thread, irql);
    }
    current_thread_object = nullptr;
    finish_thread(thread, status);
}

}  // namespace

_ETHREAD* current_thread() noexcept {
    if (current_thread_object == nullptr) {
        _ETHREAD* thread = new_thread_object(false);
        if (thread == nullptr) {
            std::terminate();
        }
        release_at_thread_exit(thread);
        current_thread_object = thread;
    }
    return current_thread_object;
}

_EPROCESS* system_process() noexcept {
    static _EPROCESS* const process = [] {
        auto* p = new _EPROCESS{};
        initialize_dispatcher_header(&p->Pcb.Header, ProcessObject, sizeof(_KPROCESS), 0);
        p->unique_process = system_process_id;
        insert_object(p, process_object_type(), 1);
        return p;
    }();
    return process;
}

/// PsCreateSystemThread's work once the arguments are valid.
NTSTATUS create_system_thread(HANDLE* handle, ACCESS_MASK access, PCLIENT_ID client_id, PKSTART_ROUTINE routine,
                              PVOID context) {
    _ETHREAD* thread = new_thread_object(true);
    if (thread == nullptr) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    thread->start_routine = routine;
    thread->start_context = context;
    // Publish the handle before the thread runs: its routine may read it.
    if (const NTSTATUS status = create_handle(thread, access == 0 ? THREAD_ALL_ACCESS : access, handle);
        !NT_SUCCESS(status)) {
        dereference_object(thread);
        return status;
    }
    if (client_id != nullptr) {
        client_id->UniqueProcess = system_process_id;
        client_id->UniqueThread = thread->unique_thread;
    }
    try {
        std::thread(run_system_thread, thread).detach();
    } catch (const std::system_error& error) {
        log().error("PsCreateSystemThread: the host could not start a thread: {}", error.what());
        ZwClose(*handle);
        *handle = nullptr;
        dereference_object(thread);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    log().debug("PsCreateSystemThread: thread {} handle {} routine {}", thread->unique_thread, *handle,
                reinterpret_cast<void*>(routine));
    return STATUS_SUCCESS;
}

/// Ends the calling system thread by unwinding to its trampoline.
[[noreturn]] void terminate_current_system_thread(NTSTATUS status) { throw thread_terminate_request{status}; }

}  // namespace wskemu::kernel

namespace kernel = wskemu::kernel;

namespace {

_ETHREAD* from_kthread(PKTHREAD thread) noexcept { return reinterpret_cast<_ETHREAD*>(thread); }

}  // namespace

/* PsCreateSystemThread (ntoskrnl): ObjectAttributes and ProcessHandle are
 * accepted and ignored; every thread belongs to the System process. */
extern "C" NTSTATUS NTAPI PsCreateSystemThread(PHANDLE ThreadHandle, ULONG DesiredAccess,
                                               POBJECT_ATTRIBUTES ObjectAttributes, HANDLE ProcessHandle,
                                               PCLIENT_ID ClientId, PKSTART_ROUTINE StartRoutine,
                                               PVOID StartContext) {
    (void)ObjectAttributes;
    (void)ProcessHandle;
    if (ThreadHandle == nullptr || StartRoutine == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return kernel::create_system_thread(ThreadHandle, DesiredAccess, ClientId, StartRoutine, StartContext);
}

/* PsTerminateSystemThread (ntoskrnl): does not return on a system thread;
 * the C++ exception it throws unwinds the driver's frames to the thread's
 * start (the one exception that deliberately crosses driver code). */
extern "C" NTSTATUS NTAPI PsTerminateSystemThread(NTSTATUS ExitStatus) {
    _ETHREAD* const thread = kernel::current_thread();
    if (!thread->system_thread) {
        return STATUS_INVALID_PARAMETER;
    }
    kernel::terminate_current_system_thread(ExitStatus);
}

/* PsGetCurrentThread (ntoskrnl) */
extern "C" PETHREAD NTAPI PsGetCurrentThread(void) { return kernel::current_thread(); }

/* KeGetCurrentThread (ntoskrnl) */
extern "C" PKTHREAD NTAPI KeGetCurrentThread(void) { return &kernel::current_thread()->Tcb; }

/* PsGetCurrentThreadId (ntoskrnl) */
extern "C" HANDLE NTAPI PsGetCurrentThreadId(void) { return kernel::current_thread()->unique_thread; }

/* PsGetThreadId (ntoskrnl) */
extern "C" HANDLE NTAPI PsGetThreadId(PETHREAD Thread) { return Thread->unique_thread; }

/* PsGetCurrentProcess (ntoskrnl) */
extern "C" PEPROCESS NTAPI PsGetCurrentProcess(void) { return kernel::system_process(); }

/* IoGetCurrentProcess (ntoskrnl) */
extern "C" PEPROCESS NTAPI IoGetCurrentProcess(void) { return kernel::system_process(); }

/* PsGetCurrentProcessId (ntoskrnl) */
extern "C" HANDLE NTAPI PsGetCurrentProcessId(void) { return kernel::system_process()->unique_process; }

/* PsGetProcessId (ntoskrnl) */
extern "C" HANDLE NTAPI PsGetProcessId(PEPROCESS Process) { return Process->unique_process; }

/* PsIsSystemThread (ntoskrnl) */
extern "C" BOOLEAN NTAPI PsIsSystemThread(PETHREAD Thread) { return Thread->system_thread; }

/* KeSetPriorityThread (ntoskrnl): stored and reported back; the host
 * scheduler is not told. */
extern "C" KPRIORITY NTAPI KeSetPriorityThread(PKTHREAD Thread, KPRIORITY Priority) {
    return std::atomic_ref<KPRIORITY>(from_kthread(Thread)->priority).exchange(Priority);
}

/* KeQueryPriorityThread (ntoskrnl) */
extern "C" KPRIORITY NTAPI KeQueryPriorityThread(PKTHREAD Thread) {
    return std::atomic_ref<KPRIORITY>(from_kthread(Thread)->priority).load();
}
