/* A C11 test driver that creates a device (\Device\WskemuBare) and sets no
 * dispatch routine at all: every request to it gets the I/O manager's
 * default answer. */
#ifndef WSKEMU_TEST_BARE_DRIVER_H
#define WSKEMU_TEST_BARE_DRIVER_H

#include <ntddk.h>

#define BARE_DRIVER_DEVICE_NAME L"\\Device\\WskemuBare"

EXTERN_C_START
DRIVER_INITIALIZE BareDriverEntry;
EXTERN_C_END

#endif
