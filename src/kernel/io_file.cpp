// wskemu: file objects: open (IRP_MJ_CREATE), handle close (IRP_MJ_CLEANUP),
// last reference (IRP_MJ_CLOSE), and IoGetDeviceObjectPointer.
#include "io_file.hpp"

#include "io_device.hpp"
#include "io_request.hpp"
#include "log.hpp"
#include "ob_object.hpp"

#include <new>
#include <string>

namespace {

// The block behind a FILE_OBJECT: the object, the buffer of its FileName, and
// whether the driver accepted the open (and so is owed an IRP_MJ_CLOSE).
struct file_block {
    FILE_OBJECT file;
    std::wstring name;
    bool opened = false;
};

// Sends an IRP_MJ_CLEANUP or IRP_MJ_CLOSE, whose status the I/O manager ignores.
void send_file_request(UCHAR major_function, PFILE_OBJECT file) {
    PIRP irp = wskemu::kernel::build_file_irp(major_function, file->DeviceObject, file);
    if (irp == nullptr) {
        wskemu::kernel::log().error("no memory for the {} IRP of file object {}",
                                    major_function == IRP_MJ_CLOSE ? "IRP_MJ_CLOSE" : "IRP_MJ_CLEANUP",
                                    static_cast<void*>(file));
        return;
    }
    wskemu::kernel::send_synchronous_request(irp, file->DeviceObject);
}

void delete_file(void* body) {
    auto* block = static_cast<file_block*>(body);
    PDEVICE_OBJECT device = block->file.DeviceObject;
    if (block->opened) {
        send_file_request(IRP_MJ_CLOSE, &block->file);
    }
    delete block;
    wskemu::kernel::release_device_reference(device);
}

_OBJECT_TYPE file_type{"File", &delete_file};
POBJECT_TYPE file_type_pointer = &file_type;

}  // namespace

extern "C" {
POBJECT_TYPE* IoFileObjectType = &file_type_pointer;
}

namespace wskemu::kernel {

NTSTATUS open_file(std::wstring_view name, ACCESS_MASK desired_access, KPROCESSOR_MODE requestor_mode,
                   PFILE_OBJECT* file) {
    *file = nullptr;
    named_device found;
    NTSTATUS status = reference_device_by_name(name, found);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    auto* block = new (std::nothrow) file_block{};
    if (block == nullptr) {
        release_device_reference(found.device);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    block->name = std::move(found.remaining_name);
    PFILE_OBJECT f = &block->file;
    f->Type = IO_TYPE_FILE;
    f->Size = sizeof(FILE_OBJECT);
    f->DeviceObject = found.device;
    f->Flags = FO_SYNCHRONOUS_IO;
    f->ReadAccess = TRUE;
    f->WriteAccess = TRUE;
    f->SharedRead = TRUE;
    f->SharedWrite = TRUE;
    f->FileName.Buffer = block->name.data();
    f->FileName.Length = static_cast<USHORT>(block->name.size() * sizeof(WCHAR));
    f->FileName.MaximumLength = f->FileName.Length;
    KeInitializeEvent(&f->Lock, SynchronizationEvent, FALSE);
    KeInitializeEvent(&f->Event, NotificationEvent, FALSE);
    KeInitializeSpinLock(&f->IrpListLock);
    InitializeListHead(&f->IrpList);
    insert_object(f, &file_type, 1);

    PIRP irp = build_file_irp(IRP_MJ_CREATE, found.device, f);
    if (irp == nullptr) {
        dereference_object(f);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    irp->RequestorMode = requestor_mode;
    IO_SECURITY_CONTEXT security{};
    security.DesiredAccess = desired_access;
    security.FullCreateOptions = FILE_SYNCHRONOUS_IO_NONALERT | FILE_NON_DIRECTORY_FILE;
    PIO_STACK_LOCATION location = IoGetNextIrpStackLocation(irp);
    location->Parameters.Create.SecurityContext = &security;
    location->Parameters.Create.Options = (static_cast<ULONG>(FILE_OPEN) << 24) | security.FullCreateOptions;
    location->Parameters.Create.ShareAccess = FILE_SHARE_READ | FILE_SHARE_WRITE;
    status = send_synchronous_request(irp, found.device).status;
    if (!NT_SUCCESS(status)) {
        dereference_object(f);  // no IRP_MJ_CLOSE for an open the driver refused
        return status;
    }
    block->opened = true;
    f->Flags |= FO_HANDLE_CREATED;
    *file = f;
    return status;
}

void close_file_handle(PFILE_OBJECT file) {
    send_file_request(IRP_MJ_CLEANUP, file);
    file->Flags |= FO_CLEANUP_COMPLETE;
    dereference_object(file);
}

}  // namespace wskemu::kernel

/* IoGetDeviceObjectPointer (ntoskrnl): the handle it opens internally is
 * closed before it returns, so the driver sees IRP_MJ_CREATE then
 * IRP_MJ_CLEANUP now, and IRP_MJ_CLOSE at the caller's last
 * ObDereferenceObject(*FileObject). */
extern "C" NTSTATUS NTAPI IoGetDeviceObjectPointer(PUNICODE_STRING ObjectName, ACCESS_MASK DesiredAccess,
                                                   PFILE_OBJECT* FileObject, PDEVICE_OBJECT* DeviceObject) {
    if (ObjectName == nullptr || FileObject == nullptr || DeviceObject == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    PFILE_OBJECT file = nullptr;
    const NTSTATUS status =
        wskemu::kernel::open_file(std::wstring_view(ObjectName->Buffer, ObjectName->Length / sizeof(WCHAR)),
                                  DesiredAccess, KernelMode, &file);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    wskemu::kernel::reference_object(file);
    wskemu::kernel::close_file_handle(file);
    *FileObject = file;
    *DeviceObject = file->DeviceObject;
    return STATUS_SUCCESS;
}
