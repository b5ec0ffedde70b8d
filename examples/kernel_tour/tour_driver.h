/* The kernel tour driver's entry points, called by the demo host. */
#ifndef WSKEMU_EXAMPLE_TOUR_DRIVER_H
#define WSKEMU_EXAMPLE_TOUR_DRIVER_H

#include <ntddk.h>

EXTERN_C_START
/* Starts the lower device's worker thread. */
NTSTATUS TourStart(void);
/* Sends Count writes of growing size down the device stack, cancels one on
 * purpose, and returns how many completed as expected. */
ULONG TourRun(ULONG Count);
/* Stops the worker thread and waits for it. */
VOID TourStop(void);
EXTERN_C_END

#endif
