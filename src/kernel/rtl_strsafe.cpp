// wskemu: the ntstrsafe.h functions: bounded copy, concatenate, printf and
// length for char and WCHAR buffers and for UNICODE_STRING destinations.
// Statuses follow the WDK's ntstrsafe.h: a zero or too large destination
// size is STATUS_INVALID_PARAMETER (the buffer is left alone); a result that
// does not fit is truncated, NUL-terminated and STATUS_BUFFER_OVERFLOW.
#include <ntdef.h>
#include <ntstatus.h>
#include <ntstrsafe.h>

#include "windows_format.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

namespace wskemu::kernel {
namespace {

constexpr std::size_t max_cch = NTSTRSAFE_MAX_CCH;
constexpr std::size_t max_unicode_cch = NTSTRSAFE_UNICODE_STRING_MAX_CCH;

template <class CharT>
bool valid_destination(const CharT* dest, std::size_t cch) {
    return dest != nullptr && cch != 0 && cch <= max_cch;
}

// Copies at most max_source characters of source into dest (cch characters
// with room for the terminator); dest has been validated.
template <class CharT>
NTSTATUS copy_bounded(CharT* dest, std::size_t cch, const CharT* source, std::size_t max_source) {
    std::size_t i = 0;
    while (i + 1 < cch && i < max_source && source[i] != 0) {
        dest[i] = source[i];
        ++i;
    }
    dest[i] = 0;
    const bool more = i < max_source && source[i] != 0;
    return more ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

template <class CharT>
NTSTATUS copy_n(CharT* dest, std::size_t cch, const CharT* source, std::size_t max_source) {
    if (!valid_destination(dest, cch)) {
        return STATUS_INVALID_PARAMETER;
    }
    if (source == nullptr || max_source > max_cch) {
        dest[0] = 0;
        return STATUS_INVALID_PARAMETER;
    }
    return copy_bounded(dest, cch, source, max_source);
}

template <class CharT>
NTSTATUS cat_n(CharT* dest, std::size_t cch, const CharT* source, std::size_t max_source) {
    if (!valid_destination(dest, cch) || source == nullptr || max_source > max_cch) {
        return STATUS_INVALID_PARAMETER;
    }
    std::size_t length = 0;
    while (length < cch && dest[length] != 0) {
        ++length;
    }
    if (length == cch) {
        return STATUS_INVALID_PARAMETER;  // the destination is not terminated
    }
    return copy_bounded(dest + length, cch - length, source, max_source);
}

template <class CharT>
NTSTATUS store_formatted(CharT* dest, std::size_t cch, const std::basic_string<CharT>& text) {
    const std::size_t n = std::min(text.size(), cch - 1);
    std::copy_n(text.data(), n, dest);
    dest[n] = 0;
    return text.size() > n ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

template <class CharT>
NTSTATUS vprintf_to(CharT* dest, std::size_t cch, const CharT* format, va_list args) {
    if (!valid_destination(dest, cch)) {
        return STATUS_INVALID_PARAMETER;
    }
    if (format == nullptr) {
        dest[0] = 0;
        return STATUS_INVALID_PARAMETER;
    }
    return store_formatted(dest, cch, windows_vformat(format, args));
}

template <class CharT>
NTSTATUS length_of(const CharT* s, std::size_t cch_max, std::size_t* length) {
    NTSTATUS status = STATUS_INVALID_PARAMETER;
    std::size_t n = 0;
    if (s != nullptr && cch_max <= max_cch) {
        while (n < cch_max && s[n] != 0) {
            ++n;
        }
        status = n < cch_max ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
    }
    if (length != nullptr) {
        *length = NT_SUCCESS(status) ? n : 0;
    }
    return status;
}

// A UNICODE_STRING is usable when its lengths are whole WCHARs, Length fits in
// MaximumLength and a non-empty buffer exists.
bool valid_unicode_string(PCUNICODE_STRING s) {
    return s != nullptr && s->Length % sizeof(WCHAR) == 0 && s->MaximumLength % sizeof(WCHAR) == 0 &&
           s->Length <= s->MaximumLength && (s->Buffer != nullptr || s->MaximumLength == 0) &&
           s->MaximumLength / sizeof(WCHAR) <= max_unicode_cch;
}

// Writes text at character offset `at` of a UNICODE_STRING, truncating.
NTSTATUS store_unicode(PUNICODE_STRING dest, std::size_t at, std::wstring_view text) {
    const std::size_t capacity = dest->MaximumLength / sizeof(WCHAR) - at;
    const std::size_t n = std::min(text.size(), capacity);
    std::copy_n(text.data(), n, dest->Buffer + at);
    dest->Length = static_cast<USHORT>((at + n) * sizeof(WCHAR));
    return text.size() > n ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

std::wstring_view unicode_view(PCUNICODE_STRING s) {
    return s->Buffer == nullptr ? std::wstring_view() : std::wstring_view(s->Buffer, s->Length / sizeof(WCHAR));
}

}  // namespace
}  // namespace wskemu::kernel

namespace k = wskemu::kernel;

/* RtlStringCchCopyA (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCchCopyA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc) {
    return k::copy_n(pszDest, cchDest, pszSrc, k::max_cch);
}

/* RtlStringCchCopyW (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCchCopyW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc) {
    return k::copy_n(pszDest, cchDest, pszSrc, k::max_cch);
}

/* RtlStringCbCopyA (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCbCopyA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc) {
    return k::copy_n(pszDest, cbDest, pszSrc, k::max_cch);
}

/* RtlStringCbCopyW (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCbCopyW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc) {
    return k::copy_n(pszDest, cbDest / sizeof(WCHAR), pszSrc, k::max_cch);
}

/* RtlStringCchCopyNA (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCchCopyNA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc,
                                             size_t cchToCopy) {
    return k::copy_n(pszDest, cchDest, pszSrc, cchToCopy);
}

/* RtlStringCchCopyNW (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCchCopyNW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc,
                                             size_t cchToCopy) {
    return k::copy_n(pszDest, cchDest, pszSrc, cchToCopy);
}

/* RtlStringCbCopyNA (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCbCopyNA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc,
                                            size_t cbToCopy) {
    return k::copy_n(pszDest, cbDest, pszSrc, cbToCopy);
}

/* RtlStringCbCopyNW (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCbCopyNW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc,
                                            size_t cbToCopy) {
    return k::copy_n(pszDest, cbDest / sizeof(WCHAR), pszSrc, cbToCopy / sizeof(WCHAR));
}

/* RtlStringCchCatA (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCchCatA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc) {
    return k::cat_n(pszDest, cchDest, pszSrc, k::max_cch);
}

/* RtlStringCchCatW (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCchCatW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc) {
    return k::cat_n(pszDest, cchDest, pszSrc, k::max_cch);
}

/* RtlStringCbCatA (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCbCatA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc) {
    return k::cat_n(pszDest, cbDest, pszSrc, k::max_cch);
}

/* RtlStringCbCatW (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCbCatW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc) {
    return k::cat_n(pszDest, cbDest / sizeof(WCHAR), pszSrc, k::max_cch);
}

/* RtlStringCchCatNA (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCchCatNA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc,
                                            size_t cchToAppend) {
    return k::cat_n(pszDest, cchDest, pszSrc, cchToAppend);
}

/* RtlStringCchCatNW (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCchCatNW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc,
                                            size_t cchToAppend) {
    return k::cat_n(pszDest, cchDest, pszSrc, cchToAppend);
}

/* RtlStringCbCatNA (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCbCatNA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc,
                                           size_t cbToAppend) {
    return k::cat_n(pszDest, cbDest, pszSrc, cbToAppend);
}

/* RtlStringCbCatNW (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCbCatNW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc,
                                           size_t cbToAppend) {
    return k::cat_n(pszDest, cbDest / sizeof(WCHAR), pszSrc, cbToAppend / sizeof(WCHAR));
}

/* RtlStringCchVPrintfA (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCchVPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat,
                                               va_list argList) {
    return k::vprintf_to(pszDest, cchDest, pszFormat, argList);
}

/* RtlStringCchVPrintfW (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCchVPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszFormat,
                                               va_list argList) {
    return k::vprintf_to(pszDest, cchDest, pszFormat, argList);
}

/* RtlStringCbVPrintfA (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCbVPrintfA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszFormat,
                                              va_list argList) {
    return k::vprintf_to(pszDest, cbDest, pszFormat, argList);
}

/* RtlStringCbVPrintfW (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCbVPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszFormat,
                                              va_list argList) {
    return k::vprintf_to(pszDest, cbDest / sizeof(WCHAR), pszFormat, argList);
}

/* RtlStringCchPrintfA (ntstrsafe) */
extern "C" NTSTATUS __cdecl RtlStringCchPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat,
                                                ...) {
    va_list args;
    va_start(args, pszFormat);
    const NTSTATUS status = k::vprintf_to(pszDest, cchDest, pszFormat, args);
    va_end(args);
    return status;
}

/* RtlStringCchPrintfW (ntstrsafe) */
extern "C" NTSTATUS __cdecl RtlStringCchPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszFormat,
                                                ...) {
    va_list args;
    va_start(args, pszFormat);
    const NTSTATUS status = k::vprintf_to(pszDest, cchDest, pszFormat, args);
    va_end(args);
    return status;
}

/* RtlStringCbPrintfA (ntstrsafe) */
extern "C" NTSTATUS __cdecl RtlStringCbPrintfA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszFormat,
                                               ...) {
    va_list args;
    va_start(args, pszFormat);
    const NTSTATUS status = k::vprintf_to(pszDest, cbDest, pszFormat, args);
    va_end(args);
    return status;
}

/* RtlStringCbPrintfW (ntstrsafe) */
extern "C" NTSTATUS __cdecl RtlStringCbPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszFormat,
                                               ...) {
    va_list args;
    va_start(args, pszFormat);
    const NTSTATUS status = k::vprintf_to(pszDest, cbDest / sizeof(WCHAR), pszFormat, args);
    va_end(args);
    return status;
}

/* RtlStringCchLengthA (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCchLengthA(NTSTRSAFE_PCSTR psz, size_t cchMax, size_t* pcchLength) {
    return k::length_of(psz, cchMax, pcchLength);
}

/* RtlStringCchLengthW (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCchLengthW(NTSTRSAFE_PCWSTR psz, size_t cchMax, size_t* pcchLength) {
    return k::length_of(psz, cchMax, pcchLength);
}

/* RtlStringCbLengthA (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCbLengthA(NTSTRSAFE_PCSTR psz, size_t cbMax, size_t* pcbLength) {
    return k::length_of(psz, cbMax, pcbLength);
}

/* RtlStringCbLengthW (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlStringCbLengthW(NTSTRSAFE_PCWSTR psz, size_t cbMax, size_t* pcbLength) {
    size_t cch = 0;
    const NTSTATUS status = k::length_of(psz, cbMax / sizeof(WCHAR), &cch);
    if (pcbLength != nullptr) {
        *pcbLength = cch * sizeof(WCHAR);
    }
    return status;
}

/* RtlUnicodeStringVPrintf (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlUnicodeStringVPrintf(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszFormat,
                                                  va_list argList) {
    if (!k::valid_unicode_string(DestinationString) || pszFormat == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return k::store_unicode(DestinationString, 0, wskemu::kernel::windows_vformat(pszFormat, argList));
}

/* RtlUnicodeStringPrintf (ntstrsafe) */
extern "C" NTSTATUS __cdecl RtlUnicodeStringPrintf(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszFormat,
                                                   ...) {
    va_list args;
    va_start(args, pszFormat);
    const NTSTATUS status = RtlUnicodeStringVPrintf(DestinationString, pszFormat, args);
    va_end(args);
    return status;
}

/* RtlUnicodeStringCopy (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlUnicodeStringCopy(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString) {
    if (!k::valid_unicode_string(DestinationString) || !k::valid_unicode_string(SourceString)) {
        return STATUS_INVALID_PARAMETER;
    }
    return k::store_unicode(DestinationString, 0, k::unicode_view(SourceString));
}

/* RtlUnicodeStringCopyString (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlUnicodeStringCopyString(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc) {
    if (!k::valid_unicode_string(DestinationString) || pszSrc == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return k::store_unicode(DestinationString, 0, pszSrc);
}

/* RtlUnicodeStringCat (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlUnicodeStringCat(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString) {
    if (!k::valid_unicode_string(DestinationString) || !k::valid_unicode_string(SourceString)) {
        return STATUS_INVALID_PARAMETER;
    }
    return k::store_unicode(DestinationString, DestinationString->Length / sizeof(WCHAR),
                            k::unicode_view(SourceString));
}

/* RtlUnicodeStringCatString (ntstrsafe) */
extern "C" NTSTATUS NTAPI RtlUnicodeStringCatString(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc) {
    if (!k::valid_unicode_string(DestinationString) || pszSrc == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return k::store_unicode(DestinationString, DestinationString->Length / sizeof(WCHAR), pszSrc);
}
