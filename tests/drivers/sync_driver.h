/* Entry points of the synchronisation test driver, for the tests. */
#ifndef WSKEMU_TEST_SYNC_DRIVER_H
#define WSKEMU_TEST_SYNC_DRIVER_H

#include <ntddk.h>

EXTERN_C_START

typedef struct _SYNC_DRIVER_RESULT {
    LONG Total;              /* sum of all increments made under the spin lock */
    LONG WorkerRuns;         /* work item routine runs */
    KIRQL WorkerIrql;        /* IRQL seen by the work item routine */
    KIRQL ThreadIrql;        /* IRQL seen by the system thread */
    BOOLEAN WorkerOnOtherThread;
    BOOLEAN ThreadWasSystem;
} SYNC_DRIVER_RESULT, *PSYNC_DRIVER_RESULT;

/* Starts a system thread that, for each of Rounds rounds, waits for a "go"
 * event, adds Round to a total under a spin lock and queues a work item that
 * does the same and signals back. The caller (the test thread) drives the
 * rounds, then waits for the thread object and releases everything. */
NTSTATUS SyncDriverRun(ULONG Rounds, PSYNC_DRIVER_RESULT Result);

/* Starts a system thread whose routine calls PsTerminateSystemThread from a
 * nested function. Reports which markers the thread reached: *Reached gets
 * bit 0 before the call, bit 1 after it (must stay clear), bit 2 after the
 * nested call returned (must stay clear). */
NTSTATUS SyncDriverTerminateNested(PLONG Reached);

EXTERN_C_END

#endif
