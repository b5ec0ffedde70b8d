// wskemu: the wait engine (see ke_dispatcher.hpp for the design).
#include "ke_dispatcher.hpp"

#include "bug_check.hpp"
#include "verifier.hpp"
#include "irql.hpp"
#include "ps_thread.hpp"

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <condition_variable>

namespace wskemu::kernel {

namespace {

using steady = std::chrono::steady_clock;
using hundred_ns = std::chrono::duration<LONGLONG, std::ratio<1, 10'000'000>>;

// Longer timeouts are treated as infinite, which keeps the time_point
// arithmetic clear of overflow (about 29 years).
constexpr LONGLONG longest_finite_timeout = 9'000'000'000'000'000LL / 1'000;

// How long a pumping wait sleeps when the pump had nothing to run.
constexpr auto pump_slice = std::chrono::milliseconds(1);

struct waiter;

// One per object a thread waits on; linked into the object's WaitListHead.
struct wait_block {
    LIST_ENTRY link;
    DISPATCHER_HEADER* object;
    waiter* owner;
};

// One per wait call, on the waiting thread's stack.
struct waiter {
    std::condition_variable wake;
    _KTHREAD* thread = nullptr;
    WAIT_TYPE type = WaitAny;
    ULONG count = 0;
    wait_block* blocks = nullptr;
    bool linked = false;
    bool satisfied = false;
    NTSTATUS status = STATUS_TIMEOUT;
};

thread_local bool pumping = false;
std::atomic<bool (*)()> global_wait_pump{nullptr};

void ensure_wait_list(DISPATCHER_HEADER* header) noexcept {
    // A zeroed object that was never initialised still gets a valid list.
    if (header->WaitListHead.Flink == nullptr) {
        header->WaitListHead.Flink = &header->WaitListHead;
        header->WaitListHead.Blink = &header->WaitListHead;
    }
}

// Whether @p thread could acquire @p header now.
bool signalled_for(const DISPATCHER_HEADER* header, const _KTHREAD* thread) noexcept {
    if (header->Type == MutantObject) {
        const auto* mutex = reinterpret_cast<const KMUTANT*>(header);
        return header->SignalState > 0 || mutex->OwnerThread == thread;
    }
    return header->SignalState > 0;
}

// Applies the side effect of a satisfied wait on @p header for @p thread.
void consume(DISPATCHER_HEADER* header, _KTHREAD* thread) noexcept {
    switch (header->Type) {
    case EventSynchronizationObject:
    case TimerSynchronizationObject: header->SignalState = 0; break;
    case SemaphoreObject: --header->SignalState; break;
    case MutantObject: {
        auto* mutex = reinterpret_cast<KMUTANT*>(header);
        --header->SignalState;
        mutex->OwnerThread = thread;
        break;
    }
    default: break;  // notification events and timers, threads, processes
    }
}

void unlink_blocks(waiter& w) noexcept {
    if (!w.linked) {
        return;
    }
    for (ULONG i = 0; i < w.count; ++i) {
        LIST_ENTRY* link = &w.blocks[i].link;
        link->Blink->Flink = link->Flink;
        link->Flink->Blink = link->Blink;
    }
    w.linked = false;
}

// Satisfies @p w if its objects allow it now, consuming their signal.
bool try_satisfy(waiter& w) noexcept {
    if (w.type == WaitAny) {
        for (ULONG i = 0; i < w.count; ++i) {
            if (signalled_for(w.blocks[i].object, w.thread)) {
                consume(w.blocks[i].object, w.thread);
                w.status = static_cast<NTSTATUS>(STATUS_WAIT_0 + i);
                w.satisfied = true;
                return true;
            }
        }
        return false;
    }
    if (w.count == 0) {
        return false;
    }
    for (ULONG i = 0; i < w.count; ++i) {
        if (!signalled_for(w.blocks[i].object, w.thread)) {
            return false;
        }
    }
    for (ULONG i = 0; i < w.count; ++i) {
        consume(w.blocks[i].object, w.thread);
    }
    w.status = STATUS_SUCCESS;
    w.satisfied = true;
    return true;
}

// Unlinks a waiter whose wait ends by unwinding (a bug check thrown by the pump).
struct waiter_unlink_guard {
    std::unique_lock<std::mutex>& lock;
    waiter& w;
    ~waiter_unlink_guard() {
        if (!lock.owns_lock()) {
            lock.lock();
        }
        unlink_blocks(w);
    }
};

}  // namespace

std::mutex& dispatcher_lock() noexcept {
    // Leaked on purpose: system threads may still wait while the process exits.
    static std::mutex* const instance = new std::mutex;
    return *instance;
}

void initialize_dispatcher_header(DISPATCHER_HEADER* header, UCHAR type, std::size_t object_size,
                                  LONG signal_state) noexcept {
    header->Lock = 0;
    header->Type = type;
    header->Size = static_cast<UCHAR>(object_size / sizeof(LONG));
    header->SignalState = signal_state;
    header->WaitListHead.Flink = &header->WaitListHead;
    header->WaitListHead.Blink = &header->WaitListHead;
}

bool has_waiters_locked(const DISPATCHER_HEADER* header) noexcept {
    const LIST_ENTRY* first = header->WaitListHead.Flink;
    return first != nullptr && first != &header->WaitListHead;
}

void wake_waiters_locked(DISPATCHER_HEADER* header) noexcept {
    if (!has_waiters_locked(header)) {
        return;
    }
    LIST_ENTRY* const head = &header->WaitListHead;
    LIST_ENTRY* entry = head->Flink;
    // A satisfied waiter unlinks all its blocks, possibly the next entry too,
    // so restart from the head after each one. Lists are short.
    while (entry != head && header->SignalState > 0) {
        auto* block = CONTAINING_RECORD(entry, wait_block, link);
        waiter& w = *block->owner;
        if (try_satisfy(w)) {
            unlink_blocks(w);
            // Notify under the lock: once it is released the waiter may
            // return and its condition variable is gone.
            w.wake.notify_one();
            entry = head->Flink;
        } else {
            entry = entry->Flink;
        }
    }
}

std::size_t count_waiters(const DISPATCHER_HEADER* header) {
    std::lock_guard lock(dispatcher_lock());
    if (!has_waiters_locked(header)) {
        return 0;
    }
    std::size_t n = 0;
    for (const LIST_ENTRY* e = header->WaitListHead.Flink; e != &header->WaitListHead; e = e->Flink) {
        ++n;
    }
    return n;
}

wait_timeout wait_timeout::from_wdk(const LARGE_INTEGER* timeout) noexcept {
    wait_timeout result;
    if (timeout == nullptr) {
        return result;
    }
    LONGLONG ticks = timeout->QuadPart;
    if (ticks == 0) {
        result.what = kind::poll;
        return result;
    }
    if (ticks > 0) {
        // Absolute: read the system time first, so that the steady deadline
        // errs late rather than early.
        LARGE_INTEGER now;
        KeQuerySystemTimePrecise(&now);
        const auto steady_now = steady::now();
        const LONGLONG remaining = ticks - now.QuadPart;
        if (remaining <= 0) {
            result.what = kind::until;
            result.deadline = steady_now;
            return result;
        }
        ticks = -remaining;
        if (-ticks > longest_finite_timeout) {
            return result;
        }
        result.what = kind::until;
        result.deadline = steady_now + std::chrono::duration_cast<steady::duration>(hundred_ns(-ticks));
        return result;
    }
    if (ticks < -longest_finite_timeout) {
        return result;
    }
    result.what = kind::until;
    result.deadline = steady::now() + std::chrono::duration_cast<steady::duration>(hundred_ns(-ticks));
    return result;
}

NTSTATUS wait_for_objects(ULONG count, DISPATCHER_HEADER* const* objects, WAIT_TYPE type,
                          const wait_timeout& timeout) {
    std::array<wait_block, MAXIMUM_WAIT_OBJECTS> blocks;
    waiter w;
    w.thread = &current_thread()->Tcb;
    w.type = type;
    w.count = count;
    w.blocks = blocks.data();
    for (ULONG i = 0; i < count; ++i) {
        blocks[i].object = objects[i];
        blocks[i].owner = &w;
    }

    std::unique_lock lock(dispatcher_lock());
    if (try_satisfy(w)) {
        return w.status;
    }
    if (timeout.what == wait_timeout::kind::poll ||
        (timeout.what == wait_timeout::kind::until && steady::now() >= timeout.deadline)) {
        return STATUS_TIMEOUT;
    }
    for (ULONG i = 0; i < count; ++i) {
        ensure_wait_list(objects[i]);
        InsertTailList(&objects[i]->WaitListHead, &blocks[i].link);
    }
    w.linked = true;
    waiter_unlink_guard guard{lock, w};

    for (;;) {
        if (w.satisfied) {
            return w.status;
        }
        const bool finite = timeout.what == wait_timeout::kind::until;
        const auto now = steady::now();
        if (finite && now >= timeout.deadline) {
            return STATUS_TIMEOUT;
        }
        std::function<bool()>& pump = wait_pump();
        bool (*const global_pump)() = global_wait_pump.load(std::memory_order_acquire);
        if ((pump || global_pump != nullptr) && !pumping) {
            lock.unlock();
            bool ran = false;
            {
                pumping = true;
                struct reset {
                    ~reset() { pumping = false; }
                } reset_pumping;
                ran = pump ? pump() : global_pump();
            }
            lock.lock();
            if (ran || w.satisfied) {
                continue;
            }
            const auto slice_end = now + pump_slice;
            w.wake.wait_until(lock, finite ? std::min(slice_end, timeout.deadline) : slice_end);
        } else if (finite) {
            w.wake.wait_until(lock, timeout.deadline);
        } else {
            w.wake.wait(lock);
        }
    }
}

void set_global_wait_pump(bool (*pump)()) noexcept { global_wait_pump.store(pump, std::memory_order_release); }

std::function<bool()>& wait_pump() noexcept {
    thread_local std::function<bool()> hook;
    return hook;
}

void check_wait_irql(const LARGE_INTEGER* timeout, const char* function, void* return_address) {
    const KIRQL irql = current_irql();
    const bool poll = timeout != nullptr && timeout->QuadPart == 0;
    if (irql <= APC_LEVEL || (poll && irql == DISPATCH_LEVEL)) {
        return;
    }
    auto details = verifier::with_parameters(0, irql, 0, reinterpret_cast<ULONG_PTR>(return_address));
    verifier::report(verifier::rule::irql_function_maximum, function, nullptr,
                     fmt::format("{} at IRQL {} with {}: waits must be at IRQL <= APC_LEVEL, or a zero timeout at "
                                 "DISPATCH_LEVEL",
                                 function, irql,
                                 timeout == nullptr ? "no timeout"
                                 : poll             ? "a zero timeout"
                                                    : "a timeout"),
                     details);
}

}  // namespace wskemu::kernel
