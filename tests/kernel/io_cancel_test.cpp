// Tests of IoCancelIrp, IoSetCancelRoutine and the cancel spin lock (src/kernel/io_cancel.cpp).
#include <gtest/gtest.h>

#include <wdm.h>

#include <wskemu/bug_check.hpp>

#include <atomic>
#include <random>
#include <thread>

#include "support/kernel_fixture.hpp"

namespace {

using IoCancelIrpTest = wskemu::test::kernel_test;

struct race_state {
    std::atomic<int> completions{0};
    std::atomic<int> cancelled{0};
    std::atomic<int> succeeded{0};
};

NTSTATUS NTAPI count_completion(PDEVICE_OBJECT, PIRP irp, PVOID context) {
    auto* state = static_cast<race_state*>(context);
    state->completions++;
    if (irp->IoStatus.Status == STATUS_CANCELLED) {
        state->cancelled++;
    } else if (irp->IoStatus.Status == STATUS_SUCCESS) {
        state->succeeded++;
    }
    return STATUS_MORE_PROCESSING_REQUIRED;
}

// The cancel routine of a driver that queued the IRP: it completes it.
VOID NTAPI cancel_queued_irp(PDEVICE_OBJECT, PIRP irp) {
    EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    IoReleaseCancelSpinLock(irp->CancelIrql);
    irp->IoStatus.Status = STATUS_CANCELLED;
    irp->IoStatus.Information = 0;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
}

// A driver's pending IRP: a completion routine for its issuer, one location
// in use, the cancel routine set.
void make_pending(PIRP irp, race_state* state) {
    IoReuseIrp(irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(irp, count_completion, state, TRUE, TRUE, TRUE);
    IoSetNextIrpStackLocation(irp);
    IoMarkIrpPending(irp);
    IoSetCancelRoutine(irp, cancel_queued_irp);
}

// The completing side of the standard pattern: whoever takes the cancel
// routine out first owns completion.
void complete_if_not_cancelled(PIRP irp) {
    if (IoSetCancelRoutine(irp, nullptr) != nullptr) {
        irp->IoStatus.Status = STATUS_SUCCESS;
        irp->IoStatus.Information = 10;
        IoCompleteRequest(irp, IO_NO_INCREMENT);
    }
}

TEST_F(IoCancelIrpTest, CallsTheCancelRoutineAndReturnsTrue) {
    race_state state;
    PIRP irp = IoAllocateIrp(1, FALSE);
    make_pending(irp, &state);
    EXPECT_TRUE(IoCancelIrp(irp));
    EXPECT_TRUE(irp->Cancel);
    EXPECT_EQ(irp->CancelRoutine, nullptr);
    EXPECT_EQ(state.completions, 1);
    EXPECT_EQ(state.cancelled, 1);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    IoFreeIrp(irp);
}

TEST_F(IoCancelIrpTest, WithoutACancelRoutineSetsCancelAndReturnsFalse) {
    race_state state;
    PIRP irp = IoAllocateIrp(1, FALSE);
    make_pending(irp, &state);
    IoSetCancelRoutine(irp, nullptr);
    EXPECT_FALSE(IoCancelIrp(irp));
    EXPECT_TRUE(irp->Cancel);
    EXPECT_EQ(state.completions, 0);
    irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    EXPECT_EQ(state.completions, 1);
    IoFreeIrp(irp);
}

TEST_F(IoCancelIrpTest, IoSetCancelRoutineReturnsThePreviousRoutine) {
    PIRP irp = IoAllocateIrp(1, FALSE);
    EXPECT_EQ(IoSetCancelRoutine(irp, cancel_queued_irp), nullptr);
    EXPECT_EQ(IoSetCancelRoutine(irp, nullptr), &cancel_queued_irp);
    IoFreeIrp(irp);
}

// Busy-waits a little; volatile so that the loop is not optimised away.
void spin_for(unsigned iterations) {
    volatile unsigned sink = 0;
    for (unsigned i = 0; i < iterations; ++i) {
        sink = i;
    }
    (void)sink;
}

// Waits for another thread's progress: spins briefly, then yields, since the
// other thread may not be running at all on a busy machine.
void wait_until_reaches(const std::atomic<int>& value, int target) {
    for (unsigned spins = 0; value.load(std::memory_order_acquire) < target; ++spins) {
        if (spins > 100) {
            std::this_thread::yield();
        }
    }
}

// Cancel racing completion on two threads: every round completes the IRP
// exactly once. A quarter of the rounds let completion go first, a quarter
// let cancellation go first (so both paths are certain to run), and the rest
// start both sides together after a seeded random delay each: a true race.
TEST_F(IoCancelIrpTest, RacingCompletionCompletesExactlyOnceEachRound) {
    constexpr int rounds = 4000;
    race_state state;
    PIRP irp = IoAllocateIrp(1, FALSE);
    std::atomic<int> round{-1};
    std::atomic<int> canceller_ready{-1};
    std::atomic<int> completer_done{-1};
    std::atomic<int> cancel_done{-1};
    std::thread canceller([&] {
        std::minstd_rand random(7);
        for (int i = 0; i < rounds; ++i) {
            wait_until_reaches(round, i);
            canceller_ready.store(i, std::memory_order_release);
            if (i % 4 == 0) {
                wait_until_reaches(completer_done, i);
            } else {
                spin_for(random() % 2000);
            }
            IoCancelIrp(irp);
            cancel_done.store(i, std::memory_order_release);
        }
    });
    std::minstd_rand random(11);
    for (int i = 0; i < rounds; ++i) {
        make_pending(irp, &state);
        const int before = state.completions.load();
        round.store(i, std::memory_order_release);
        wait_until_reaches(canceller_ready, i);
        if (i % 4 == 1) {
            wait_until_reaches(cancel_done, i);
        } else {
            spin_for(random() % 2000);
        }
        complete_if_not_cancelled(irp);
        completer_done.store(i, std::memory_order_release);
        wait_until_reaches(cancel_done, i);
        ASSERT_EQ(state.completions.load(), before + 1) << "round " << i;
    }
    canceller.join();
    EXPECT_EQ(state.completions, rounds);
    EXPECT_EQ(state.cancelled + state.succeeded, rounds);
    RecordProperty("cancelled", state.cancelled.load());
    RecordProperty("succeeded", state.succeeded.load());
    EXPECT_GE(state.cancelled, rounds / 4);
    EXPECT_GE(state.succeeded, rounds / 4);
    IoFreeIrp(irp);
}

TEST_F(IoCancelIrpTest, CancelSpinLockRaisesToDispatchAndRestores) {
    KIRQL old = 0xFF;
    IoAcquireCancelSpinLock(&old);
    EXPECT_EQ(old, PASSIVE_LEVEL);
    EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    IoReleaseCancelSpinLock(old);
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

TEST_F(IoCancelIrpTest, ReleasingTheCancelSpinLockWithoutHoldingItIsABugCheck) {
    try {
        wskemu::catch_bug_check([] { IoReleaseCancelSpinLock(PASSIVE_LEVEL); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), static_cast<std::uint32_t>(SPIN_LOCK_NOT_OWNED));
    }
    EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

}  // namespace
