// wskemu: marks a function that reports a fault: kept out of line, so that
// the hot path calling it saves no registers for it and holds no formatting
// code, and laid out away from the hot code.
#pragma once

#if defined(__GNUC__)
#define WSKEMU_COLD [[gnu::noinline, gnu::cold]]
#define WSKEMU_NOINLINE [[gnu::noinline]]
#elif defined(_MSC_VER)
#define WSKEMU_COLD __declspec(noinline)
#define WSKEMU_NOINLINE __declspec(noinline)
#else
#define WSKEMU_COLD
#define WSKEMU_NOINLINE
#endif
