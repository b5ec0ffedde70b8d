/* A C11 driver routine marked pageable, the WDK-sample way. */
#include <ntddk.h>

#include "paged_driver.h"

#ifdef ALLOC_PRAGMA
#pragma alloc_text(PAGE, PagedDriverRoutine)
#endif
#pragma alloc_text(PAGE, PagedDriverRoutine)

ULONG PagedDriverRoutine(ULONG Value) {
    PAGED_CODE();
    return Value + 1;
}
