/* The send loop driver's control interface: its device, IOCTL codes and
 * structures, as a user-mode program would include them. */
#ifndef WSKEMU_EXAMPLE_SEND_LOOP_H
#define WSKEMU_EXAMPLE_SEND_LOOP_H

#include <ntddk.h>
#include <wsk.h>

#define SEND_LOOP_DEVICE_NAME L"\\Device\\WskemuSendLoop"
#define SEND_LOOP_LINK_NAME L"\\DosDevices\\WskemuSendLoop"

/* Every message is this long: a 64-bit little-endian sequence number, from
 * 0, then bytes (UCHAR)(sequence + i) for i from 8. */
#define SEND_LOOP_MESSAGE_SIZE 1024

/* Input: the peer, a SOCKADDR_IN or SOCKADDR_IN6. Starts a system thread that
 * connects to it with WskSocketConnect and sends messages with WskSend until
 * stopped. STATUS_DEVICE_BUSY if a loop runs; STATUS_INVALID_PARAMETER for
 * any other input. (0x00222400) */
#define IOCTL_SEND_LOOP_START CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)
/* Output: SEND_LOOP_STATS. Stops the loop (a send in progress gets 2 s,
 * then is cancelled), closes its socket and waits for its thread.
 * STATUS_INVALID_DEVICE_STATE if no loop was started. (0x00222404) */
#define IOCTL_SEND_LOOP_STOP CTL_CODE(FILE_DEVICE_UNKNOWN, 0x901, METHOD_BUFFERED, FILE_ANY_ACCESS)
/* Output: SEND_LOOP_STATS, while the loop runs or after. (0x00222408) */
#define IOCTL_SEND_LOOP_QUERY CTL_CODE(FILE_DEVICE_UNKNOWN, 0x902, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef struct _SEND_LOOP_STATS {
    ULONGLONG BytesSent;
    ULONG Sends;
    ULONG Running;       /* 1 while the loop runs */
    NTSTATUS LastStatus; /* STATUS_PENDING while it runs; then STATUS_SUCCESS if
                            stopped, or the failure that ended it */
    ULONG Reserved;
} SEND_LOOP_STATS;

#endif
