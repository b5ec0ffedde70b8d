/* An echo client written as a WSK driver: the synchronous pattern most WSK
 * drivers use (one IRP, reused, a KEVENT set by a completion routine that
 * returns STATUS_MORE_PROCESSING_REQUIRED). It includes only WDK headers and
 * builds against the WDK as it is. Each call is logged with its status and
 * byte count. */
#include <ntddk.h>
#include <wsk.h>

#include "echo_client_driver.h"

#define ECHO_TAG 'ohcE'
#define ECHO_MAX_MESSAGE 4096

static const WSK_CLIENT_DISPATCH EchoClientDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};

static IO_COMPLETION_ROUTINE EchoSignal;
static NTSTATUS NTAPI EchoSignal(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* Readies the IRP for the next call. */
static VOID EchoPrepare(PIRP Irp, PKEVENT Done) {
    KeClearEvent(Done);
    IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Irp, EchoSignal, Done, TRUE, TRUE, TRUE);
}

/* Waits for a call that pended, and logs how it ended. */
static NTSTATUS EchoFinish(PCSTR Call, NTSTATUS Status, PIRP Irp, PKEVENT Done) {
    BOOLEAN pended = (Status == STATUS_PENDING);
    if (pended) {
        KeWaitForSingleObject(Done, Executive, KernelMode, FALSE, NULL);
        Status = Irp->IoStatus.Status;
    }
    DbgPrint("echo: %-14s -> 0x%08lX%s, Information %Iu\n", Call, (ULONG)Status, pended ? " (pended)" : "",
             Irp->IoStatus.Information);
    return Status;
}

NTSTATUS EchoClientRun(PSOCKADDR Remote, ULONG Messages, PSIZE_T BytesEchoed) {
    WSK_CLIENT_NPI clientNpi;
    WSK_REGISTRATION registration;
    WSK_PROVIDER_NPI provider;
    SOCKADDR_STORAGE local;
    KEVENT done;
    PIRP irp = NULL;
    PUCHAR message = NULL;
    PUCHAR reply = NULL;
    PMDL messageMdl = NULL;
    PMDL replyMdl = NULL;
    PWSK_SOCKET socket = NULL;
    PWSK_PROVIDER_CONNECTION_DISPATCH dispatch = NULL;
    NTSTATUS status;
    ULONG i;

    *BytesEchoed = 0;
    clientNpi.ClientContext = NULL;
    clientNpi.Dispatch = &EchoClientDispatch;
    status = WskRegister(&clientNpi, &registration);
    DbgPrint("echo: WskRegister    -> 0x%08lX\n", (ULONG)status);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = WskCaptureProviderNPI(&registration, WSK_INFINITE_WAIT, &provider);
    DbgPrint("echo: WskCaptureProviderNPI -> 0x%08lX\n", (ULONG)status);
    if (!NT_SUCCESS(status)) {
        WskDeregister(&registration);
        return status;
    }

    KeInitializeEvent(&done, NotificationEvent, FALSE);
    irp = IoAllocateIrp(1, FALSE);
    message = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, ECHO_MAX_MESSAGE, ECHO_TAG);
    reply = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, ECHO_MAX_MESSAGE, ECHO_TAG);
    if (irp == NULL || message == NULL || reply == NULL) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        goto Release;
    }
    messageMdl = IoAllocateMdl(message, ECHO_MAX_MESSAGE, FALSE, FALSE, NULL);
    replyMdl = IoAllocateMdl(reply, ECHO_MAX_MESSAGE, FALSE, FALSE, NULL);
    if (messageMdl == NULL || replyMdl == NULL) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        goto Release;
    }
    MmBuildMdlForNonPagedPool(messageMdl);
    MmBuildMdlForNonPagedPool(replyMdl);

    EchoPrepare(irp, &done);
    status = provider.Dispatch->WskSocket(provider.Client, Remote->sa_family, SOCK_STREAM, IPPROTO_TCP,
                                          WSK_FLAG_CONNECTION_SOCKET, NULL, NULL, NULL, NULL, NULL, irp);
    status = EchoFinish("WskSocket", status, irp, &done);
    if (!NT_SUCCESS(status)) {
        goto Release;
    }
    socket = (PWSK_SOCKET)irp->IoStatus.Information;
    dispatch = (PWSK_PROVIDER_CONNECTION_DISPATCH)socket->Dispatch;

    RtlZeroMemory(&local, sizeof(local));
    local.ss_family = Remote->sa_family; /* the wildcard address, any port */
    EchoPrepare(irp, &done);
    status = EchoFinish("WskBind", dispatch->WskBind(socket, (PSOCKADDR)&local, 0, irp), irp, &done);
    if (!NT_SUCCESS(status)) {
        goto Close;
    }
    EchoPrepare(irp, &done);
    status = EchoFinish("WskConnect", dispatch->WskConnect(socket, Remote, 0, irp), irp, &done);
    if (!NT_SUCCESS(status)) {
        goto Close;
    }

    for (i = 1; i <= Messages; i++) {
        WSK_BUF buffer;
        ULONG length = (ECHO_MAX_MESSAGE / Messages) * i;
        ULONG j;
        for (j = 0; j < length; j++) {
            message[j] = (UCHAR)(i * 31 + j);
        }
        buffer.Mdl = messageMdl;
        buffer.Offset = 0;
        buffer.Length = length;
        EchoPrepare(irp, &done);
        status = EchoFinish("WskSend", dispatch->WskSend(socket, &buffer, 0, irp), irp, &done);
        if (!NT_SUCCESS(status) || irp->IoStatus.Information != length) {
            status = NT_SUCCESS(status) ? STATUS_UNSUCCESSFUL : status;
            goto Close;
        }
        RtlFillMemory(reply, length, 0xEE);
        buffer.Mdl = replyMdl;
        EchoPrepare(irp, &done);
        status = EchoFinish("WskReceive", dispatch->WskReceive(socket, &buffer, WSK_FLAG_WAITALL, irp), irp, &done);
        if (!NT_SUCCESS(status) || irp->IoStatus.Information != length) {
            status = NT_SUCCESS(status) ? STATUS_UNSUCCESSFUL : status;
            goto Close;
        }
        if (RtlCompareMemory(message, reply, length) != length) {
            DbgPrint("echo: the echo of message %lu differs\n", i);
            status = STATUS_DATA_ERROR;
            goto Close;
        }
        *BytesEchoed += length;
    }
    DbgPrint("echo: %lu messages, %Iu bytes echoed byte for byte\n", Messages, *BytesEchoed);

Close:
    {
        NTSTATUS closeStatus;
        EchoPrepare(irp, &done);
        closeStatus = EchoFinish("WskCloseSocket", dispatch->WskCloseSocket(socket, irp), irp, &done);
        if (NT_SUCCESS(status) && !NT_SUCCESS(closeStatus)) {
            status = closeStatus;
        }
    }

Release:
    if (replyMdl != NULL) {
        IoFreeMdl(replyMdl);
    }
    if (messageMdl != NULL) {
        IoFreeMdl(messageMdl);
    }
    if (reply != NULL) {
        ExFreePoolWithTag(reply, ECHO_TAG);
    }
    if (message != NULL) {
        ExFreePoolWithTag(message, ECHO_TAG);
    }
    if (irp != NULL) {
        IoFreeIrp(irp);
    }
    WskReleaseProviderNPI(&registration);
    WskDeregister(&registration);
    DbgPrint("echo: WskDeregister  -> done\n");
    return status;
}
