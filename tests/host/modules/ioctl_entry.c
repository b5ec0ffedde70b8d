/* The ioctl test driver (tests/drivers/ioctl_driver.c) as a module for the
 * host program: a DriverEntry export in front of it, as drivers name it. */
#include <ntddk.h>

#include "drivers/ioctl_driver.h"

DRIVER_INITIALIZE DriverEntry;

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    DbgPrint("ioctl test driver: DriverEntry for %wZ\n", RegistryPath);
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_TRACE_LEVEL, "ioctl test driver: trace detail\n");
    return IoctlDriverEntry(DriverObject, RegistryPath);
}
