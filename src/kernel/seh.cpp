// wskemu: the structured exception substitute (see include/wdk/wdm_parts/seh.h).
#include "seh.hpp"

#include <wdm.h>

#include <csetjmp>
#include <exception>

#include "log.hpp"

// The C frame, as seh.h declares it for C code only.
extern "C" {
struct wskemu_seh_frame {
    std::jmp_buf jump;
    wskemu_seh_frame* previous;
    NTSTATUS code;
    int phase;
    int raised;
    int handled;
};
}


namespace {

thread_local wskemu_seh_frame* top_frame = nullptr;
thread_local std::exception_ptr* stashed_exception = nullptr;

// A frame above the raising code's own stack position belongs to a caller;
// one below it belongs to a function that has returned (stacks grow down on
// every platform wskemu runs on).
void drop_dead_frames(const void* raising_stack_position) {
    while (top_frame != nullptr && static_cast<const void*>(top_frame) < raising_stack_position) {
        top_frame = top_frame->previous;
    }
}

[[noreturn]] void deliver(NTSTATUS code) {
    volatile char stack_marker = 0;
    drop_dead_frames(const_cast<const char*>(&stack_marker));
    wskemu_seh_frame* frame = top_frame;
    if (frame != nullptr) {
        frame->code = code;
        frame->raised = 1;
        std::longjmp(frame->jump, 1);
    }
    throw wskemu::seh_exception{code};
}

}  // namespace

namespace wskemu::kernel {

void raise_structured_exception(NTSTATUS code) {
    log().debug("raising exception {:#010x}", static_cast<unsigned>(code));
    deliver(code);
}

}  // namespace wskemu::kernel

extern "C" int wskemu_seh_step(wskemu_seh_frame* frame) {
    switch (frame->phase) {
    case 0:
        frame->phase = 1;
        frame->previous = top_frame;
        top_frame = frame;
        return 1;
    case 1:
        // The __try block ended, by falling off its end, __leave, or a raise.
        if (top_frame == frame) {
            top_frame = frame->previous;
        }
        frame->phase = 2;
        return 1;
    case 2:
        frame->phase = 3;
        if (frame->raised && !frame->handled) {
            // A __finally ran during unwinding, or the filter declined: the
            // exception goes on to the next frame out.
            deliver(frame->code);
        }
        return 0;
    default:
        return 0;
    }
}

extern "C" int wskemu_seh_filter(wskemu_seh_frame* frame, int verdict) {
    // EXCEPTION_CONTINUE_EXECUTION cannot resume after a longjmp; it runs the handler.
    frame->handled = verdict != EXCEPTION_CONTINUE_SEARCH;
    return frame->handled;
}

extern "C" int wskemu_seh_finally(wskemu_seh_frame* frame) {
    (void)frame;
    return 1;
}

namespace wskemu::detail {

void seh_stash_current_exception() {
    // Handed to the guard constructed right after the catch block.
    static thread_local std::exception_ptr slot;
    slot = std::current_exception();
    stashed_exception = &slot;
}

seh_finally_guard::seh_finally_guard() : pending_(nullptr) {
    if (stashed_exception != nullptr && *stashed_exception) {
        pending_ = new std::exception_ptr(std::move(*stashed_exception));
        *stashed_exception = nullptr;
    }
    stashed_exception = nullptr;
}

seh_finally_guard::~seh_finally_guard() noexcept(false) {
    if (pending_ == nullptr) {
        return;
    }
    std::exception_ptr pending = std::move(*static_cast<std::exception_ptr*>(pending_));
    delete static_cast<std::exception_ptr*>(pending_);
    if (std::uncaught_exceptions() == 0) {
        std::rethrow_exception(pending);
    }
}

}  // namespace wskemu::detail

/* ExRaiseStatus (ntoskrnl) */
extern "C" VOID NTAPI ExRaiseStatus(NTSTATUS Status) { wskemu::kernel::raise_structured_exception(Status); }
