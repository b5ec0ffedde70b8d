/* A driver module built outside the wskemu tree with wskemu_add_driver and
 * run by the installed host program. */
#include <ntddk.h>

static PVOID Block;

static DRIVER_UNLOAD ConsumerUnload;
static VOID NTAPI ConsumerUnload(PDRIVER_OBJECT DriverObject) {
    UNREFERENCED_PARAMETER(DriverObject);
    ExFreePoolWithTag(Block, 'snoC');
    DbgPrint("consumer driver: unloaded\n");
}

DRIVER_INITIALIZE DriverEntry;

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    DbgPrint("consumer driver: DriverEntry for %wZ\n", RegistryPath);
    Block = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, 'snoC');
    DriverObject->DriverUnload = ConsumerUnload;
    return Block != NULL ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}
