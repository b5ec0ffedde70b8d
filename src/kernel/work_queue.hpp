// wskemu: how work items reach a thread: the kernel's own worker pool, or a
// router the runtime installs (its deterministic mode runs them on the
// driving thread).
#pragma once

#include <functional>

namespace wskemu::kernel {

/// Runs `task` later at PASSIVE_LEVEL, on a worker thread or through the router.
void post_work(std::function<void()> task);

/// A router returns true when it took the task (and will run it); false lets
/// the worker pool run it. nullptr: no router.
void set_work_router(bool (*router)(std::function<void()>& task)) noexcept;

}  // namespace wskemu::kernel
