/* Entry point of the request builder test driver, for the allocation-failure
 * sweep tests. */
#ifndef WSKEMU_TEST_REQUEST_BUILDER_DRIVER_H
#define WSKEMU_TEST_REQUEST_BUILDER_DRIVER_H

#include <ntddk.h>

EXTERN_C_START

/* Builds a request as a network driver does before sending it: a context
 * block from pool, an IRP, a payload buffer from pool described by an MDL, and
 * a second MDL for a trailer chained to it; then tears everything down.
 * Returns STATUS_INSUFFICIENT_RESOURCES when an allocation fails, releasing
 * what it got so far. With LeakIrpOnMdlFailure set, the error path of the
 * first MDL allocation forgets the IRP (the kind of bug the sweep finds). */
NTSTATUS RequestBuilderRun(ULONG PayloadLength, BOOLEAN LeakIrpOnMdlFailure);

EXTERN_C_END

#endif
