/* wskemu: a substitute for structured exception handling (__try, __except,
 * __finally, __leave), which GCC and Clang do not compile. Exceptions come
 * only from the emulated kernel: ExRaiseStatus, MmProbeAndLockPages,
 * ProbeForRead/ProbeForWrite, and injected faults. Hardware faults (a NULL
 * dereference) are not turned into exceptions; they crash as sanitizers see
 * them. Limits (docs/porting.md):
 *  - C: setjmp-based. Leave a __try block by falling off its end or __leave;
 *    leaving it with return, goto or break skips the bookkeeping (a later
 *    raise then ignores that stale frame). Locals changed inside __try and
 *    read in __except must be volatile, as with setjmp. A filter that returns
 *    EXCEPTION_CONTINUE_EXECUTION is treated as EXCEPTION_EXECUTE_HANDLER.
 *  - C++: __try is try; __except(filter) catches every wskemu exception and
 *    does not evaluate the filter; __finally runs its block and rethrows;
 *    __leave is not available (use goto).
 * Part of <wdm.h>; do not include directly. */
#ifndef WSKEMU_WDM_SEH_H
#define WSKEMU_WDM_SEH_H

#ifndef _NTDEF_
#include <ntdef.h>
#endif

#define EXCEPTION_EXECUTE_HANDLER 1
#define EXCEPTION_CONTINUE_SEARCH 0
#define EXCEPTION_CONTINUE_EXECUTION (-1)

EXTERN_C_START
NTKERNELAPI VOID NTAPI ProbeForRead(const volatile VOID *Address, SIZE_T Length, ULONG Alignment);
NTKERNELAPI VOID NTAPI ProbeForWrite(volatile VOID *Address, SIZE_T Length, ULONG Alignment);
EXTERN_C_END

#ifndef __cplusplus

#include <setjmp.h>

struct wskemu_seh_frame {
    jmp_buf jump;
    struct wskemu_seh_frame *previous;
    NTSTATUS code;
    int phase;   /* 0 not entered, 1 in __try, 2 in the handler or __finally, 3 done */
    int raised;  /* an exception reached this frame */
    int handled; /* the __except filter took it */
};

/* Advances the frame through its phases; false once the construct is done. */
int wskemu_seh_step(struct wskemu_seh_frame *frame);
/* Evaluates an __except filter's verdict; true when the handler runs. */
int wskemu_seh_filter(struct wskemu_seh_frame *frame, int verdict);
/* True when a __finally block runs (always, once). */
int wskemu_seh_finally(struct wskemu_seh_frame *frame);

/* A nested __try declares a frame that hides the outer one (on purpose:
 * GetExceptionCode names the innermost). MSVC warns about that at /W4 (C4456);
 * the warning is off from each __try to its __except or __finally. */
#if defined(_MSC_VER)
#define WSKEMU_SEH_HIDING_BEGIN __pragma(warning(push)) __pragma(warning(disable : 4456))
#define WSKEMU_SEH_HIDING_END __pragma(warning(pop))
#else
#define WSKEMU_SEH_HIDING_BEGIN
#define WSKEMU_SEH_HIDING_END
#endif

#define __try                                                                                      \
    WSKEMU_SEH_HIDING_BEGIN                                                                        \
    for (struct wskemu_seh_frame wskemu_seh_frame_ = {0}; wskemu_seh_step(&wskemu_seh_frame_);)   \
        if (wskemu_seh_frame_.phase == 1)                                                          \
            if (setjmp(wskemu_seh_frame_.jump) == 0)
#define __except(filter)                                                                          \
    else {}                                                                                        \
    else if (wskemu_seh_frame_.raised && wskemu_seh_filter(&wskemu_seh_frame_, (int)(filter)))    \
        WSKEMU_SEH_HIDING_END
#define __finally                                                                                  \
    else {}                                                                                        \
    else if (wskemu_seh_finally(&wskemu_seh_frame_))                                              \
        WSKEMU_SEH_HIDING_END
#define __leave continue
#define GetExceptionCode() (wskemu_seh_frame_.code)
#define GetExceptionInformation() ((void *)0)

#else /* __cplusplus */

namespace wskemu {
/** An NTSTATUS raised by the emulated kernel into C++ driver code. */
struct seh_exception {
    NTSTATUS code;
};
namespace detail {
/** Holds the exception a __finally block interrupted and rethrows it after the block. */
class seh_finally_guard {
public:
    seh_finally_guard();
    seh_finally_guard(const seh_finally_guard &) = delete;
    seh_finally_guard &operator=(const seh_finally_guard &) = delete;
    ~seh_finally_guard() noexcept(false);

private:
    void *pending_;
};
void seh_stash_current_exception();
}  // namespace detail
}  // namespace wskemu

/* Identical to libstdc++'s own definition, so both can coexist. */
#ifndef __try
#define __try try
#endif
#define __except(filter) catch (const ::wskemu::seh_exception &wskemu_seh_e_)
#define __finally                                                                                  \
    catch (...) { ::wskemu::detail::seh_stash_current_exception(); }                              \
    if (::wskemu::detail::seh_finally_guard wskemu_seh_g_{}; true)
#define __leave static_assert(false, "__leave is not available in C++ under wskemu: use goto (docs/porting.md)")
#define GetExceptionCode() (wskemu_seh_e_.code)
#define GetExceptionInformation() (nullptr)

#endif /* __cplusplus */

#endif /* WSKEMU_WDM_SEH_H */
