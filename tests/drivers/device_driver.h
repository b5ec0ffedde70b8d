/* Entry points of the control-device test driver. */
#ifndef WSKEMU_TEST_DEVICE_DRIVER_H
#define WSKEMU_TEST_DEVICE_DRIVER_H
#include <ntddk.h>
EXTERN_C_START
NTSTATUS NTAPI DeviceDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
VOID NTAPI DeviceDriverUnload(PDRIVER_OBJECT DriverObject);
EXTERN_C_END
#endif
