/* Parsing an HTTP/1.1 response (http_response.h). Every function reads only
 * the bytes it is given, so a response cut anywhere is "not complete yet",
 * never a read past the end. */
#include <ntddk.h>

#include "http_response.h"

#define HTTP_LINE_MAX 1024 /* a chunk-size or trailer line longer than this is refused */

static CHAR HttpLower(UCHAR C) { return (CHAR)(C >= 'A' && C <= 'Z' ? C - 'A' + 'a' : C); }

static int HttpHexDigit(UCHAR C) {
    if (C >= '0' && C <= '9') {
        return C - '0';
    }
    C = (UCHAR)HttpLower(C);
    return C >= 'a' && C <= 'f' ? C - 'a' + 10 : -1;
}

/* The offset of the CR of the first CRLF at or after At, or Length if there is none yet. */
static SIZE_T HttpLineEnd(const UCHAR *Data, SIZE_T At, SIZE_T Length) {
    SIZE_T i;
    for (i = At; i + 1 < Length; i++) {
        if (Data[i] == '\r' && Data[i + 1] == '\n') {
            return i;
        }
    }
    return Length;
}

SIZE_T HttpHeadLength(const UCHAR *Data, SIZE_T Length) {
    SIZE_T i;
    for (i = 0; i + 4 <= Length; i++) {
        if (Data[i] == '\r' && Data[i + 1] == '\n' && Data[i + 2] == '\r' && Data[i + 3] == '\n') {
            return i + 4;
        }
    }
    return 0;
}

/* "HTTP/1.x DDD ...": the status code, or 0 if the line is not one. */
static ULONG HttpStatusCode(const UCHAR *Line, SIZE_T Length) {
    static const CHAR prefix[] = "HTTP/1.";
    ULONG code = 0;
    SIZE_T i;
    if (Length < 12) {
        return 0;
    }
    for (i = 0; i < sizeof(prefix) - 1; i++) {
        if (Line[i] != (UCHAR)prefix[i]) {
            return 0;
        }
    }
    if (Line[7] < '0' || Line[7] > '9' || Line[8] != ' ') {
        return 0;
    }
    for (i = 9; i < 12; i++) {
        if (Line[i] < '0' || Line[i] > '9') {
            return 0;
        }
        code = code * 10 + (ULONG)(Line[i] - '0');
    }
    if ((Length > 12 && Line[12] != ' ') || code < 100 || code > 599) {
        return 0;
    }
    return code;
}

/* If Line is the header Name (lower case; the line in any case), the offset
 * of its value, past the colon and any blanks; else 0. */
static SIZE_T HttpHeaderValue(const UCHAR *Line, SIZE_T Length, PCSTR Name) {
    SIZE_T i = 0;
    while (Name[i] != '\0') {
        if (i >= Length || HttpLower(Line[i]) != Name[i]) {
            return 0;
        }
        i++;
    }
    if (i >= Length || Line[i] != ':') {
        return 0;
    }
    i++;
    while (i < Length && (Line[i] == ' ' || Line[i] == '\t')) {
        i++;
    }
    return i;
}

/* Value[0..Length) without trailing blanks. */
static SIZE_T HttpTrimmed(const UCHAR *Value, SIZE_T Length) {
    while (Length > 0 && (Value[Length - 1] == ' ' || Value[Length - 1] == '\t')) {
        Length--;
    }
    return Length;
}

/* A Content-Length value: digits only, no overflow. */
static BOOLEAN HttpParseLength(const UCHAR *Value, SIZE_T Length, PULONGLONG Out) {
    ULONGLONG n = 0;
    SIZE_T i;
    Length = HttpTrimmed(Value, Length);
    if (Length == 0) {
        return FALSE;
    }
    for (i = 0; i < Length; i++) {
        if (Value[i] < '0' || Value[i] > '9' || n > (~(ULONGLONG)0 - 9) / 10) {
            return FALSE;
        }
        n = n * 10 + (ULONGLONG)(Value[i] - '0');
    }
    *Out = n;
    return TRUE;
}

/* A Transfer-Encoding value this client reads: "chunked", in any case. */
static BOOLEAN HttpIsChunked(const UCHAR *Value, SIZE_T Length) {
    static const CHAR chunked[] = "chunked";
    SIZE_T i;
    if (HttpTrimmed(Value, Length) != sizeof(chunked) - 1) {
        return FALSE;
    }
    for (i = 0; i < sizeof(chunked) - 1; i++) {
        if (HttpLower(Value[i]) != chunked[i]) {
            return FALSE;
        }
    }
    return TRUE;
}

NTSTATUS HttpParseHead(const UCHAR *Data, SIZE_T HeadLength, PHTTP_HEAD Head) {
    SIZE_T at = 0;
    BOOLEAN lengthGiven = FALSE;
    BOOLEAN chunked = FALSE;
    RtlZeroMemory(Head, sizeof(*Head));
    while (at + 2 < HeadLength) { /* the last line is the empty one */
        const SIZE_T end = HttpLineEnd(Data, at, HeadLength);
        const UCHAR *line = Data + at;
        const SIZE_T length = end - at;
        SIZE_T value;
        if (at == 0) {
            Head->StatusCode = HttpStatusCode(line, length);
            if (Head->StatusCode == 0) {
                return STATUS_INVALID_NETWORK_RESPONSE;
            }
        } else if ((value = HttpHeaderValue(line, length, "content-length")) != 0) {
            ULONGLONG contentLength;
            if (!HttpParseLength(line + value, length - value, &contentLength) ||
                (lengthGiven && contentLength != Head->ContentLength)) {
                return STATUS_INVALID_NETWORK_RESPONSE;
            }
            lengthGiven = TRUE;
            Head->ContentLength = contentLength;
        } else if ((value = HttpHeaderValue(line, length, "transfer-encoding")) != 0) {
            if (chunked || !HttpIsChunked(line + value, length - value)) {
                return STATUS_NOT_SUPPORTED; /* gzip, "gzip, chunked", chunked twice, ... */
            }
            chunked = TRUE;
        }
        at = end + 2;
    }
    if (Head->StatusCode < 200 || Head->StatusCode == 204 || Head->StatusCode == 304) {
        Head->Framing = HttpFramingLength; /* no body, whatever the headers say */
        Head->ContentLength = 0;
    } else if (chunked) {
        Head->Framing = HttpFramingChunked;
        Head->ContentLength = 0;
    } else {
        Head->Framing = lengthGiven ? HttpFramingLength : HttpFramingClose;
    }
    return STATUS_SUCCESS;
}

/* Finds the end of the line at *At: STATUS_SUCCESS, STATUS_MORE_ENTRIES when
 * it is not all there yet, STATUS_INVALID_NETWORK_RESPONSE when too long. */
static NTSTATUS HttpNextLine(const UCHAR *Data, SIZE_T Length, PSIZE_T At, PSIZE_T LineEnd) {
    *LineEnd = HttpLineEnd(Data, *At, Length);
    if (*LineEnd - *At > HTTP_LINE_MAX) {
        return STATUS_INVALID_NETWORK_RESPONSE;
    }
    return *LineEnd == Length ? STATUS_MORE_ENTRIES : STATUS_SUCCESS;
}

NTSTATUS HttpDechunk(PUCHAR Data, SIZE_T Length, SIZE_T MaxBody, BOOLEAN Decode, PBOOLEAN Complete,
                     PSIZE_T BodyLength) {
    SIZE_T at = 0;
    SIZE_T body = 0;
    SIZE_T end;
    NTSTATUS status;
    *Complete = FALSE;
    *BodyLength = 0;
    for (;;) { /* chunk-size [chunk-ext] CRLF chunk-data CRLF */
        SIZE_T size = 0;
        SIZE_T i;
        status = HttpNextLine(Data, Length, &at, &end);
        if (status != STATUS_SUCCESS) {
            return status == STATUS_MORE_ENTRIES ? STATUS_SUCCESS : status;
        }
        for (i = at; i < end && HttpHexDigit(Data[i]) >= 0; i++) {
            size = size * 16 + (SIZE_T)HttpHexDigit(Data[i]);
            if (size > MaxBody - body) {
                return STATUS_BUFFER_OVERFLOW;
            }
        }
        if (i == at || (i < end && Data[i] != ';' && Data[i] != ' ' && Data[i] != '\t')) {
            return STATUS_INVALID_NETWORK_RESPONSE; /* no size, or not followed by an extension */
        }
        at = end + 2;
        if (size == 0) {
            break; /* the last chunk */
        }
        if (Length - at < size + 2) {
            return STATUS_SUCCESS; /* the chunk is still arriving */
        }
        if (Data[at + size] != '\r' || Data[at + size + 1] != '\n') {
            return STATUS_INVALID_NETWORK_RESPONSE;
        }
        if (Decode) {
            RtlMoveMemory(Data + body, Data + at, size); /* body <= at: the decoded bytes never pass the coded ones */
        }
        body += size;
        at += size + 2;
    }
    for (;;) { /* trailer lines, then the empty line */
        status = HttpNextLine(Data, Length, &at, &end);
        if (status != STATUS_SUCCESS) {
            return status == STATUS_MORE_ENTRIES ? STATUS_SUCCESS : status;
        }
        if (end == at) {
            break;
        }
        at = end + 2;
    }
    *Complete = TRUE;
    *BodyLength = body;
    return STATUS_SUCCESS;
}
