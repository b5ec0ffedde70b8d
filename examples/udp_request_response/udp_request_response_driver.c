/* A UDP request/response client written as a WSK driver, the shape of a
 * DNS- or NTP-style exchange: send a request with WskSendTo, wait for the
 * answer with WskReceiveFrom under a timeout, cancel the receive with
 * IoCancelIrp and send again when none comes, drop stale answers. One IRP
 * per direction, reused with IoReuseIrp; KEVENTs set by a completion routine
 * that returns STATUS_MORE_PROCESSING_REQUIRED. It includes only WDK headers
 * and builds against the WDK as it is. */
#include <ntddk.h>
#include <wsk.h>

#include "udp_request_response_driver.h"

#define RR_TAG 'RrdU'
#define RR_MAX_QUESTION 64
#define RR_MAX_DATAGRAM (sizeof(UDP_RR_HEADER) + RR_MAX_QUESTION)

static const WSK_CLIENT_DISPATCH RrClientDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};

static IO_COMPLETION_ROUTINE RrSignal;
static NTSTATUS NTAPI RrSignal(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static VOID RrPrepare(PIRP Irp, PKEVENT Done) {
    KeClearEvent(Done);
    IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Irp, RrSignal, Done, TRUE, TRUE, TRUE);
}

/* Waits for a call that pended, at most TimeoutMs (0: no limit). On a
 * timeout the IRP is cancelled and waited for: it then completes with
 * STATUS_CANCELLED, or with its result if that came first. */
static NTSTATUS RrFinish(NTSTATUS Status, PIRP Irp, PKEVENT Done, ULONG TimeoutMs) {
    if (Status == STATUS_PENDING) {
        LARGE_INTEGER timeout;
        timeout.QuadPart = -(LONGLONG)TimeoutMs * 10000;
        if (KeWaitForSingleObject(Done, Executive, KernelMode, FALSE, TimeoutMs != 0 ? &timeout : NULL) ==
            STATUS_TIMEOUT) {
            IoCancelIrp(Irp);
            KeWaitForSingleObject(Done, Executive, KernelMode, FALSE, NULL);
        }
        Status = Irp->IoStatus.Status;
    }
    return Status;
}

/* The question of request Id: Length bytes of letters. */
static ULONG RrQuestion(ULONG Id, PUCHAR Out) {
    ULONG length = 8 + Id % (RR_MAX_QUESTION - 8);
    ULONG i;
    for (i = 0; i < length; i++) {
        Out[i] = (UCHAR)('a' + (Id + i) % 26);
    }
    return length;
}

static BOOLEAN RrSameEndpoint(const SOCKADDR *A, const SOCKADDR *B) {
    if (A->sa_family != B->sa_family) {
        return FALSE;
    }
    if (A->sa_family == AF_INET) {
        const SOCKADDR_IN *a = (const SOCKADDR_IN *)A;
        const SOCKADDR_IN *b = (const SOCKADDR_IN *)B;
        return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
    }
    return ((const SOCKADDR_IN6 *)A)->sin6_port == ((const SOCKADDR_IN6 *)B)->sin6_port &&
           RtlCompareMemory(&((const SOCKADDR_IN6 *)A)->sin6_addr, &((const SOCKADDR_IN6 *)B)->sin6_addr,
                            sizeof(IN6_ADDR)) == sizeof(IN6_ADDR);
}

NTSTATUS UdpRequestResponseRun(PSOCKADDR Server, ULONG Requests, ULONG TimeoutMs, ULONG Attempts,
                               PUDP_RR_RESULT Result) {
    WSK_CLIENT_NPI clientNpi;
    WSK_REGISTRATION registration;
    WSK_PROVIDER_NPI provider;
    SOCKADDR_STORAGE local;
    SOCKADDR_STORAGE from;
    KEVENT sent;
    KEVENT received;
    PIRP sendIrp = NULL;
    PIRP receiveIrp = NULL;
    PUCHAR request = NULL;
    PUCHAR answer = NULL;
    PMDL requestMdl = NULL;
    PMDL answerMdl = NULL;
    PWSK_SOCKET socket = NULL;
    const WSK_PROVIDER_DATAGRAM_DISPATCH *dispatch = NULL;
    NTSTATUS status;
    ULONG id;

    RtlZeroMemory(Result, sizeof(*Result));
    clientNpi.ClientContext = NULL;
    clientNpi.Dispatch = &RrClientDispatch;
    status = WskRegister(&clientNpi, &registration);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = WskCaptureProviderNPI(&registration, WSK_INFINITE_WAIT, &provider);
    if (!NT_SUCCESS(status)) {
        WskDeregister(&registration);
        return status;
    }

    KeInitializeEvent(&sent, NotificationEvent, FALSE);
    KeInitializeEvent(&received, NotificationEvent, FALSE);
    sendIrp = IoAllocateIrp(1, FALSE);
    receiveIrp = IoAllocateIrp(1, FALSE);
    request = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, RR_MAX_DATAGRAM, RR_TAG);
    answer = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, RR_MAX_DATAGRAM, RR_TAG);
    if (sendIrp == NULL || receiveIrp == NULL || request == NULL || answer == NULL) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        goto Release;
    }
    requestMdl = IoAllocateMdl(request, RR_MAX_DATAGRAM, FALSE, FALSE, NULL);
    answerMdl = IoAllocateMdl(answer, RR_MAX_DATAGRAM, FALSE, FALSE, NULL);
    if (requestMdl == NULL || answerMdl == NULL) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        goto Release;
    }
    MmBuildMdlForNonPagedPool(requestMdl);
    MmBuildMdlForNonPagedPool(answerMdl);

    RrPrepare(sendIrp, &sent);
    status = RrFinish(provider.Dispatch->WskSocket(provider.Client, Server->sa_family, SOCK_DGRAM, IPPROTO_UDP,
                                                   WSK_FLAG_DATAGRAM_SOCKET, NULL, NULL, NULL, NULL, NULL, sendIrp),
                      sendIrp, &sent, 0);
    DbgPrint("rr: WskSocket      -> 0x%08lX\n", (ULONG)status);
    if (!NT_SUCCESS(status)) {
        goto Release;
    }
    socket = (PWSK_SOCKET)sendIrp->IoStatus.Information;
    dispatch = (const WSK_PROVIDER_DATAGRAM_DISPATCH *)socket->Dispatch;

    RtlZeroMemory(&local, sizeof(local));
    local.ss_family = Server->sa_family; /* the wildcard address, any port */
    RrPrepare(sendIrp, &sent);
    status = RrFinish(dispatch->WskBind(socket, (PSOCKADDR)&local, 0, sendIrp), sendIrp, &sent, 0);
    DbgPrint("rr: WskBind        -> 0x%08lX\n", (ULONG)status);
    if (!NT_SUCCESS(status)) {
        goto Close;
    }

    for (id = 1; id <= Requests && NT_SUCCESS(status); id++) {
        PUDP_RR_HEADER header = (PUDP_RR_HEADER)request;
        ULONG length = RrQuestion(id, request + sizeof(UDP_RR_HEADER));
        ULONG attempt = 0;
        BOOLEAN answered = FALSE;
        WSK_BUF buffer;
        header->Id = RtlUlongByteSwap(id);
        header->Length = RtlUlongByteSwap(length);
        while (!answered && NT_SUCCESS(status)) {
            if (attempt == Attempts) {
                DbgPrint("rr: request %lu unanswered after %lu tries\n", id, attempt);
                status = STATUS_IO_TIMEOUT;
                break;
            }
            if (attempt++ > 0) {
                DbgPrint("rr: request %lu: no answer within %lu ms, sending it again\n", id, TimeoutMs);
                Result->Retries++;
            }
            buffer.Mdl = requestMdl;
            buffer.Offset = 0;
            buffer.Length = sizeof(UDP_RR_HEADER) + length;
            RrPrepare(sendIrp, &sent);
            status = RrFinish(dispatch->WskSendTo(socket, &buffer, 0, Server, 0, NULL, sendIrp), sendIrp, &sent, 0);
            if (!NT_SUCCESS(status)) {
                DbgPrint("rr: WskSendTo      -> 0x%08lX\n", (ULONG)status);
                break;
            }
            /* Answers until ours, or until the wait runs out (then send again). */
            for (;;) {
                const UDP_RR_HEADER *reply = (const UDP_RR_HEADER *)answer;
                ULONG i;
                BOOLEAN reversed = TRUE;
                buffer.Mdl = answerMdl;
                buffer.Length = RR_MAX_DATAGRAM;
                RrPrepare(receiveIrp, &received);
                status = RrFinish(dispatch->WskReceiveFrom(socket, &buffer, 0, (PSOCKADDR)&from, NULL, NULL, NULL,
                                                           receiveIrp),
                                  receiveIrp, &received, TimeoutMs);
                if (status == STATUS_CANCELLED) {
                    status = STATUS_SUCCESS;
                    break; /* timed out: send again */
                }
                if (!NT_SUCCESS(status)) {
                    DbgPrint("rr: WskReceiveFrom -> 0x%08lX\n", (ULONG)status);
                    break;
                }
                if (!RrSameEndpoint((PSOCKADDR)&from, Server) ||
                    receiveIrp->IoStatus.Information < sizeof(UDP_RR_HEADER) || RtlUlongByteSwap(reply->Id) != id) {
                    Result->Stale++; /* a stranger's, or the answer to an earlier try */
                    continue;
                }
                if (RtlUlongByteSwap(reply->Length) != length ||
                    receiveIrp->IoStatus.Information != sizeof(UDP_RR_HEADER) + length) {
                    status = STATUS_DATA_ERROR;
                    break;
                }
                for (i = 0; i < length; i++) {
                    if (answer[sizeof(UDP_RR_HEADER) + i] != request[sizeof(UDP_RR_HEADER) + length - 1 - i]) {
                        reversed = FALSE;
                    }
                }
                if (!reversed) {
                    DbgPrint("rr: the answer to request %lu is wrong\n", id);
                    status = STATUS_DATA_ERROR;
                    break;
                }
                answered = TRUE;
                Result->Answered++;
                break;
            }
        }
    }
    DbgPrint("rr: %lu answered, %lu retries, %lu stale answers dropped\n", Result->Answered, Result->Retries,
             Result->Stale);

Close:
    {
        NTSTATUS closeStatus;
        RrPrepare(sendIrp, &sent);
        closeStatus = RrFinish(dispatch->WskCloseSocket(socket, sendIrp), sendIrp, &sent, 0);
        DbgPrint("rr: WskCloseSocket -> 0x%08lX\n", (ULONG)closeStatus);
        if (NT_SUCCESS(status) && !NT_SUCCESS(closeStatus)) {
            status = closeStatus;
        }
    }

Release:
    if (answerMdl != NULL) {
        IoFreeMdl(answerMdl);
    }
    if (requestMdl != NULL) {
        IoFreeMdl(requestMdl);
    }
    if (answer != NULL) {
        ExFreePoolWithTag(answer, RR_TAG);
    }
    if (request != NULL) {
        ExFreePoolWithTag(request, RR_TAG);
    }
    if (receiveIrp != NULL) {
        IoFreeIrp(receiveIrp);
    }
    if (sendIrp != NULL) {
        IoFreeIrp(sendIrp);
    }
    WskReleaseProviderNPI(&registration);
    WskDeregister(&registration);
    return status;
}
