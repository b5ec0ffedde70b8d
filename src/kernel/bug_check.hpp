// wskemu: raising bug checks from the emulated kernel.
#pragma once

#include <ntdef.h>

#include <string_view>

namespace wskemu::kernel {

/// Reports a bug check: the STOP code, its four parameters and a sentence
/// naming the function, the object and the rule broken. Throws
/// wskemu::bug_check_error inside wskemu::catch_bug_check, aborts otherwise.
[[noreturn]] void raise_bug_check(ULONG code, ULONG_PTR p1, ULONG_PTR p2, ULONG_PTR p3, ULONG_PTR p4,
                                  std::string_view why);

/// Name of a bug check code ("IRQL_NOT_LESS_OR_EQUAL"), or "" if unknown.
std::string_view bug_check_name(ULONG code) noexcept;

}  // namespace wskemu::kernel
