/* A driver whose DriverUnload forgets a pool block and an IRP. */
#include <ntddk.h>

static PVOID Block;
static PIRP Irp;

static DRIVER_UNLOAD LeakyUnload;
static VOID NTAPI LeakyUnload(PDRIVER_OBJECT DriverObject) {
    UNREFERENCED_PARAMETER(DriverObject);
}

DRIVER_INITIALIZE DriverEntry;

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    UNREFERENCED_PARAMETER(RegistryPath);
    Block = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, 'kaeL');
    Irp = IoAllocateIrp(1, FALSE);
    DriverObject->DriverUnload = LeakyUnload;
    return Block != NULL && Irp != NULL ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}
