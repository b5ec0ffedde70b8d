/* A driver without DriverUnload: it cannot be unloaded and keeps its pool. */
#include <ntddk.h>

static PVOID Settings;

DRIVER_INITIALIZE DriverEntry;

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    Settings = ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, 'tteS');
    return Settings != NULL ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}
