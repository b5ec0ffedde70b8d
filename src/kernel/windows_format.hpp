// wskemu: a printf engine with the Windows kernel's conventions, used by
// DbgPrint*, vDbgPrintEx* and the RtlString*Printf* functions.
//
// Sizes follow Windows, not the host: %ld/%lu/%lx read a 32-bit LONG/ULONG
// (an int on LP64 Linux), %lld and %I64d read 64 bits, %Id/%zd/%Iu read a
// pointer-sized value, %I32d reads 32 bits, %hd/%hhd narrow. %p prints the
// pointer as 2*sizeof(void*) upper-case hex digits without "0x". Strings:
// %hs is narrow, %ls/%ws wide, %Z a PANSI_STRING, %wZ a PUNICODE_STRING
// (Length bytes, no terminator needed), and plain %s means the caller's own
// width (narrow in the A engine, wide in the W engine) with %S the other one;
// %c/%C/%hc/%lc/%wc likewise. A null string pointer prints "(null)". Narrow
// text crossing into wide output is decoded as UTF-8 (stray bytes as
// Latin-1); wide text crossing into narrow output is encoded as UTF-8: the
// emulated ANSI code page is UTF-8. %n is accepted and ignored.
#pragma once

#include <ntdef.h>

#include <cstdarg>
#include <string>
#include <string_view>

namespace wskemu::kernel {

/// Formats a narrow format string (the A functions and DbgPrint).
std::string windows_vformat(const char* format, va_list args);

/// Formats a wide format string (the W functions): %s is wide, %S narrow.
std::wstring windows_vformat(const wchar_t* format, va_list args);

/// Encodes WCHAR text (UTF-16 or UTF-32, as wide as WCHAR is) as UTF-8;
/// unpaired surrogates and out-of-range values become U+FFFD.
std::string wide_to_utf8(std::wstring_view text);

/// Decodes UTF-8 into WCHAR text; bytes that are not valid UTF-8 are taken as
/// Latin-1 characters, so single-byte text survives.
std::wstring utf8_to_wide(std::string_view text);

}  // namespace wskemu::kernel
