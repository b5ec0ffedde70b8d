/* Pins, in C11, the widths and x64 offsets of the WDM fields that drivers
 * touch; tests/kernel/wdm_layout_test.cpp checks the same in C++. A failure
 * here is a compile error. */
#include <ntddk.h>

#include "wdm_layout_driver.h"

C_ASSERT(sizeof(CHAR) == 1);
C_ASSERT(sizeof(UCHAR) == 1);
C_ASSERT(sizeof(BOOLEAN) == 1);
C_ASSERT(sizeof(SHORT) == 2);
C_ASSERT(sizeof(USHORT) == 2);
C_ASSERT(sizeof(CSHORT) == 2);
C_ASSERT(sizeof(LONG) == 4);
C_ASSERT(sizeof(ULONG) == 4);
C_ASSERT(sizeof(NTSTATUS) == 4);
C_ASSERT(sizeof(LONGLONG) == 8);
C_ASSERT(sizeof(ULONG64) == 8);
C_ASSERT(sizeof(SIZE_T) == sizeof(void *));
C_ASSERT(sizeof(ULONG_PTR) == sizeof(void *));
C_ASSERT(sizeof(KSPIN_LOCK) == sizeof(void *));
C_ASSERT(sizeof(KIRQL) == 1);
C_ASSERT(sizeof(LARGE_INTEGER) == 8);
C_ASSERT(sizeof(LIST_ENTRY) == 16);
C_ASSERT(sizeof(UNICODE_STRING) == 16);
C_ASSERT(FIELD_OFFSET(UNICODE_STRING, Buffer) == 8);
C_ASSERT(sizeof(GUID) == 16);
C_ASSERT(sizeof(IO_STATUS_BLOCK) == 16);
C_ASSERT(FIELD_OFFSET(IO_STATUS_BLOCK, Information) == 8);

C_ASSERT(sizeof(IRP) == 0xD0);
C_ASSERT(FIELD_OFFSET(IRP, Type) == 0x00);
C_ASSERT(FIELD_OFFSET(IRP, Size) == 0x02);
C_ASSERT(FIELD_OFFSET(IRP, MdlAddress) == 0x08);
C_ASSERT(FIELD_OFFSET(IRP, Flags) == 0x10);
C_ASSERT(FIELD_OFFSET(IRP, AssociatedIrp) == 0x18);
C_ASSERT(FIELD_OFFSET(IRP, ThreadListEntry) == 0x20);
C_ASSERT(FIELD_OFFSET(IRP, IoStatus) == 0x30);
C_ASSERT(FIELD_OFFSET(IRP, RequestorMode) == 0x40);
C_ASSERT(FIELD_OFFSET(IRP, PendingReturned) == 0x41);
C_ASSERT(FIELD_OFFSET(IRP, StackCount) == 0x42);
C_ASSERT(FIELD_OFFSET(IRP, CurrentLocation) == 0x43);
C_ASSERT(FIELD_OFFSET(IRP, Cancel) == 0x44);
C_ASSERT(FIELD_OFFSET(IRP, CancelIrql) == 0x45);
C_ASSERT(FIELD_OFFSET(IRP, ApcEnvironment) == 0x46);
C_ASSERT(FIELD_OFFSET(IRP, AllocationFlags) == 0x47);
C_ASSERT(FIELD_OFFSET(IRP, UserIosb) == 0x48);
C_ASSERT(FIELD_OFFSET(IRP, UserEvent) == 0x50);
C_ASSERT(FIELD_OFFSET(IRP, Overlay) == 0x58);
C_ASSERT(FIELD_OFFSET(IRP, CancelRoutine) == 0x68);
C_ASSERT(FIELD_OFFSET(IRP, UserBuffer) == 0x70);
C_ASSERT(FIELD_OFFSET(IRP, Tail.Overlay.DriverContext) == 0x78);
C_ASSERT(FIELD_OFFSET(IRP, Tail.Overlay.Thread) == 0x98);
C_ASSERT(FIELD_OFFSET(IRP, Tail.Overlay.AuxiliaryBuffer) == 0xA0);
C_ASSERT(FIELD_OFFSET(IRP, Tail.Overlay.ListEntry) == 0xA8);
C_ASSERT(FIELD_OFFSET(IRP, Tail.Overlay.CurrentStackLocation) == 0xB8);
C_ASSERT(FIELD_OFFSET(IRP, Tail.Overlay.OriginalFileObject) == 0xC0);
C_ASSERT(sizeof(KAPC) == 0x58);

C_ASSERT(sizeof(IO_STACK_LOCATION) == 0x48);
C_ASSERT(FIELD_OFFSET(IO_STACK_LOCATION, Control) == 3);
C_ASSERT(FIELD_OFFSET(IO_STACK_LOCATION, Parameters) == 8);
C_ASSERT(FIELD_OFFSET(IO_STACK_LOCATION, Parameters.DeviceIoControl.InputBufferLength) == 0x10);
C_ASSERT(FIELD_OFFSET(IO_STACK_LOCATION, Parameters.DeviceIoControl.IoControlCode) == 0x18);
C_ASSERT(FIELD_OFFSET(IO_STACK_LOCATION, Parameters.DeviceIoControl.Type3InputBuffer) == 0x20);
C_ASSERT(FIELD_OFFSET(IO_STACK_LOCATION, DeviceObject) == 0x28);
C_ASSERT(FIELD_OFFSET(IO_STACK_LOCATION, FileObject) == 0x30);
C_ASSERT(FIELD_OFFSET(IO_STACK_LOCATION, CompletionRoutine) == 0x38);
C_ASSERT(FIELD_OFFSET(IO_STACK_LOCATION, Context) == 0x40);

C_ASSERT(sizeof(MDL) == 0x30);
C_ASSERT(FIELD_OFFSET(MDL, Next) == 0x00);
C_ASSERT(FIELD_OFFSET(MDL, Size) == 0x08);
C_ASSERT(FIELD_OFFSET(MDL, MdlFlags) == 0x0A);
C_ASSERT(FIELD_OFFSET(MDL, Process) == 0x10);
C_ASSERT(FIELD_OFFSET(MDL, MappedSystemVa) == 0x18);
C_ASSERT(FIELD_OFFSET(MDL, StartVa) == 0x20);
C_ASSERT(FIELD_OFFSET(MDL, ByteCount) == 0x28);
C_ASSERT(FIELD_OFFSET(MDL, ByteOffset) == 0x2C);

C_ASSERT(sizeof(KEVENT) == 24);
C_ASSERT(sizeof(DISPATCHER_HEADER) == 24);
C_ASSERT(sizeof(KDPC) == 0x40);
C_ASSERT(sizeof(FAST_MUTEX) == 0x38);
C_ASSERT(sizeof(SLIST_HEADER) == 16);
C_ASSERT(FIELD_OFFSET(DRIVER_OBJECT, MajorFunction) == 0x70);
C_ASSERT(FIELD_OFFSET(DRIVER_OBJECT, DriverUnload) == 0x68);
C_ASSERT(FIELD_OFFSET(DEVICE_OBJECT, DeviceExtension) == 0x40);

/* Reads the fields the way driver code does, so the test can check them. */
ULONG WdmLayoutDriverReadIrp(PIRP Irp) {
    ULONG checksum = 0;
    checksum += (ULONG)Irp->Type;
    checksum += (ULONG)Irp->StackCount * 10;
    checksum += (ULONG)Irp->CurrentLocation * 100;
    checksum += (ULONG)(Irp->Tail.Overlay.CurrentStackLocation == IoGetCurrentIrpStackLocation(Irp)) * 1000;
    checksum += (ULONG)(IoGetNextIrpStackLocation(Irp) == (PIO_STACK_LOCATION)(Irp + 1) + Irp->StackCount - 1) * 10000;
    return checksum;
}
