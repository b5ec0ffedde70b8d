/* An HTTP/1.1 client written as a WSK driver: WskGetAddressInfo turns a host
 * name into addresses, WskSocketConnect tries them in turn, WskSend sends a
 * GET, WskReceive reads the response until its Content-Length, its last
 * chunk, or the server's close (the parsing is in http_response.c). The synchronous pattern throughout (one IRP reused with
 * IoReuseIrp, a KEVENT set by a completion routine that returns
 * STATUS_MORE_PROCESSING_REQUIRED), each wait bounded by a timeout that
 * cancels the call with IoCancelIrp, and every path out releasing what it
 * took. It includes only WDK headers and builds against the WDK as it is. */
#include <ntddk.h>
#include <ntstrsafe.h>
#include <wsk.h>

#include "http_client_driver.h"
#include "http_response.h"

#define HTTP_TAG 'pttH'
#define HTTP_CHUNK 4096          /* bytes one WskReceive asks for */
#define HTTP_REQUEST_MAX 1024    /* the request line and headers we send */
#define HTTP_HEADERS_MAX 16384   /* a response whose headers run longer is refused */

static const WSK_CLIENT_DISPATCH HttpClientDispatch = {MAKE_WSK_VERSION(1, 0), 0, NULL};

/* One GET: the provider, the IRP every call reuses, and the response so far. */
typedef struct _HTTP_GET {
    WSK_PROVIDER_NPI Provider;
    PIRP Irp;
    KEVENT Done;
    ULONG TimeoutMs;
    PWSK_SOCKET Socket;
    PUCHAR Chunk; /* the receive buffer, described by ChunkMdl */
    PMDL ChunkMdl;
    PUCHAR Data;  /* the response received so far: Length bytes of Capacity */
    SIZE_T Length;
    SIZE_T Capacity;
} HTTP_GET, *PHTTP_GET;

/* ---- the synchronous pattern --------------------------------------------- */

static IO_COMPLETION_ROUTINE HttpSignal;
static NTSTATUS NTAPI HttpSignal(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context) {
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED; /* the IRP is ours to reuse */
}

/* Readies the IRP for the next call. */
static PIRP HttpPrepare(PHTTP_GET Get) {
    KeClearEvent(&Get->Done);
    IoReuseIrp(Get->Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(Get->Irp, HttpSignal, &Get->Done, TRUE, TRUE, TRUE);
    return Get->Irp;
}

/* Waits for a call that pended, at most the GET's timeout when Bounded. A
 * call still pending then is cancelled and waited for: STATUS_IO_TIMEOUT if
 * the cancel took it, its own result if that came first. */
static NTSTATUS HttpFinish(PHTTP_GET Get, PCSTR Call, NTSTATUS Status, BOOLEAN Bounded) {
    BOOLEAN timedOut = FALSE;
    if (Status == STATUS_PENDING) {
        LARGE_INTEGER timeout;
        timeout.QuadPart = -(LONGLONG)Get->TimeoutMs * 10000;
        if (KeWaitForSingleObject(&Get->Done, Executive, KernelMode, FALSE,
                                  Bounded && Get->TimeoutMs != 0 ? &timeout : NULL) == STATUS_TIMEOUT) {
            IoCancelIrp(Get->Irp);
            KeWaitForSingleObject(&Get->Done, Executive, KernelMode, FALSE, NULL);
            timedOut = TRUE;
        }
        Status = Get->Irp->IoStatus.Status;
        if (timedOut && Status == STATUS_CANCELLED) {
            Status = STATUS_IO_TIMEOUT;
        }
    }
    DbgPrint("http: %-18s -> 0x%08lX, Information %Iu%s\n", Call, (ULONG)Status, Get->Irp->IoStatus.Information,
             timedOut ? " (timed out)" : "");
    return Status;
}

/* ---- the steps of a GET -------------------------------------------------- */

/* Appends Count bytes of the chunk to the response, growing it by doubling. */
static NTSTATUS HttpAppend(PHTTP_GET Get, SIZE_T Count) {
    if (Count > HTTP_CLIENT_MAX_RESPONSE - Get->Length) {
        return STATUS_BUFFER_OVERFLOW;
    }
    if (Get->Length + Count > Get->Capacity) {
        SIZE_T capacity = Get->Capacity == 0 ? HTTP_CHUNK : Get->Capacity * 2;
        PUCHAR data;
        while (capacity < Get->Length + Count) {
            capacity *= 2;
        }
        if (capacity > HTTP_CLIENT_MAX_RESPONSE) {
            capacity = HTTP_CLIENT_MAX_RESPONSE;
        }
        data = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, capacity, HTTP_TAG);
        if (data == NULL) {
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        if (Get->Data != NULL) {
            RtlCopyMemory(data, Get->Data, Get->Length);
            ExFreePoolWithTag(Get->Data, HTTP_TAG);
        }
        Get->Data = data;
        Get->Capacity = capacity;
    }
    RtlCopyMemory(Get->Data + Get->Length, Get->Chunk, Count);
    Get->Length += Count;
    return STATUS_SUCCESS;
}

/* Host's addresses for Port, of Family, as TCP endpoints. */
static NTSTATUS HttpResolve(PHTTP_GET Get, PUNICODE_STRING Host, PUNICODE_STRING Port, ADDRESS_FAMILY Family,
                            PADDRINFOEXW *Addresses) {
    ADDRINFOEXW hints;
    NTSTATUS status;
    RtlZeroMemory(&hints, sizeof(hints));
    hints.ai_family = Family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    status = Get->Provider.Dispatch->WskGetAddressInfo(Get->Provider.Client, Host, Port, NS_ALL, NULL, &hints,
                                                       Addresses, NULL, NULL, HttpPrepare(Get));
    return HttpFinish(Get, "WskGetAddressInfo", status, TRUE);
}

/* Connects to the first address that accepts; the last failure if none does. */
static NTSTATUS HttpConnect(PHTTP_GET Get, PADDRINFOEXW Addresses, PUSHORT PortInNetworkOrder) {
    NTSTATUS status = STATUS_NOT_FOUND;
    PADDRINFOEXW address;
    for (address = Addresses; address != NULL; address = address->ai_next) {
        SOCKADDR_STORAGE local;
        if (address->ai_family != AF_INET && address->ai_family != AF_INET6) {
            continue;
        }
        RtlZeroMemory(&local, sizeof(local));
        local.ss_family = (ADDRESS_FAMILY)address->ai_family; /* the wildcard address, any port */
        status = Get->Provider.Dispatch->WskSocketConnect(Get->Provider.Client, SOCK_STREAM, IPPROTO_TCP,
                                                          (PSOCKADDR)&local, address->ai_addr, 0, NULL, NULL, NULL,
                                                          NULL, NULL, HttpPrepare(Get));
        status = HttpFinish(Get, "WskSocketConnect", status, TRUE);
        if (NT_SUCCESS(status)) {
            Get->Socket = (PWSK_SOCKET)Get->Irp->IoStatus.Information;
            /* sin_port and sin6_port sit at the same offset */
            *PortInNetworkOrder = ((PSOCKADDR_IN)address->ai_addr)->sin_port;
            return status;
        }
    }
    return status;
}

/* Sends "GET Path HTTP/1.1" with Host, User-Agent, Accept and Connection: close. */
static NTSTATUS HttpSendRequest(PHTTP_GET Get, PUNICODE_STRING Host, PCSTR Path, USHORT PortInNetworkOrder) {
    PCHAR request;
    PMDL mdl;
    size_t length = 0;
    WSK_BUF buffer;
    NTSTATUS status;
    BOOLEAN literal6 = FALSE;
    USHORT i;
    for (i = 0; i < Host->Length / sizeof(WCHAR); i++) {
        literal6 = literal6 || Host->Buffer[i] == L':'; /* an IPv6 literal goes in brackets */
    }
    request = (PCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, HTTP_REQUEST_MAX, HTTP_TAG);
    if (request == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    status = RtlStringCbPrintfA(request, HTTP_REQUEST_MAX,
                                "GET %s HTTP/1.1\r\nHost: %s%wZ%s:%u\r\nUser-Agent: wskemu-http-client/1.0\r\n"
                                "Accept: */*\r\nConnection: close\r\n\r\n",
                                Path, literal6 ? "[" : "", Host, literal6 ? "]" : "",
                                (ULONG)RtlUshortByteSwap(PortInNetworkOrder));
    if (NT_SUCCESS(status)) {
        status = RtlStringCbLengthA(request, HTTP_REQUEST_MAX, &length);
    }
    if (!NT_SUCCESS(status)) {
        ExFreePoolWithTag(request, HTTP_TAG);
        return STATUS_INVALID_PARAMETER; /* a host name or path too long for the request */
    }
    mdl = IoAllocateMdl(request, (ULONG)length, FALSE, FALSE, NULL);
    if (mdl == NULL) {
        ExFreePoolWithTag(request, HTTP_TAG);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    MmBuildMdlForNonPagedPool(mdl);
    buffer.Mdl = mdl;
    buffer.Offset = 0;
    buffer.Length = length;
    status = ((PWSK_PROVIDER_CONNECTION_DISPATCH)Get->Socket->Dispatch)->WskSend(Get->Socket, &buffer, 0,
                                                                                 HttpPrepare(Get));
    status = HttpFinish(Get, "WskSend", status, TRUE);
    if (NT_SUCCESS(status) && Get->Irp->IoStatus.Information != length) {
        status = STATUS_UNSUCCESSFUL; /* a stream send completes whole or fails */
    }
    IoFreeMdl(mdl);
    ExFreePoolWithTag(request, HTTP_TAG);
    return status;
}

/* Whether the body after the head (HeadLength bytes) is all in; then where it
 * starts and its length, decoded in place when chunked. */
static NTSTATUS HttpBodyComplete(PHTTP_GET Get, SIZE_T HeadLength, const HTTP_HEAD *Head, PBOOLEAN Complete,
                                 PSIZE_T BodyLength) {
    const SIZE_T received = Get->Length - HeadLength;
    NTSTATUS status;
    switch (Head->Framing) {
    case HttpFramingLength:
        if (Head->ContentLength > HTTP_CLIENT_MAX_RESPONSE - HeadLength) {
            return STATUS_BUFFER_OVERFLOW;
        }
        *Complete = received >= Head->ContentLength; /* bytes past the body are ignored */
        *BodyLength = (SIZE_T)Head->ContentLength;
        return STATUS_SUCCESS;
    case HttpFramingChunked:
        status = HttpDechunk(Get->Data + HeadLength, received, HTTP_CLIENT_MAX_RESPONSE - HeadLength, FALSE,
                             Complete, BodyLength);
        if (NT_SUCCESS(status) && *Complete) {
            status = HttpDechunk(Get->Data + HeadLength, received, HTTP_CLIENT_MAX_RESPONSE - HeadLength, TRUE,
                                 Complete, BodyLength);
        }
        return status;
    default:
        *Complete = FALSE; /* until the server closes */
        *BodyLength = received;
        return STATUS_SUCCESS;
    }
}

/* Receives until the response is complete; its status code, where the body
 * starts and its length. Interim (1xx) responses before it are skipped. */
static NTSTATUS HttpReceiveResponse(PHTTP_GET Get, PULONG StatusCode, PSIZE_T BodyStart, PSIZE_T BodyLength) {
    PWSK_PROVIDER_CONNECTION_DISPATCH dispatch = (PWSK_PROVIDER_CONNECTION_DISPATCH)Get->Socket->Dispatch;
    SIZE_T headLength = 0;
    HTTP_HEAD head;
    BOOLEAN complete = FALSE;
    NTSTATUS status;
    RtlZeroMemory(&head, sizeof(head));
    while (!complete) {
        WSK_BUF buffer;
        SIZE_T received;
        buffer.Mdl = Get->ChunkMdl;
        buffer.Offset = 0;
        buffer.Length = HTTP_CHUNK;
        status = dispatch->WskReceive(Get->Socket, &buffer, 0, HttpPrepare(Get));
        status = HttpFinish(Get, "WskReceive", status, TRUE);
        if (!NT_SUCCESS(status)) {
            return status;
        }
        received = Get->Irp->IoStatus.Information;
        if (received == 0) { /* the server closed its side */
            if (headLength != 0 && head.Framing == HttpFramingClose) {
                *BodyLength = Get->Length - headLength; /* the body ends at the close */
                break;
            }
            DbgPrint("http: the server closed after %Iu bytes, before the response was complete\n", Get->Length);
            return STATUS_CONNECTION_DISCONNECTED;
        }
        status = HttpAppend(Get, received);
        if (!NT_SUCCESS(status)) {
            return status;
        }
        while (headLength == 0) {
            headLength = HttpHeadLength(Get->Data, Get->Length);
            if (headLength == 0) {
                if (Get->Length > HTTP_HEADERS_MAX) {
                    return STATUS_INVALID_NETWORK_RESPONSE;
                }
                break; /* the head is still arriving */
            }
            status = HttpParseHead(Get->Data, headLength, &head);
            if (!NT_SUCCESS(status)) {
                return status;
            }
            if (head.StatusCode < 200) { /* 100 Continue, 103 Early Hints, ...: the final response follows */
                RtlMoveMemory(Get->Data, Get->Data + headLength, Get->Length - headLength);
                Get->Length -= headLength;
                headLength = 0;
            }
        }
        if (headLength != 0) {
            status = HttpBodyComplete(Get, headLength, &head, &complete, BodyLength);
            if (!NT_SUCCESS(status)) {
                return status;
            }
        }
    }
    *StatusCode = head.StatusCode;
    *BodyStart = headLength;
    return STATUS_SUCCESS;
}

/* A graceful close after a complete response, an abortive one otherwise. */
static VOID HttpClose(PHTTP_GET Get, BOOLEAN Graceful) {
    NTSTATUS status;
    if (Graceful) {
        status = ((PWSK_PROVIDER_CONNECTION_DISPATCH)Get->Socket->Dispatch)->WskDisconnect(Get->Socket, NULL, 0,
                                                                                          HttpPrepare(Get));
        HttpFinish(Get, "WskDisconnect", status, TRUE);
    }
    status = ((PWSK_PROVIDER_BASIC_DISPATCH)Get->Socket->Dispatch)->WskCloseSocket(Get->Socket, HttpPrepare(Get));
    HttpFinish(Get, "WskCloseSocket", status, FALSE);
    Get->Socket = NULL;
}

static BOOLEAN HttpValidPath(PCSTR Path) {
    SIZE_T i;
    if (Path == NULL || Path[0] != '/') {
        return FALSE;
    }
    for (i = 0; Path[i] != '\0'; i++) {
        if ((UCHAR)Path[i] <= ' ' || (UCHAR)Path[i] == 0x7F) {
            return FALSE;
        }
    }
    return TRUE;
}

/* ---- the entry points ---------------------------------------------------- */

NTSTATUS HttpClientGet(PUNICODE_STRING Host, PUNICODE_STRING Port, PCSTR Path, ADDRESS_FAMILY Family,
                       ULONG TimeoutMs, PHTTP_RESPONSE Response) {
    WSK_CLIENT_NPI clientNpi;
    WSK_REGISTRATION registration;
    HTTP_GET get;
    PADDRINFOEXW addresses = NULL;
    USHORT port = 0;
    ULONG statusCode = 0;
    SIZE_T bodyStart = 0;
    SIZE_T bodyLength = 0;
    NTSTATUS status;

    RtlZeroMemory(Response, sizeof(*Response));
    if (Host == NULL || Host->Length == 0 || Port == NULL || Port->Length == 0 || !HttpValidPath(Path) ||
        (Family != AF_UNSPEC && Family != AF_INET && Family != AF_INET6)) {
        return STATUS_INVALID_PARAMETER;
    }
    RtlZeroMemory(&get, sizeof(get));
    get.TimeoutMs = TimeoutMs;
    KeInitializeEvent(&get.Done, NotificationEvent, FALSE);

    clientNpi.ClientContext = NULL;
    clientNpi.Dispatch = &HttpClientDispatch;
    status = WskRegister(&clientNpi, &registration);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = WskCaptureProviderNPI(&registration, WSK_INFINITE_WAIT, &get.Provider);
    if (!NT_SUCCESS(status)) {
        WskDeregister(&registration);
        return status;
    }
    get.Irp = IoAllocateIrp(1, FALSE);
    get.Chunk = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, HTTP_CHUNK, HTTP_TAG);
    get.ChunkMdl = get.Chunk != NULL ? IoAllocateMdl(get.Chunk, HTTP_CHUNK, FALSE, FALSE, NULL) : NULL;
    if (get.Irp == NULL || get.ChunkMdl == NULL) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        goto Release;
    }
    MmBuildMdlForNonPagedPool(get.ChunkMdl);

    DbgPrint("http: GET %s from %wZ port %wZ\n", Path, Host, Port);
    status = HttpResolve(&get, Host, Port, Family, &addresses);
    if (!NT_SUCCESS(status)) {
        goto Release;
    }
    status = HttpConnect(&get, addresses, &port);
    get.Provider.Dispatch->WskFreeAddressInfo(get.Provider.Client, addresses);
    if (!NT_SUCCESS(status)) {
        goto Release;
    }
    status = HttpSendRequest(&get, Host, Path, port);
    if (NT_SUCCESS(status)) {
        status = HttpReceiveResponse(&get, &statusCode, &bodyStart, &bodyLength);
    }
    HttpClose(&get, NT_SUCCESS(status));
    if (NT_SUCCESS(status)) {
        DbgPrint("http: status %lu, %Iu bytes of body\n", statusCode, bodyLength);
        Response->StatusCode = statusCode;
        Response->BodyLength = bodyLength;
        if (bodyLength != 0) {
            RtlMoveMemory(get.Data, get.Data + bodyStart, bodyLength); /* the body, at the start of the block */
            Response->Body = get.Data;
            get.Data = NULL;
        }
    }

Release:
    if (get.Data != NULL) {
        ExFreePoolWithTag(get.Data, HTTP_TAG);
    }
    if (get.ChunkMdl != NULL) {
        IoFreeMdl(get.ChunkMdl);
    }
    if (get.Chunk != NULL) {
        ExFreePoolWithTag(get.Chunk, HTTP_TAG);
    }
    if (get.Irp != NULL) {
        IoFreeIrp(get.Irp);
    }
    WskReleaseProviderNPI(&registration);
    WskDeregister(&registration);
    if (!NT_SUCCESS(status)) {
        DbgPrint("http: GET %s failed with 0x%08lX\n", Path, (ULONG)status);
    }
    return status;
}

VOID HttpClientFreeResponse(PHTTP_RESPONSE Response) {
    if (Response->Body != NULL) {
        ExFreePoolWithTag(Response->Body, HTTP_TAG);
    }
    RtlZeroMemory(Response, sizeof(*Response));
}
