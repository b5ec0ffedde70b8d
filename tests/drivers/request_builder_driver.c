/* A test driver that allocates several kernel objects with an error path for
 * each, in the style of a network driver building a request. */
#include "request_builder_driver.h"

#define REQUEST_TAG 'qeRT'

typedef struct _REQUEST_CONTEXT {
    PIRP Irp;
    PUCHAR Payload;
    PMDL PayloadMdl;
    PMDL TrailerMdl;
    UCHAR Trailer[16];
} REQUEST_CONTEXT, *PREQUEST_CONTEXT;

static VOID RequestFree(PREQUEST_CONTEXT Context) {
    if (Context->TrailerMdl != NULL) {
        IoFreeMdl(Context->TrailerMdl);
    }
    if (Context->PayloadMdl != NULL) {
        IoFreeMdl(Context->PayloadMdl);
    }
    if (Context->Payload != NULL) {
        ExFreePoolWithTag(Context->Payload, REQUEST_TAG);
    }
    if (Context->Irp != NULL) {
        IoFreeIrp(Context->Irp);
    }
    ExFreePoolWithTag(Context, REQUEST_TAG);
}

NTSTATUS RequestBuilderRun(ULONG PayloadLength, BOOLEAN LeakIrpOnMdlFailure) {
    PREQUEST_CONTEXT context;
    ULONG i;

    context = (PREQUEST_CONTEXT)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(REQUEST_CONTEXT), REQUEST_TAG);
    if (context == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    context->Irp = IoAllocateIrp(1, FALSE);
    if (context->Irp == NULL) {
        RequestFree(context);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    context->Payload = (PUCHAR)ExAllocatePool2(POOL_FLAG_NON_PAGED, PayloadLength, REQUEST_TAG);
    if (context->Payload == NULL) {
        RequestFree(context);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    for (i = 0; i < PayloadLength; ++i) {
        context->Payload[i] = (UCHAR)i;
    }
    context->PayloadMdl = IoAllocateMdl(context->Payload, PayloadLength, FALSE, FALSE, NULL);
    if (context->PayloadMdl == NULL) {
        if (LeakIrpOnMdlFailure) {
            context->Irp = NULL; /* the bug: the IRP is forgotten, not freed */
        }
        RequestFree(context);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    MmBuildMdlForNonPagedPool(context->PayloadMdl);
    context->TrailerMdl = IoAllocateMdl(context->Trailer, sizeof(context->Trailer), TRUE, FALSE, NULL);
    if (context->TrailerMdl == NULL) {
        RequestFree(context);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    MmBuildMdlForNonPagedPool(context->TrailerMdl);
    context->PayloadMdl->Next = context->TrailerMdl;
    context->PayloadMdl->Next = NULL; /* unchained before the MDLs are freed one by one */
    RequestFree(context);
    return STATUS_SUCCESS;
}
