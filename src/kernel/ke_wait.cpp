// wskemu: the wait routines. Arguments and IRQL are checked here; the
// waiting itself is the dispatcher's (ke_dispatcher.cpp).
#include <wdm.h>

#include "bug_check.hpp"
#include "caller_address.hpp"
#include "irql.hpp"
#include "ke_dispatcher.hpp"
#include "verifier.hpp"

#include <fmt/format.h>

#include <array>
#include <thread>

/* KeWaitForSingleObject (ntoskrnl): WaitReason, WaitMode and Alertable are
 * ignored (no APCs). */
extern "C" NTSTATUS NTAPI KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
                                                BOOLEAN Alertable, PLARGE_INTEGER Timeout) {
    (void)WaitReason;
    (void)WaitMode;
    (void)Alertable;
    wskemu::kernel::check_wait_irql(Timeout, "KeWaitForSingleObject", WSKEMU_CALLER());
    auto* header = static_cast<DISPATCHER_HEADER*>(Object);
    return wskemu::kernel::wait_for_objects(1, &header, WaitAny,
                                            wskemu::kernel::wait_timeout::from_wdk(Timeout));
}

/* KeWaitForMultipleObjects (ntoskrnl): up to THREAD_WAIT_OBJECTS objects
 * without a wait block array, MAXIMUM_WAIT_OBJECTS with one (its contents are
 * not used: the emulator keeps its wait blocks on the waiting stack). */
extern "C" NTSTATUS NTAPI KeWaitForMultipleObjects(ULONG Count, PVOID Object[], WAIT_TYPE WaitType,
                                                   KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode,
                                                   BOOLEAN Alertable, PLARGE_INTEGER Timeout,
                                                   PKWAIT_BLOCK WaitBlockArray) {
    (void)WaitReason;
    (void)WaitMode;
    (void)Alertable;
    void* const caller = WSKEMU_CALLER();
    if (Count > MAXIMUM_WAIT_OBJECTS || (Count > THREAD_WAIT_OBJECTS && WaitBlockArray == nullptr)) {
        wskemu::kernel::raise_bug_check(
            MAXIMUM_WAIT_OBJECTS_EXCEEDED, Count, reinterpret_cast<ULONG_PTR>(WaitBlockArray), 0, 0,
            fmt::format("KeWaitForMultipleObjects with {} objects and {}: at most {} objects without a wait block "
                        "array and {} with one",
                        Count, WaitBlockArray == nullptr ? "no wait block array" : "a wait block array",
                        THREAD_WAIT_OBJECTS, MAXIMUM_WAIT_OBJECTS));
    }
    if (Count == 0 || Object == nullptr || (WaitType != WaitAll && WaitType != WaitAny)) {
        return STATUS_INVALID_PARAMETER;
    }
    wskemu::kernel::check_wait_irql(Timeout, "KeWaitForMultipleObjects", caller);
    std::array<DISPATCHER_HEADER*, MAXIMUM_WAIT_OBJECTS> headers;
    for (ULONG i = 0; i < Count; ++i) {
        headers[i] = static_cast<DISPATCHER_HEADER*>(Object[i]);
    }
    return wskemu::kernel::wait_for_objects(Count, headers.data(), WaitType,
                                            wskemu::kernel::wait_timeout::from_wdk(Timeout));
}

/* KeDelayExecutionThread (ntoskrnl): an interval of zero yields the processor. */
extern "C" NTSTATUS NTAPI KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                                                 PLARGE_INTEGER Interval) {
    (void)WaitMode;
    (void)Alertable;
    wskemu::kernel::verifier::check_irql("KeDelayExecutionThread", APC_LEVEL, WSKEMU_CALLER(),
                                         "it must be called at IRQL <= APC_LEVEL");
    if (Interval == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    const auto timeout = wskemu::kernel::wait_timeout::from_wdk(Interval);
    if (timeout.what == wskemu::kernel::wait_timeout::kind::poll) {
        std::this_thread::yield();
        return STATUS_SUCCESS;
    }
    (void)wskemu::kernel::wait_for_objects(0, nullptr, WaitAny, timeout);
    return STATUS_SUCCESS;
}
