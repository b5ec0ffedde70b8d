/* wskemu: the WDK's ntifs.h, reduced to <ntddk.h>: file-system interfaces are
 * not emulated, but drivers that include it for common types still compile. */
#ifndef _NTIFS_
#define _NTIFS_
#include <ntddk.h>
#endif /* _NTIFS_ */
