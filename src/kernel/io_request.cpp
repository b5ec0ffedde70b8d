// wskemu: IRPs the I/O manager builds and finishes for a caller: buffers by
// transfer method, IoBuildDeviceIoControlRequest, and synchronous requests
// with the dispatch routine's pending rules checked.
#include "io_request.hpp"

#include <wskemu/status.hpp>

#include "bug_check.hpp"
#include "caller_address.hpp"
#include "ex_pool.hpp"
#include "ps_thread.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace wskemu::kernel {

namespace {

constexpr ULONG system_buffer_tag = 0x42536F49;  // 'IoSB'

// The stack location the I/O manager filled for the first driver.
PIO_STACK_LOCATION first_location(PIRP irp) {
    return reinterpret_cast<PIO_STACK_LOCATION>(irp + 1) + (irp->StackCount - 1);
}

[[noreturn]] void report_bad_buffer(PDEVICE_OBJECT device, ULONG code, const char* which, ULONG length) {
    raise_bug_check(DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x09, reinterpret_cast<ULONG_PTR>(device), code,
                    static_cast<ULONG_PTR>(static_cast<ULONG>(STATUS_ACCESS_VIOLATION)),
                    fmt::format("IoBuildDeviceIoControlRequest: IOCTL {:#010x} for device {} has a NULL {} buffer "
                                "of {} bytes",
                                code, static_cast<void*>(device), which, length));
}

// The system buffer of METHOD_BUFFERED (input and output share it) and of the
// input side of the direct methods. Not zeroed, as on Windows: output bytes
// the driver does not write read as 0xCD.
bool attach_system_buffer(PIRP irp, PVOID input, ULONG input_length, ULONG size) {
    if (size == 0) {
        return true;
    }
    void* buffer = tracked_allocate(block_kind::pool, size, system_buffer_tag, false, WSKEMU_CALLER());
    if (buffer == nullptr) {
        return false;
    }
    if (input_length != 0) {
        std::memcpy(buffer, input, input_length);
    }
    irp->AssociatedIrp.SystemBuffer = buffer;
    irp->Flags |= IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER;
    return true;
}

const char* major_function_name(UCHAR major_function) {
    switch (major_function) {
    case IRP_MJ_CREATE: return "IRP_MJ_CREATE";
    case IRP_MJ_CLEANUP: return "IRP_MJ_CLEANUP";
    case IRP_MJ_CLOSE: return "IRP_MJ_CLOSE";
    case IRP_MJ_DEVICE_CONTROL: return "IRP_MJ_DEVICE_CONTROL";
    case IRP_MJ_INTERNAL_DEVICE_CONTROL: return "IRP_MJ_INTERNAL_DEVICE_CONTROL";
    default: return "IRP_MJ_?";
    }
}

// Wakes the thread that issued a synchronous request; stands where Windows
// queues the completion APC to that thread.
struct issuer_record {
    KEVENT completed;
};

VOID NTAPI wake_issuer(PVOID context, PIO_STATUS_BLOCK status, ULONG reserved) {
    (void)status;
    (void)reserved;
    KeSetEvent(&static_cast<issuer_record*>(context)->completed, IO_NO_INCREMENT, FALSE);
}

NTSTATUS wait_for(issuer_record& record, std::optional<std::chrono::milliseconds> timeout) {
    LARGE_INTEGER relative;
    if (timeout) {
        relative.QuadPart = -10'000LL * timeout->count();
    }
    return KeWaitForSingleObject(&record.completed, Executive, KernelMode, FALSE, timeout ? &relative : nullptr);
}

}  // namespace

buffered_overrun release_irp_buffers(PIRP irp) {
    buffered_overrun overrun;
    if ((irp->Flags & IRP_BUFFERED_IO) && irp->AssociatedIrp.SystemBuffer != nullptr) {
        // Success and warning statuses (STATUS_BUFFER_OVERFLOW) return data;
        // errors return none.
        if ((irp->Flags & IRP_INPUT_OPERATION) && !NT_ERROR(irp->IoStatus.Status) && irp->UserBuffer != nullptr) {
            const ULONG output_length = first_location(irp)->Parameters.DeviceIoControl.OutputBufferLength;
            const ULONG_PTR bytes = irp->IoStatus.Information;
            std::memcpy(irp->UserBuffer, irp->AssociatedIrp.SystemBuffer, std::min<ULONG_PTR>(bytes, output_length));
            if (bytes > output_length) {
                overrun = {irp, bytes, output_length};
            }
        }
        if (irp->Flags & IRP_DEALLOCATE_BUFFER) {
            tracked_free(irp->AssociatedIrp.SystemBuffer, block_kind::pool, system_buffer_tag, true,
                         "IoCompleteRequest");
        }
        irp->AssociatedIrp.SystemBuffer = nullptr;
        irp->Flags &= ~(IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | IRP_INPUT_OPERATION);
    }
    PMDL mdl = irp->MdlAddress;
    irp->MdlAddress = nullptr;
    while (mdl != nullptr) {
        PMDL next = mdl->Next;
        if (mdl->MdlFlags & MDL_PAGES_LOCKED) {
            MmUnlockPages(mdl);
        }
        IoFreeMdl(mdl);
        mdl = next;
    }
    return overrun;
}

void report_overrun(const buffered_overrun& overrun) {
    if (!overrun) {
        return;
    }
    // Windows copies all of it, past the end of the caller's buffer.
    raise_bug_check(DRIVER_VERIFIER_DETECTED_VIOLATION, 0x1003, reinterpret_cast<ULONG_PTR>(overrun.irp),
                    overrun.information, overrun.output_length,
                    fmt::format("IoCompleteRequest: METHOD_BUFFERED IRP {} completed with Information {} larger "
                                "than its OutputBufferLength {}",
                                overrun.irp, overrun.information, overrun.output_length));
}

bool hand_irp_to_issuer(PIRP irp) {
    auto& parameters = irp->Overlay.AsynchronousParameters;
    if (parameters.UserApcRoutine != &wake_issuer) {
        return false;
    }
    // The issuer may free the IRP as soon as it wakes: touch nothing after.
    wake_issuer(parameters.UserApcContext, &irp->IoStatus, 0);
    return true;
}

PIRP build_device_control_irp(ULONG code, PDEVICE_OBJECT device, PVOID input, ULONG input_length, PVOID output,
                              ULONG output_length, bool internal, KPROCESSOR_MODE requestor_mode) {
    const ULONG method = METHOD_FROM_CTL_CODE(code);
    if (input == nullptr && input_length != 0) {
        report_bad_buffer(device, code, "input", input_length);
    }
    if (output == nullptr && output_length != 0) {
        report_bad_buffer(device, code, "output", output_length);
    }
    PIRP irp = IoAllocateIrp(device->StackSize, FALSE);
    if (irp == nullptr) {
        return nullptr;
    }
    irp->RequestorMode = requestor_mode;
    irp->Tail.Overlay.Thread = current_thread();
    PIO_STACK_LOCATION location = IoGetNextIrpStackLocation(irp);
    location->MajorFunction = internal ? IRP_MJ_INTERNAL_DEVICE_CONTROL : IRP_MJ_DEVICE_CONTROL;
    location->Parameters.DeviceIoControl.IoControlCode = code;
    location->Parameters.DeviceIoControl.InputBufferLength = input_length;
    location->Parameters.DeviceIoControl.OutputBufferLength = output_length;
    bool ok = true;
    switch (method) {
    case METHOD_BUFFERED:
        ok = attach_system_buffer(irp, input, input_length, std::max(input_length, output_length));
        if (output_length != 0) {
            irp->Flags |= IRP_INPUT_OPERATION;
        }
        irp->UserBuffer = output;
        break;
    case METHOD_IN_DIRECT:
    case METHOD_OUT_DIRECT:
        ok = attach_system_buffer(irp, input, input_length, input_length);
        if (ok && output_length != 0) {
            // The "output" buffer is read by the device for METHOD_IN_DIRECT.
            PMDL mdl = IoAllocateMdl(output, output_length, FALSE, FALSE, irp);
            ok = mdl != nullptr;
            if (ok) {
                MmProbeAndLockPages(mdl, requestor_mode, method == METHOD_IN_DIRECT ? IoReadAccess : IoWriteAccess);
            }
        }
        irp->UserBuffer = output;
        break;
    default:  // METHOD_NEITHER: the driver gets the caller's own addresses.
        location->Parameters.DeviceIoControl.Type3InputBuffer = input;
        irp->UserBuffer = output;
        break;
    }
    if (!ok) {
        (void)release_irp_buffers(irp);
        IoFreeIrp(irp);
        return nullptr;
    }
    return irp;
}

PIRP build_file_irp(UCHAR major_function, PDEVICE_OBJECT device, PFILE_OBJECT file) {
    PIRP irp = IoAllocateIrp(device->StackSize, FALSE);
    if (irp == nullptr) {
        return nullptr;
    }
    irp->RequestorMode = UserMode;
    irp->Tail.Overlay.Thread = current_thread();
    irp->Tail.Overlay.OriginalFileObject = file;
    irp->Flags = major_function == IRP_MJ_CREATE  ? IRP_CREATE_OPERATION
                 : major_function == IRP_MJ_CLOSE ? IRP_CLOSE_OPERATION
                                                  : 0;
    PIO_STACK_LOCATION location = IoGetNextIrpStackLocation(irp);
    location->MajorFunction = major_function;
    location->FileObject = file;
    return irp;
}

request_result send_synchronous_request(PIRP irp, PDEVICE_OBJECT device,
                                        std::optional<std::chrono::milliseconds> cancel_after) {
    issuer_record record;
    KeInitializeEvent(&record.completed, NotificationEvent, FALSE);
    irp->Flags |= IRP_SYNCHRONOUS_API;
    irp->Overlay.AsynchronousParameters.UserApcRoutine = &wake_issuer;
    irp->Overlay.AsynchronousParameters.UserApcContext = &record;
    if (IoGetNextIrpStackLocation(irp)->FileObject != nullptr) {
        irp->Tail.Overlay.OriginalFileObject = IoGetNextIrpStackLocation(irp)->FileObject;
    }
    const UCHAR major_function = IoGetNextIrpStackLocation(irp)->MajorFunction;

    const NTSTATUS returned = IoCallDriver(device, irp);
    if (returned == STATUS_PENDING) {
        if (cancel_after && wait_for(record, cancel_after) == STATUS_TIMEOUT) {
            IoCancelIrp(irp);
        }
        wait_for(record, std::nullopt);
    } else if (KeReadStateEvent(&record.completed) == 0) {
        // The driver still holds the IRP: when it completes it at last, the
        // I/O manager's usual end releases it (there is no issuer any more).
        irp->Overlay.AsynchronousParameters.UserApcRoutine = nullptr;
        irp->Overlay.AsynchronousParameters.UserApcContext = nullptr;
        raise_bug_check(DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x226, reinterpret_cast<ULONG_PTR>(irp),
                        reinterpret_cast<ULONG_PTR>(device), static_cast<ULONG_PTR>(static_cast<ULONG>(returned)),
                        fmt::format("{} dispatch routine of device {} returned {} without completing IRP {} or "
                                    "returning STATUS_PENDING",
                                    major_function_name(major_function), static_cast<void*>(device),
                                    describe_status(returned), static_cast<void*>(irp)));
    }

    // Completed: the IRP is ours again (hand_irp_to_issuer left it to us).
    const request_result result{irp->IoStatus.Status, irp->IoStatus.Information};
    const bool marked_pending = irp->PendingReturned != FALSE;
    const auto overrun = release_irp_buffers(irp);
    IoFreeIrp(irp);
    report_overrun(overrun);

    const auto report = [&](ULONG_PTR rule, const char* why) {
        raise_bug_check(DRIVER_VERIFIER_IOMANAGER_VIOLATION, rule, reinterpret_cast<ULONG_PTR>(irp),
                        reinterpret_cast<ULONG_PTR>(device), static_cast<ULONG_PTR>(static_cast<ULONG>(returned)),
                        fmt::format("{} dispatch routine of device {} returned {} for IRP {} completed with {}: {}",
                                    major_function_name(major_function), static_cast<void*>(device),
                                    describe_status(returned), static_cast<void*>(irp),
                                    describe_status(result.status), why));
    };
    if (returned == STATUS_PENDING && !marked_pending) {
        report(0x23D, "it returned STATUS_PENDING without calling IoMarkIrpPending");
    }
    if (returned != STATUS_PENDING && marked_pending) {
        report(0x23E, "it called IoMarkIrpPending but did not return STATUS_PENDING");
    }
    if (returned != STATUS_PENDING && returned != result.status) {
        report(0x224, "the status it returned differs from IoStatus.Status");
    }
    return result;
}

}  // namespace wskemu::kernel

/* IoBuildDeviceIoControlRequest (ntoskrnl) */
extern "C" PIRP NTAPI IoBuildDeviceIoControlRequest(ULONG IoControlCode, PDEVICE_OBJECT DeviceObject,
                                                    PVOID InputBuffer, ULONG InputBufferLength, PVOID OutputBuffer,
                                                    ULONG OutputBufferLength, BOOLEAN InternalDeviceIoControl,
                                                    PKEVENT Event, PIO_STATUS_BLOCK IoStatusBlock) {
    PIRP irp = wskemu::kernel::build_device_control_irp(IoControlCode, DeviceObject, InputBuffer, InputBufferLength,
                                                        OutputBuffer, OutputBufferLength,
                                                        InternalDeviceIoControl != FALSE, KernelMode);
    if (irp != nullptr) {
        irp->UserEvent = Event;
        irp->UserIosb = IoStatusBlock;
    }
    return irp;
}
