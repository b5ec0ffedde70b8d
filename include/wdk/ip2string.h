/* wskemu: the WDK's ip2string.h. The RtlIpv4/RtlIpv6 text conversions are
 * declared in <wdm.h> (wdm_parts/rtl.h); the address types come from the
 * ws2 headers. */
#ifndef _IP2STRING_
#define _IP2STRING_
#include <wdm.h>
#include <inaddr.h>
#include <in6addr.h>
#endif /* _IP2STRING_ */
