/* Must not compile: a driver-side file that also includes <windows.h> gets
 * wskemu's stand-in and its #error (docs/windows.md). */
#include <ntddk.h>
#include <windows.h>
