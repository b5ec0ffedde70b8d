// Tests for src/kernel/ps_thread.cpp and src/kernel/ob_object.cpp.
#include <wdm.h>

#include <gtest/gtest.h>

#include "kernel/ob_object.hpp"

#include <thread>

namespace {

LARGE_INTEGER seconds(LONGLONG s) {
    LARGE_INTEGER t;
    t.QuadPart = -s * 10'000'000;
    return t;
}

struct routine_report {
    KEVENT started;
    KEVENT go;
    KIRQL irql = 0xCC;
    PETHREAD thread = nullptr;
    HANDLE thread_id = nullptr;
    BOOLEAN system = FALSE;
};

VOID NTAPI reporting_routine(PVOID context) {
    auto* report = static_cast<routine_report*>(context);
    report->irql = KeGetCurrentIrql();
    report->thread = PsGetCurrentThread();
    report->thread_id = PsGetCurrentThreadId();
    report->system = PsIsSystemThread(PsGetCurrentThread());
    KeSetEvent(&report->started, IO_NO_INCREMENT, FALSE);
    KeWaitForSingleObject(&report->go, Executive, KernelMode, FALSE, nullptr);
}

TEST(PsCreateSystemThread, RunsTheRoutineAtPassiveLevelOnANewThread) {
    const std::size_t objects_before = wskemu::kernel::live_object_count();
    routine_report report;
    KeInitializeEvent(&report.started, NotificationEvent, FALSE);
    KeInitializeEvent(&report.go, NotificationEvent, FALSE);
    HANDLE handle = reinterpret_cast<HANDLE>(0xCCCC);
    CLIENT_ID client{reinterpret_cast<HANDLE>(0xCC), reinterpret_cast<HANDLE>(0xCC)};
    OBJECT_ATTRIBUTES attributes;
    InitializeObjectAttributes(&attributes, nullptr, OBJ_KERNEL_HANDLE, nullptr, nullptr);
    ASSERT_EQ(PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, &attributes, nullptr, &client, reporting_routine,
                                   &report),
              STATUS_SUCCESS);
    EXPECT_NE(handle, nullptr);

    PVOID object = reinterpret_cast<PVOID>(0xCCCC);
    OBJECT_HANDLE_INFORMATION info{0xCC, 0xCC};
    ASSERT_EQ(ObReferenceObjectByHandle(handle, SYNCHRONIZE, *PsThreadType, KernelMode, &object, &info),
              STATUS_SUCCESS);
    EXPECT_EQ(info.GrantedAccess, static_cast<ACCESS_MASK>(THREAD_ALL_ACCESS));
    EXPECT_EQ(info.HandleAttributes, 0u);
    EXPECT_EQ(ZwClose(handle), STATUS_SUCCESS);

    LARGE_INTEGER timeout = seconds(5);
    ASSERT_EQ(KeWaitForSingleObject(&report.started, Executive, KernelMode, FALSE, &timeout), STATUS_SUCCESS);
    EXPECT_EQ(report.irql, PASSIVE_LEVEL);
    EXPECT_EQ(report.thread, object);
    EXPECT_NE(report.thread, PsGetCurrentThread());
    EXPECT_EQ(report.thread_id, client.UniqueThread);
    EXPECT_EQ(client.UniqueProcess, PsGetCurrentProcessId());
    EXPECT_TRUE(report.system);
    EXPECT_FALSE(PsIsSystemThread(PsGetCurrentThread()));

    LARGE_INTEGER zero{};
    EXPECT_EQ(KeWaitForSingleObject(object, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT)
        << "a running thread is not signalled";
    KeSetEvent(&report.go, IO_NO_INCREMENT, FALSE);
    EXPECT_EQ(KeWaitForSingleObject(object, Executive, KernelMode, FALSE, &timeout), STATUS_SUCCESS);
    EXPECT_EQ(ObDereferenceObject(object), 0) << "the last reference frees the thread object";
    EXPECT_EQ(wskemu::kernel::live_object_count(), objects_before);
}

TEST(PsCreateSystemThread, RejectsAMissingRoutineOrHandle) {
    HANDLE handle = nullptr;
    EXPECT_EQ(PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, nullptr, nullptr, nullptr, nullptr, nullptr),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(PsCreateSystemThread(nullptr, THREAD_ALL_ACCESS, nullptr, nullptr, nullptr, reporting_routine, nullptr),
              STATUS_INVALID_PARAMETER);
}

TEST(PsTerminateSystemThread, FailsOnAThreadTheEmulatorDidNotStart) {
    EXPECT_EQ(PsTerminateSystemThread(STATUS_SUCCESS), STATUS_INVALID_PARAMETER);
}

TEST(ZwClose, RejectsUnknownAndClosedHandles) {
    EXPECT_EQ(ZwClose(reinterpret_cast<HANDLE>(0x1234)), STATUS_INVALID_HANDLE);
    EXPECT_EQ(ZwClose(nullptr), STATUS_INVALID_HANDLE);
}

TEST(ObReferenceObjectByHandle, ChecksTheTypeAndTheHandle) {
    PVOID object = reinterpret_cast<PVOID>(0xCCCC);
    EXPECT_EQ(ObReferenceObjectByHandle(reinterpret_cast<HANDLE>(0x1234), 0, nullptr, KernelMode, &object, nullptr),
              STATUS_INVALID_HANDLE);
    EXPECT_EQ(object, nullptr);
    object = reinterpret_cast<PVOID>(0xCCCC);
    EXPECT_EQ(ObReferenceObjectByHandle(NtCurrentThread(), 0, *PsProcessType, KernelMode, &object, nullptr),
              STATUS_OBJECT_TYPE_MISMATCH);
    EXPECT_EQ(object, nullptr);
    ASSERT_EQ(ObReferenceObjectByHandle(NtCurrentThread(), 0, *PsThreadType, KernelMode, &object, nullptr),
              STATUS_SUCCESS);
    EXPECT_EQ(object, PsGetCurrentThread());
    EXPECT_GE(ObDereferenceObject(object), 1);
    ASSERT_EQ(ObReferenceObjectByHandle(NtCurrentProcess(), 0, *PsProcessType, KernelMode, &object, nullptr),
              STATUS_SUCCESS);
    EXPECT_EQ(object, PsGetCurrentProcess());
    ObDereferenceObject(object);
}

TEST(ObReferenceObjectByPointer, ChecksTheType) {
    EXPECT_EQ(ObReferenceObjectByPointer(PsGetCurrentThread(), 0, *PsProcessType, KernelMode),
              STATUS_OBJECT_TYPE_MISMATCH);
    EXPECT_EQ(ObReferenceObjectByPointer(PsGetCurrentThread(), 0, *PsThreadType, KernelMode), STATUS_SUCCESS);
    ObDereferenceObject(PsGetCurrentThread());
}

TEST(KeGetCurrentThread, AHostThreadGetsAnObjectSignalledWhenItExits) {
    const std::size_t objects_before = wskemu::kernel::live_object_count();
    PKTHREAD thread = nullptr;
    KEVENT exit_now;
    KeInitializeEvent(&exit_now, NotificationEvent, FALSE);
    KEVENT have_thread;
    KeInitializeEvent(&have_thread, NotificationEvent, FALSE);
    std::thread host([&] {
        thread = KeGetCurrentThread();
        EXPECT_EQ(static_cast<PVOID>(thread), static_cast<PVOID>(PsGetCurrentThread()));
        ObReferenceObject(thread);
        KeSetEvent(&have_thread, IO_NO_INCREMENT, FALSE);
        KeWaitForSingleObject(&exit_now, Executive, KernelMode, FALSE, nullptr);
    });
    LARGE_INTEGER timeout = seconds(5);
    ASSERT_EQ(KeWaitForSingleObject(&have_thread, Executive, KernelMode, FALSE, &timeout), STATUS_SUCCESS);
    EXPECT_NE(thread, KeGetCurrentThread());
    KeSetEvent(&exit_now, IO_NO_INCREMENT, FALSE);
    EXPECT_EQ(KeWaitForSingleObject(thread, Executive, KernelMode, FALSE, &timeout), STATUS_SUCCESS);
    host.join();
    EXPECT_EQ(ObDereferenceObject(thread), 0);
    EXPECT_EQ(wskemu::kernel::live_object_count(), objects_before);
}

TEST(KeSetPriorityThread, StoresThePriority) {
    PKTHREAD self = KeGetCurrentThread();
    const KPRIORITY original = KeQueryPriorityThread(self);
    EXPECT_EQ(original, 8);
    EXPECT_EQ(KeSetPriorityThread(self, LOW_REALTIME_PRIORITY), original);
    EXPECT_EQ(KeQueryPriorityThread(self), LOW_REALTIME_PRIORITY);
    KeSetPriorityThread(self, original);
}

TEST(PsGetCurrentProcess, IsTheSystemProcess) {
    EXPECT_EQ(PsGetCurrentProcess(), IoGetCurrentProcess());
    EXPECT_EQ(PsGetCurrentProcessId(), reinterpret_cast<HANDLE>(4));
    EXPECT_EQ(PsGetProcessId(PsGetCurrentProcess()), reinterpret_cast<HANDLE>(4));
    EXPECT_EQ(PsGetThreadId(PsGetCurrentThread()), PsGetCurrentThreadId());
}

}  // namespace
