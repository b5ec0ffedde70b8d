// wskemu: I/O work items. Routines run at PASSIVE_LEVEL on a small worker
// pool (two threads, started on first use, joined at process exit), or, in
// the runtime's deterministic mode, on the driving thread: all queuing goes
// through post_work() (work_queue.hpp).
#include <wdm.h>

#include "bug_check.hpp"
#include "irql.hpp"
#include "log.hpp"
#include "work_queue.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

// The work item: the WDK leaves its layout private.
struct _IO_WORKITEM {
    PVOID io_object;  // the DEVICE_OBJECT (or driver object) passed in; never dereferenced
    PIO_WORKITEM_ROUTINE routine;
    PIO_WORKITEM_ROUTINE_EX routine_ex;
    PVOID context;
    std::atomic<bool> queued;
};

namespace wskemu::kernel {

namespace {

constexpr std::size_t worker_count = 2;
// How long process exit waits for a worker stuck in a routine before
// detaching it.
constexpr auto exit_grace = std::chrono::seconds(2);

class worker_pool {
public:
    worker_pool() {
        for (std::size_t i = 0; i < worker_count; ++i) {
            workers_.emplace_back([this] { run(); });
        }
    }
    worker_pool(const worker_pool&) = delete;
    worker_pool& operator=(const worker_pool&) = delete;

    /// Stops the workers: queued items are dropped, running ones finish.
    void shutdown() {
        std::unique_lock lock(lock_);
        stopping_ = true;
        if (!queue_.empty()) {
            log().warn("process exit: {} queued work item(s) will not run", queue_.size());
            queue_.clear();
        }
        ready_.notify_all();
        const bool all_exited =
            exited_cv_.wait_for(lock, exit_grace, [this] { return exited_ == workers_.size(); });
        lock.unlock();
        for (auto& worker : workers_) {
            if (all_exited) {
                worker.join();
            } else {
                // A routine is still running (blocked on something that will
                // never come): leave it rather than hang the exit.
                worker.detach();
            }
        }
        if (!all_exited) {
            log().warn("process exit: a work item routine is still running; its worker thread was detached");
        }
    }

    void post(std::function<void()> task) {
        std::lock_guard lock(lock_);
        if (stopping_) {
            log().warn("a work item queued during process exit will not run");
            return;
        }
        queue_.push_back(std::move(task));
        ready_.notify_one();
    }

private:
    void run() {
        std::unique_lock lock(lock_);
        for (;;) {
            ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) {
                break;
            }
            auto task = std::move(queue_.front());
            queue_.pop_front();
            lock.unlock();
            task();
            lock.lock();
        }
        ++exited_;
        exited_cv_.notify_all();
    }

    std::mutex lock_;
    std::condition_variable ready_;
    std::condition_variable exited_cv_;
    std::deque<std::function<void()>> queue_;
    std::vector<std::thread> workers_;
    std::size_t exited_ = 0;
    bool stopping_ = false;
};

// Joins the pool at process exit. The pool itself is leaked, so that a
// worker detached because its routine never returns keeps valid state.
struct pool_shutdown {
    worker_pool* pool;
    ~pool_shutdown() { pool->shutdown(); }
};

std::atomic<bool (*)(std::function<void()>&)> work_router{nullptr};

}  // namespace

void set_work_router(bool (*router)(std::function<void()>& task)) noexcept {
    work_router.store(router, std::memory_order_release);
}

void post_work(std::function<void()> task) {
    if (auto* router = work_router.load(std::memory_order_acquire); router != nullptr && router(task)) {
        return;
    }
    static worker_pool* const pool = new worker_pool;
    static pool_shutdown shutdown{pool};
    pool->post(std::move(task));
}

namespace {

void run_work_item(PIO_WORKITEM item) {
    // Copy out first: the routine may free the item (the usual pattern) or
    // queue it again.
    const auto routine = item->routine;
    const auto routine_ex = item->routine_ex;
    PVOID const io_object = item->io_object;
    PVOID const context = item->context;
    item->queued.store(false, std::memory_order_release);
    irql_scope at_passive(PASSIVE_LEVEL, "a work item routine");
    if (routine_ex != nullptr) {
        routine_ex(io_object, context, item);
    } else {
        routine(static_cast<PDEVICE_OBJECT>(io_object), context);
    }
}

void queue_work_item(PIO_WORKITEM item, PIO_WORKITEM_ROUTINE routine, PIO_WORKITEM_ROUTINE_EX routine_ex,
                     PVOID context, const char* function) {
    if (const KIRQL irql = current_irql(); irql > DISPATCH_LEVEL) {
        raise_bug_check(IRQL_NOT_LESS_OR_EQUAL, 0, irql, 0, 0,
                        fmt::format("{} at IRQL {}: it must be called at IRQL <= DISPATCH_LEVEL", function, irql));
    }
    if (item->queued.exchange(true, std::memory_order_acq_rel)) {
        raise_bug_check(DRIVER_VERIFIER_DETECTED_VIOLATION, 0, reinterpret_cast<ULONG_PTR>(item), 0, 0,
                        fmt::format("{}({}): the work item is already queued", function, static_cast<void*>(item)));
    }
    item->routine = routine;
    item->routine_ex = routine_ex;
    item->context = context;
    post_work([item] { run_work_item(item); });
}

}  // namespace

}  // namespace wskemu::kernel

namespace kernel = wskemu::kernel;

/* IoAllocateWorkItem (ntoskrnl): DeviceObject is kept, never dereferenced. */
extern "C" PIO_WORKITEM NTAPI IoAllocateWorkItem(PDEVICE_OBJECT DeviceObject) {
    auto* item = new (std::nothrow) _IO_WORKITEM{};
    if (item != nullptr) {
        item->io_object = DeviceObject;
    }
    return item;
}

/* IoFreeWorkItem (ntoskrnl): freeing a queued item is a driver bug; freeing
 * it from inside its own routine is fine. */
extern "C" VOID NTAPI IoFreeWorkItem(PIO_WORKITEM IoWorkItem) {
    if (IoWorkItem->queued.load(std::memory_order_acquire)) {
        kernel::raise_bug_check(DRIVER_VERIFIER_DETECTED_VIOLATION, 0, reinterpret_cast<ULONG_PTR>(IoWorkItem), 0, 0,
                                fmt::format("IoFreeWorkItem({}): the work item is still queued",
                                            static_cast<void*>(IoWorkItem)));
    }
    delete IoWorkItem;
}

/* IoQueueWorkItem (ntoskrnl): QueueType is ignored (one pool). */
extern "C" VOID NTAPI IoQueueWorkItem(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE WorkerRoutine,
                                      WORK_QUEUE_TYPE QueueType, PVOID Context) {
    (void)QueueType;
    kernel::queue_work_item(IoWorkItem, WorkerRoutine, nullptr, Context, "IoQueueWorkItem");
}

/* IoQueueWorkItemEx (ntoskrnl) */
extern "C" VOID NTAPI IoQueueWorkItemEx(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE_EX WorkerRoutine,
                                        WORK_QUEUE_TYPE QueueType, PVOID Context) {
    (void)QueueType;
    kernel::queue_work_item(IoWorkItem, nullptr, WorkerRoutine, Context, "IoQueueWorkItemEx");
}

/* IoSizeofWorkItem (ntoskrnl) */
extern "C" ULONG NTAPI IoSizeofWorkItem(void) { return static_cast<ULONG>(sizeof(_IO_WORKITEM)); }
