/* The HTTP client driver's entry point, called by the demo host and the unit test. */
#ifndef WSKEMU_EXAMPLE_HTTP_CLIENT_DRIVER_H
#define WSKEMU_EXAMPLE_HTTP_CLIENT_DRIVER_H

#include <ntddk.h>
#include <wsk.h>

EXTERN_C_START

/* The largest response accepted, status line and headers included. */
#define HTTP_CLIENT_MAX_RESPONSE (1024 * 1024)

typedef struct _HTTP_RESPONSE {
    ULONG StatusCode;  /* from the status line: 200, 404, ... */
    PUCHAR Body;       /* BodyLength bytes in nonpaged pool (NULL when empty); free with HttpClientFreeResponse */
    SIZE_T BodyLength;
} HTTP_RESPONSE, *PHTTP_RESPONSE;

/* Fetches http://Host:Port/Path with one GET (HTTP/1.1, Connection: close):
 * registers with WSK, resolves Host and Port with WskGetAddressInfo (Family:
 * AF_INET, AF_INET6, or AF_UNSPEC for every address the name has), connects
 * with WskSocketConnect to each address in turn until one accepts, sends the
 * request, receives the whole response (Content-Length bytes of body, a
 * chunked body decoded, or up to the server's close when it says neither;
 * interim 1xx responses are skipped), checks the status line, closes,
 * frees the address list and deregisters. Host is a name or an address
 * literal; Port a number or a service name. Each wait for the server lasts at
 * most TimeoutMs (0: no limit); a wait that runs out cancels the call with
 * IoCancelIrp.
 *
 * STATUS_SUCCESS: a complete response of any status code; *Response holds
 * the code and the body. Otherwise *Response is zeroed and the result says
 * why: STATUS_INVALID_PARAMETER (empty Host or Port, a Path that does not
 * start with '/' or holds spaces or control characters), STATUS_NOT_FOUND
 * (the name or service does not resolve), the connect failure of the last
 * address tried (STATUS_CONNECTION_REFUSED, ...), STATUS_IO_TIMEOUT,
 * STATUS_CONNECTION_DISCONNECTED (the server closed before the response was
 * complete), STATUS_INVALID_NETWORK_RESPONSE (not an HTTP/1.x response, or a
 * bad Content-Length or chunk), STATUS_NOT_SUPPORTED (a Transfer-Encoding
 * other than chunked, such as gzip), STATUS_BUFFER_OVERFLOW (larger than
 * HTTP_CLIENT_MAX_RESPONSE), STATUS_INSUFFICIENT_RESOURCES, or a WSK call's
 * failure (STATUS_CONNECTION_RESET: the server reset the connection). */
NTSTATUS HttpClientGet(PUNICODE_STRING Host, PUNICODE_STRING Port, PCSTR Path, ADDRESS_FAMILY Family,
                       ULONG TimeoutMs, PHTTP_RESPONSE Response);

/* Frees what a successful HttpClientGet returned, and zeroes *Response. */
VOID HttpClientFreeResponse(PHTTP_RESPONSE Response);

EXTERN_C_END

#endif
