/* A C11 test driver layered over the ioctl driver: its device
 * (\Device\WskemuForward) forwards every IOCTL to \Device\WskemuIoctl with
 * IoCallDriver and a completion routine, and asks the lower driver for its
 * counters with an IRP of its own (IoBuildDeviceIoControlRequest). */
#ifndef WSKEMU_TEST_FORWARD_DRIVER_H
#define WSKEMU_TEST_FORWARD_DRIVER_H

#include <ntddk.h>

#include "ioctl_driver.h"

#define FORWARD_DRIVER_DEVICE_NAME L"\\Device\\WskemuForward"

/* METHOD_BUFFERED: FORWARD_DRIVER_STATS, the lower driver's counters fetched
 * with a new IRP, and how many forwarded IRPs came back. */
#define IOCTL_FORWARD_STATS CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef struct _FORWARD_DRIVER_STATS {
    IOCTL_DRIVER_STATS Lower;
    ULONG Forwarded;          /* completions seen by the forwarding routine */
    ULONG PendingReturned;    /* of which had PendingReturned set */
    ULONG LowerStackSize;     /* StackSize of the lower device */
    ULONG StackSize;          /* StackSize of the forwarding device */
} FORWARD_DRIVER_STATS;

EXTERN_C_START
DRIVER_INITIALIZE ForwardDriverEntry;
EXTERN_C_END

#endif
