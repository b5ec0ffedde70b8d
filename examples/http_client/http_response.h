/* Parsing an HTTP/1.1 response as it arrives: the status line and headers,
 * then a body framed by Content-Length, by chunked transfer coding, or by
 * the server's close (RFC 9112 sections 4, 6 and 7.1). Pure functions on
 * byte arrays; the WSK side is in http_client_driver.c. */
#ifndef WSKEMU_EXAMPLE_HTTP_RESPONSE_H
#define WSKEMU_EXAMPLE_HTTP_RESPONSE_H

#include <ntddk.h>

EXTERN_C_START

/* How the body of a response ends. */
typedef enum _HTTP_FRAMING {
    HttpFramingLength,  /* after ContentLength bytes (0 for 1xx, 204 and 304 responses) */
    HttpFramingChunked, /* Transfer-Encoding: chunked */
    HttpFramingClose,   /* at the server's close: neither header was given */
} HTTP_FRAMING;

typedef struct _HTTP_HEAD {
    ULONG StatusCode;
    HTTP_FRAMING Framing;
    ULONGLONG ContentLength; /* HttpFramingLength only */
} HTTP_HEAD, *PHTTP_HEAD;

/* The length of the status line and headers up to and including the blank
 * line that ends them, or 0 if Data does not hold them all yet. */
SIZE_T HttpHeadLength(const UCHAR *Data, SIZE_T Length);

/* Parses the HeadLength bytes HttpHeadLength found. STATUS_SUCCESS;
 * STATUS_INVALID_NETWORK_RESPONSE (not an HTTP/1.x status line, a bad or a
 * second, different Content-Length); STATUS_NOT_SUPPORTED (a transfer coding
 * other than chunked alone, such as gzip). Transfer-Encoding overrides
 * Content-Length, as RFC 9112 section 6.3 says. */
NTSTATUS HttpParseHead(const UCHAR *Data, SIZE_T HeadLength, PHTTP_HEAD Head);

/* Walks a chunked body, Data[0..Length): chunk-size [chunk-ext] CRLF, data
 * CRLF, ..., a last chunk of size 0, trailer lines, CRLF. *Complete says
 * whether the whole body is there; then *BodyLength is its decoded length
 * and, with Decode, the decoded body has been moved to the start of Data.
 * Without Decode, Data is left as it is (for a body still arriving).
 * STATUS_SUCCESS (complete or not); STATUS_INVALID_NETWORK_RESPONSE (bad
 * framing); STATUS_BUFFER_OVERFLOW (a chunk larger than MaxBody). */
NTSTATUS HttpDechunk(PUCHAR Data, SIZE_T Length, SIZE_T MaxBody, BOOLEAN Decode, PBOOLEAN Complete,
                     PSIZE_T BodyLength);

EXTERN_C_END

#endif
