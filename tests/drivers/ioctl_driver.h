/* A C11 test driver with a control device (\Device\WskemuIoctl, linked as
 * \DosDevices\WskemuIoctl) serving one IOCTL per transfer method, a pended
 * IOCTL completed by a system thread, a cancellable one, and its own counters. */
#ifndef WSKEMU_TEST_IOCTL_DRIVER_H
#define WSKEMU_TEST_IOCTL_DRIVER_H

#include <ntddk.h>

#define IOCTL_DRIVER_DEVICE_NAME L"\\Device\\WskemuIoctl"
#define IOCTL_DRIVER_LINK_NAME L"\\DosDevices\\WskemuIoctl"

/* METHOD_BUFFERED: the input reversed. Output must hold the input, else
 * STATUS_BUFFER_TOO_SMALL. Information = input length. */
#define IOCTL_WSKEMU_REVERSE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
/* METHOD_IN_DIRECT: compares the MDL buffer with the (buffered) input:
 * STATUS_SUCCESS if equal, else STATUS_DATA_ERROR. Information = bytes compared. */
#define IOCTL_WSKEMU_COMPARE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_IN_DIRECT, FILE_ANY_ACCESS)
/* METHOD_OUT_DIRECT: fills the MDL buffer with input[0] + i. Information = its length. */
#define IOCTL_WSKEMU_FILL CTL_CODE(FILE_DEVICE_UNKNOWN, 0x802, METHOD_OUT_DIRECT, FILE_ANY_ACCESS)
/* METHOD_NEITHER: probes the caller's buffers (user mode) and writes each
 * input byte XOR 0x20 to the output. Information = input length. */
#define IOCTL_WSKEMU_FLIP_CASE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x803, METHOD_NEITHER, FILE_ANY_ACCESS)
/* METHOD_BUFFERED, pended: a system thread completes it with each input
 * byte + 1. Information = input length. */
#define IOCTL_WSKEMU_LATER CTL_CODE(FILE_DEVICE_UNKNOWN, 0x804, METHOD_BUFFERED, FILE_ANY_ACCESS)
/* METHOD_BUFFERED, pended with a cancel routine and never completed by the
 * driver: it ends only when cancelled (STATUS_CANCELLED). */
#define IOCTL_WSKEMU_WAIT_FOR_CANCEL CTL_CODE(FILE_DEVICE_UNKNOWN, 0x805, METHOD_BUFFERED, FILE_ANY_ACCESS)
/* METHOD_BUFFERED: returns IOCTL_DRIVER_STATS. */
#define IOCTL_WSKEMU_STATS CTL_CODE(FILE_DEVICE_UNKNOWN, 0x806, METHOD_BUFFERED, FILE_ANY_ACCESS)

/* What the driver saw, as IOCTL_WSKEMU_STATS returns it. */
typedef struct _IOCTL_DRIVER_STATS {
    ULONG Creates;
    ULONG Cleanups;
    ULONG Closes;
    ULONG Pended;             /* IOCTL_WSKEMU_LATER requests queued */
    ULONG Cancelled;          /* requests its cancel routine completed */
    ULONG LastFileNameBytes;  /* FileObject->FileName.Length of the last create */
    WCHAR LastFileName[16];   /* its first characters */
    ULONG LastCreateAccess;   /* Parameters.Create.SecurityContext->DesiredAccess */
    ULONG LastRequestorMode;  /* Irp->RequestorMode of the last IOCTL */
    ULONG ParametersChecked;  /* IOCTLs whose stack location matched the method's rules */
    ULONGLONG LastFileObject; /* the FileObject of the last IOCTL */
} IOCTL_DRIVER_STATS;

EXTERN_C_START
DRIVER_INITIALIZE IoctlDriverEntry;
EXTERN_C_END

#endif
