/* wskemu: the WDK's ntddk.h. Everything a WSK driver needs is in <wdm.h>. */
#ifndef _NTDDK_
#define _NTDDK_
#include <wdm.h>
#endif /* _NTDDK_ */
