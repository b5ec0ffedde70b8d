/* wskemu: driver annotations (the WDK's driverspecs.h), no-ops like the rest
 * of SAL. The general SAL annotations come from <sal.h>: wskemu's no-op one
 * (include/wdk/non_msvc) with GCC and Clang, MSVC's own with MSVC. */
#ifndef WSKEMU_DRIVERSPECS_H
#define WSKEMU_DRIVERSPECS_H

#include <sal.h>

/* Kernel resources, dispatch routines, callbacks */
#define _Kernel_float_saved_
#define _Kernel_float_restored_
#define _Kernel_float_used_
#define _Kernel_clear_do_init_(y)
#define _Kernel_requires_resource_held_(r)
#define _Kernel_requires_resource_not_held_(r)
#define _Kernel_acquires_resource_(r)
#define _Kernel_releases_resource_(r)
#define _Dispatch_type_(t)
#ifndef _Callback_
#define _Callback_
#endif

/* IRQL */
#define _IRQL_requires_(i)
#define _IRQL_requires_max_(i)
#define _IRQL_requires_min_(i)
#define _IRQL_requires_same_
#define _IRQL_raises_(i)
#define _IRQL_saves_
#define _IRQL_restores_
#define _IRQL_saves_global_(k, p)
#define _IRQL_restores_global_(k, p)
#define _IRQL_always_function_min_(i)
#define _IRQL_always_function_max_(i)
#define _IRQL_uses_cancel_
#define _IRQL_is_cancel_
#define _IRQL_requires_lock_held_(l)
#define __drv_aliasesMem
#define __drv_allocatesMem(k)
#define __drv_freesMem(k)
#define __drv_when(c, a)
#define __drv_maxIRQL(i)
#define __drv_minIRQL(i)
#define __drv_setsIRQL(i)
#define __drv_savesIRQL
#define __drv_restoresIRQL
#define __drv_savesIRQLGlobal(k, p)
#define __drv_restoresIRQLGlobal(k, p)
#define __drv_requiresIRQL(i)
#define __drv_dispatchType(t)
#define __drv_functionClass(c)
#define __drv_sameIRQL
#define __drv_useCancelIRQL
#define __drv_isCancelIRQL
#define __drv_reportError(m)
#define __drv_strictType(t, m)
#define __drv_strictTypeMatch(m)
#define __drv_preferredFunction(f, r)
#define __drv_valueIs(v)
#define __drv_arg(e, a)
#define __drv_in(a)
#define __drv_out(a)
#define __drv_inTry
#define __drv_notPointer
#define __drv_isObjectPointer

#endif /* WSKEMU_DRIVERSPECS_H */
