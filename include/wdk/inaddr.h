/* wskemu: IN_ADDR, the IPv4 address (the SDK's inaddr.h, included by ws2def.h).
 * Windows layout: a 4-byte union reachable as bytes, words or one ULONG, always
 * in network byte order. Valid C11 and C++20; never mix with the OS socket
 * headers in one translation unit (docs/wsk-headers.md). */
#ifndef _WSKEMU_INADDR_
#define _WSKEMU_INADDR_

#include <ntdef.h>

typedef struct in_addr {
    union {
        struct {
            UCHAR s_b1, s_b2, s_b3, s_b4;
        } S_un_b;
        struct {
            USHORT s_w1, s_w2;
        } S_un_w;
        ULONG S_addr;
    } S_un;
} IN_ADDR, *PIN_ADDR, *LPIN_ADDR;

/* Member shortcuts, as Windows spells them. */
#define s_addr S_un.S_addr          /* the whole address */
#define s_host S_un.S_un_b.s_b2     /* host on imp */
#define s_net S_un.S_un_b.s_b1      /* network */
#define s_imp S_un.S_un_w.s_w2      /* imp */
#define s_impno S_un.S_un_b.s_b4    /* imp number */
#define s_lh S_un.S_un_b.s_b3       /* logical host */

C_ASSERT(sizeof(IN_ADDR) == 4);

#endif /* _WSKEMU_INADDR_ */
