/* wskemu: the WDK's wdm.h: the kernel API that WSK clients use, emulated in
 * user mode. Driver code includes <wdm.h> or <ntddk.h> exactly as with the WDK.
 * The declarations live in wdm_parts/, one file per kernel subsystem. */
#ifndef _WDMDDK_
#define _WDMDDK_
#define _WDM_INCLUDED_

#include <ntdef.h>
#include <ntstatus.h>

#include "wdm_parts/ke_types.h"
#include "wdm_parts/io_types.h"
#include "wdm_parts/debug.h"
#include "wdm_parts/ke.h"
#include "wdm_parts/ex.h"
#include "wdm_parts/io.h"
#include "wdm_parts/mm.h"
#include "wdm_parts/rtl.h"
#include "wdm_parts/seh.h"

#endif /* _WDMDDK_ */
