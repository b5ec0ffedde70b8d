/* Entry point of the pageable-code test driver. */
#ifndef WSKEMU_TEST_PAGED_DRIVER_H
#define WSKEMU_TEST_PAGED_DRIVER_H
#include <ntddk.h>
EXTERN_C_START
ULONG PagedDriverRoutine(ULONG Value);
EXTERN_C_END
#endif
