// wskemu: counted strings: UNICODE_STRING and ANSI_STRING initialisation,
// copy, comparison, append, ANSI/Unicode conversion and integer conversion.
// Lengths are byte counts; a WCHAR is sizeof(WCHAR) bytes on every host. The
// emulated ANSI code page is UTF-8 and case folding covers ASCII and Latin-1
// only (plus U+00FF/U+0178), which is what driver code compares in practice.
#include <wdm.h>

#include "windows_format.hpp"

#include <algorithm>
#include <cstring>
#include <cwchar>
#include <string>
#include <string_view>
#include <type_traits>

namespace wskemu::kernel {
namespace {

// Pool tags, as the multi-character literals 'rtsU' and 'rtsA' would be.
constexpr ULONG make_tag(char a, char b, char c, char d) {
    return static_cast<ULONG>(static_cast<unsigned char>(a)) | static_cast<ULONG>(static_cast<unsigned char>(b)) << 8 |
           static_cast<ULONG>(static_cast<unsigned char>(c)) << 16 |
           static_cast<ULONG>(static_cast<unsigned char>(d)) << 24;
}
constexpr ULONG unicode_string_tag = make_tag('U', 's', 't', 'r');
constexpr ULONG ansi_string_tag = make_tag('A', 's', 't', 'r');

// Largest UNICODE_STRING buffer, in bytes, that holds whole WCHARs.
constexpr USHORT max_unicode_bytes = (UNICODE_STRING_MAX_BYTES / sizeof(WCHAR)) * sizeof(WCHAR);
constexpr USHORT max_ansi_bytes = MAXUSHORT;

using wchar_unsigned = std::make_unsigned_t<WCHAR>;

unsigned long wide_code(WCHAR c) noexcept {
    return static_cast<wchar_unsigned>(c);
}

WCHAR upcase(WCHAR c) noexcept {
    const unsigned long u = wide_code(c);
    if ((u >= 'a' && u <= 'z') || (u >= 0xE0 && u <= 0xFE && u != 0xF7)) {
        return static_cast<WCHAR>(u - 0x20);
    }
    if (u == 0xFF) {
        return static_cast<WCHAR>(0x178);
    }
    return c;
}

WCHAR downcase(WCHAR c) noexcept {
    const unsigned long u = wide_code(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 0xC0 && u <= 0xDE && u != 0xD7)) {
        return static_cast<WCHAR>(u + 0x20);
    }
    if (u == 0x178) {
        return static_cast<WCHAR>(0xFF);
    }
    return c;
}

char upcase_ansi(char c) noexcept {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 0x20) : c;
}

std::wstring_view view(PCUNICODE_STRING s) noexcept {
    if (s == nullptr || s->Buffer == nullptr) {
        return {};
    }
    return {s->Buffer, s->Length / sizeof(WCHAR)};
}

std::string_view view(const STRING* s) noexcept {
    if (s == nullptr || s->Buffer == nullptr) {
        return {};
    }
    return {s->Buffer, s->Length};
}

// Three-way comparison of two counted strings: the first differing
// character decides, then the length.
template <class CharT, class Fold>
LONG compare_counted(std::basic_string_view<CharT> a, std::basic_string_view<CharT> b, Fold fold) {
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
        const auto ca = static_cast<long>(static_cast<std::make_unsigned_t<CharT>>(fold(a[i])));
        const auto cb = static_cast<long>(static_cast<std::make_unsigned_t<CharT>>(fold(b[i])));
        if (ca != cb) {
            return static_cast<LONG>(ca - cb);
        }
    }
    return static_cast<LONG>(static_cast<long>(a.size()) - static_cast<long>(b.size()));
}

LONG compare_unicode(PCUNICODE_STRING a, PCUNICODE_STRING b, bool case_insensitive) {
    if (case_insensitive) {
        return compare_counted(view(a), view(b), upcase);
    }
    return compare_counted(view(a), view(b), [](WCHAR c) { return c; });
}

LONG compare_ansi(const STRING* a, const STRING* b, bool case_insensitive) {
    if (case_insensitive) {
        return compare_counted(view(a), view(b), upcase_ansi);
    }
    return compare_counted(view(a), view(b), [](char c) { return c; });
}

// Appends bytes to a counted string of CharT; NUL-terminates when room is left.
template <class String, class CharT>
NTSTATUS append_counted(String* destination, const CharT* source, std::size_t bytes) {
    if (bytes == 0) {
        return STATUS_SUCCESS;
    }
    if (destination->Length + bytes > destination->MaximumLength) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    auto* end = reinterpret_cast<unsigned char*>(destination->Buffer) + destination->Length;
    std::memmove(end, source, bytes);
    destination->Length = static_cast<USHORT>(destination->Length + bytes);
    if (destination->Length + sizeof(CharT) <= destination->MaximumLength) {
        destination->Buffer[destination->Length / sizeof(CharT)] = 0;
    }
    return STATUS_SUCCESS;
}

template <class String, class CharT>
void copy_counted(String* destination, const String* source) {
    if (source == nullptr || source->Buffer == nullptr) {
        destination->Length = 0;
        return;
    }
    std::size_t bytes = std::min<std::size_t>(source->Length, destination->MaximumLength);
    bytes -= bytes % sizeof(CharT);
    std::memmove(destination->Buffer, source->Buffer, bytes);
    destination->Length = static_cast<USHORT>(bytes);
    if (bytes + sizeof(CharT) <= destination->MaximumLength) {
        destination->Buffer[bytes / sizeof(CharT)] = 0;
    }
}

// Cuts UTF-8 text to at most max bytes without splitting a character.
std::size_t utf8_prefix_length(const std::string& text, std::size_t max) {
    if (text.size() <= max) {
        return text.size();
    }
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) {
        --n;
    }
    return n;
}

NTSTATUS unicode_to_ansi(PANSI_STRING destination, PCUNICODE_STRING source, bool allocate) {
    const std::string text = wide_to_utf8(view(source));
    const std::size_t needed = text.size() + 1;
    if (needed > max_ansi_bytes) {
        return STATUS_INVALID_PARAMETER_2;
    }
    NTSTATUS status = STATUS_SUCCESS;
    std::size_t length = text.size();
    if (allocate) {
        auto* buffer = static_cast<PCHAR>(ExAllocatePool2(POOL_FLAG_PAGED, needed, ansi_string_tag));
        if (buffer == nullptr) {
            return STATUS_NO_MEMORY;
        }
        destination->Buffer = buffer;
        destination->MaximumLength = static_cast<USHORT>(needed);
    } else if (needed > destination->MaximumLength) {
        // Converts what fits, as Windows does, and says so.
        status = STATUS_BUFFER_OVERFLOW;
        if (destination->MaximumLength == 0) {
            return status;
        }
        length = utf8_prefix_length(text, destination->MaximumLength - 1u);
    }
    std::memcpy(destination->Buffer, text.data(), length);
    destination->Buffer[length] = '\0';
    destination->Length = static_cast<USHORT>(length);
    return status;
}

NTSTATUS ansi_to_unicode(PUNICODE_STRING destination, PCANSI_STRING source, bool allocate) {
    const std::wstring text = utf8_to_wide(view(source));
    const std::size_t bytes = text.size() * sizeof(WCHAR);
    const std::size_t needed = bytes + sizeof(WCHAR);
    if (needed > max_unicode_bytes) {
        return STATUS_INVALID_PARAMETER_2;
    }
    if (allocate) {
        auto* buffer = static_cast<PWCH>(ExAllocatePool2(POOL_FLAG_PAGED, needed, unicode_string_tag));
        if (buffer == nullptr) {
            return STATUS_NO_MEMORY;
        }
        destination->Buffer = buffer;
        destination->MaximumLength = static_cast<USHORT>(needed);
    } else if (needed > destination->MaximumLength) {
        return STATUS_BUFFER_OVERFLOW;
    }
    std::memcpy(destination->Buffer, text.data(), bytes);
    destination->Buffer[text.size()] = 0;
    destination->Length = static_cast<USHORT>(bytes);
    return STATUS_SUCCESS;
}

int digit_value(unsigned long c) noexcept {
    if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
    if (c >= 'a' && c <= 'z') return static_cast<int>(c - 'a' + 10);
    if (c >= 'A' && c <= 'Z') return static_cast<int>(c - 'A' + 10);
    return 99;
}

// Windows semantics: leading blanks and one sign are skipped; base 0 reads a
// 0x/0o/0b prefix (decimal otherwise); digits stop at the first character not
// valid in the base; the value wraps modulo 2^32 and no digits give 0.
NTSTATUS unicode_to_integer(PCUNICODE_STRING string, ULONG base, PULONG value) {
    const std::wstring_view s = view(string);
    std::size_t i = 0;
    while (i < s.size() && wide_code(s[i]) <= ' ') {
        ++i;
    }
    bool negative = false;
    if (i < s.size() && (s[i] == L'+' || s[i] == L'-')) {
        negative = s[i] == L'-';
        ++i;
    }
    if (base == 0) {
        base = 10;
        if (i + 1 < s.size() && s[i] == L'0') {
            const WCHAR p = s[i + 1];
            if (p == L'x' || p == L'X') base = 16;
            if (p == L'o' || p == L'O') base = 8;
            if (p == L'b' || p == L'B') base = 2;
            if (base != 10) {
                i += 2;
            }
        }
    }
    ULONG result = 0;
    for (; i < s.size(); ++i) {
        const int d = digit_value(wide_code(s[i]));
        if (d >= static_cast<int>(base)) {
            break;
        }
        result = result * base + static_cast<ULONG>(d);
    }
    *value = negative ? 0u - result : result;
    return STATUS_SUCCESS;
}

NTSTATUS integer_to_unicode(ULONG value, ULONG base, PUNICODE_STRING string) {
    WCHAR digits[33];
    std::size_t n = 0;
    do {
        digits[n++] = static_cast<WCHAR>("0123456789ABCDEF"[value % base]);
        value /= base;
    } while (value != 0);
    const std::size_t bytes = n * sizeof(WCHAR);
    if (bytes >= string->MaximumLength) {
        return STATUS_BUFFER_OVERFLOW;
    }
    for (std::size_t k = 0; k < n; ++k) {
        string->Buffer[k] = digits[n - 1 - k];
    }
    string->Length = static_cast<USHORT>(bytes);
    if (bytes + sizeof(WCHAR) <= string->MaximumLength) {
        string->Buffer[n] = 0;
    }
    return STATUS_SUCCESS;
}

}  // namespace
}  // namespace wskemu::kernel

namespace k = wskemu::kernel;

/* RtlInitUnicodeString (ntoskrnl) */
extern "C" VOID NTAPI RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString) {
    DestinationString->Buffer = const_cast<PWCH>(SourceString);
    if (SourceString == nullptr) {
        DestinationString->Length = DestinationString->MaximumLength = 0;
        return;
    }
    // Too long a string is cut to the largest length a UNICODE_STRING holds.
    const std::size_t bytes =
        std::min<std::size_t>(std::wcslen(SourceString) * sizeof(WCHAR), k::max_unicode_bytes - sizeof(WCHAR));
    DestinationString->Length = static_cast<USHORT>(bytes);
    DestinationString->MaximumLength = static_cast<USHORT>(bytes + sizeof(WCHAR));
}

/* RtlInitUnicodeStringEx (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlInitUnicodeStringEx(PUNICODE_STRING DestinationString, PCWSTR SourceString) {
    DestinationString->Length = DestinationString->MaximumLength = 0;
    DestinationString->Buffer = const_cast<PWCH>(SourceString);
    if (SourceString == nullptr) {
        return STATUS_SUCCESS;
    }
    const std::size_t bytes = std::wcslen(SourceString) * sizeof(WCHAR);
    if (bytes > k::max_unicode_bytes - sizeof(WCHAR)) {
        return STATUS_NAME_TOO_LONG;
    }
    DestinationString->Length = static_cast<USHORT>(bytes);
    DestinationString->MaximumLength = static_cast<USHORT>(bytes + sizeof(WCHAR));
    return STATUS_SUCCESS;
}

/* RtlInitAnsiString (ntoskrnl) */
extern "C" VOID NTAPI RtlInitAnsiString(PANSI_STRING DestinationString, PCSZ SourceString) {
    DestinationString->Buffer = const_cast<PCHAR>(SourceString);
    if (SourceString == nullptr) {
        DestinationString->Length = DestinationString->MaximumLength = 0;
        return;
    }
    const std::size_t bytes = std::min<std::size_t>(std::strlen(SourceString), k::max_ansi_bytes - 1u);
    DestinationString->Length = static_cast<USHORT>(bytes);
    DestinationString->MaximumLength = static_cast<USHORT>(bytes + 1);
}

/* RtlInitString (ntoskrnl) */
extern "C" VOID NTAPI RtlInitString(PSTRING DestinationString, PCSZ SourceString) {
    RtlInitAnsiString(DestinationString, SourceString);
}

/* RtlCopyUnicodeString (ntoskrnl) */
extern "C" VOID NTAPI RtlCopyUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString) {
    k::copy_counted<UNICODE_STRING, WCHAR>(DestinationString, SourceString);
}

/* RtlCopyString (ntoskrnl) */
extern "C" VOID NTAPI RtlCopyString(PSTRING DestinationString, const STRING* SourceString) {
    k::copy_counted<STRING, CHAR>(DestinationString, SourceString);
}

/* RtlEqualUnicodeString (ntoskrnl) */
extern "C" BOOLEAN NTAPI RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                                               BOOLEAN CaseInSensitive) {
    if (String1->Length != String2->Length) {
        return FALSE;
    }
    return k::compare_unicode(String1, String2, CaseInSensitive != FALSE) == 0 ? TRUE : FALSE;
}

/* RtlCompareUnicodeString (ntoskrnl) */
extern "C" LONG NTAPI RtlCompareUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2,
                                              BOOLEAN CaseInSensitive) {
    return k::compare_unicode(String1, String2, CaseInSensitive != FALSE);
}

/* RtlEqualString (ntoskrnl) */
extern "C" BOOLEAN NTAPI RtlEqualString(const STRING* String1, const STRING* String2, BOOLEAN CaseInSensitive) {
    if (String1->Length != String2->Length) {
        return FALSE;
    }
    return k::compare_ansi(String1, String2, CaseInSensitive != FALSE) == 0 ? TRUE : FALSE;
}

/* RtlCompareString (ntoskrnl) */
extern "C" LONG NTAPI RtlCompareString(const STRING* String1, const STRING* String2, BOOLEAN CaseInSensitive) {
    return k::compare_ansi(String1, String2, CaseInSensitive != FALSE);
}

/* RtlAppendUnicodeToString (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlAppendUnicodeToString(PUNICODE_STRING Destination, PCWSTR Source) {
    if (Source == nullptr) {
        return STATUS_SUCCESS;
    }
    return k::append_counted(Destination, Source, std::wcslen(Source) * sizeof(WCHAR));
}

/* RtlAppendUnicodeStringToString (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlAppendUnicodeStringToString(PUNICODE_STRING Destination, PCUNICODE_STRING Source) {
    if (Source == nullptr || Source->Buffer == nullptr) {
        return STATUS_SUCCESS;
    }
    return k::append_counted(Destination, Source->Buffer, Source->Length);
}

/* RtlUnicodeStringToAnsiString (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlUnicodeStringToAnsiString(PANSI_STRING DestinationString, PCUNICODE_STRING SourceString,
                                                       BOOLEAN AllocateDestinationString) {
    if (DestinationString == nullptr || SourceString == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return k::unicode_to_ansi(DestinationString, SourceString, AllocateDestinationString != FALSE);
}

/* RtlAnsiStringToUnicodeString (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlAnsiStringToUnicodeString(PUNICODE_STRING DestinationString, PCANSI_STRING SourceString,
                                                       BOOLEAN AllocateDestinationString) {
    if (DestinationString == nullptr || SourceString == nullptr) {
        return STATUS_INVALID_PARAMETER;
    }
    return k::ansi_to_unicode(DestinationString, SourceString, AllocateDestinationString != FALSE);
}

/* RtlFreeUnicodeString (ntoskrnl) */
extern "C" VOID NTAPI RtlFreeUnicodeString(PUNICODE_STRING UnicodeString) {
    if (UnicodeString->Buffer != nullptr) {
        ExFreePool(UnicodeString->Buffer);
    }
    UnicodeString->Buffer = nullptr;
    UnicodeString->Length = UnicodeString->MaximumLength = 0;
}

/* RtlFreeAnsiString (ntoskrnl) */
extern "C" VOID NTAPI RtlFreeAnsiString(PANSI_STRING AnsiString) {
    if (AnsiString->Buffer != nullptr) {
        ExFreePool(AnsiString->Buffer);
    }
    AnsiString->Buffer = nullptr;
    AnsiString->Length = AnsiString->MaximumLength = 0;
}

/* RtlUnicodeStringToInteger (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlUnicodeStringToInteger(PCUNICODE_STRING String, ULONG Base, PULONG Value) {
    if (Base != 0 && Base != 2 && Base != 8 && Base != 10 && Base != 16) {
        return STATUS_INVALID_PARAMETER;
    }
    if (String == nullptr || Value == nullptr) {
        return STATUS_ACCESS_VIOLATION;
    }
    return k::unicode_to_integer(String, Base, Value);
}

/* RtlIntegerToUnicodeString (ntoskrnl) */
extern "C" NTSTATUS NTAPI RtlIntegerToUnicodeString(ULONG Value, ULONG Base, PUNICODE_STRING String) {
    if (Base == 0) {
        Base = 10;
    }
    if (Base != 2 && Base != 8 && Base != 10 && Base != 16) {
        return STATUS_INVALID_PARAMETER;
    }
    if (String == nullptr) {
        return STATUS_ACCESS_VIOLATION;
    }
    return k::integer_to_unicode(Value, Base, String);
}

/* RtlUpcaseUnicodeChar (ntoskrnl) */
extern "C" WCHAR NTAPI RtlUpcaseUnicodeChar(WCHAR SourceCharacter) {
    return k::upcase(SourceCharacter);
}

/* RtlDowncaseUnicodeChar (ntoskrnl) */
extern "C" WCHAR NTAPI RtlDowncaseUnicodeChar(WCHAR SourceCharacter) {
    return k::downcase(SourceCharacter);
}
