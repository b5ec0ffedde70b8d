// wskemu: the return address of the current function, i.e. a place in the
// driver code that called into the emulated kernel (allocation sites, reports).
#pragma once

#if defined(_MSC_VER)
#include <intrin.h>
#define WSKEMU_CALLER() _ReturnAddress()
#else
#define WSKEMU_CALLER() __builtin_return_address(0)
#endif
