/* wskemu: IN6_ADDR, the IPv6 address (the SDK's in6addr.h, included by
 * ws2ipdef.h). Sixteen bytes in network order, reachable as bytes or as eight
 * USHORT words. Valid C11 and C++20. */
#ifndef _WSKEMU_IN6ADDR_
#define _WSKEMU_IN6ADDR_

#include <ntdef.h>

typedef struct in6_addr {
    union {
        UCHAR Byte[16];
        USHORT Word[8];
    } u;
} IN6_ADDR, *PIN6_ADDR, *LPIN6_ADDR;

#define in_addr6 in6_addr

/* Member shortcuts, as Windows spells them (s6_addr is the RFC 3493 name). */
#define _S6_un u
#define _S6_u8 Byte
#define s6_addr _S6_un._S6_u8
#define s6_bytes u.Byte
#define s6_words u.Word

C_ASSERT(sizeof(IN6_ADDR) == 16);

#endif /* _WSKEMU_IN6ADDR_ */
