/* wskemu: the SDK's ws2ipdef.h, TCP/IP definitions for Winsock and WSK:
 * SOCKADDR_IN6, SOCKADDR_INET, IPPROTO_IP / IPPROTO_IPV6 / IPPROTO_TCP /
 * IPPROTO_UDP option numbers (Windows values, which differ from Linux's),
 * multicast requests, packet-info structures and IPv6 address helpers.
 * Valid C11 and C++20. */
#ifndef _WS2IPDEF_
#define _WS2IPDEF_

#include <ntdef.h>
#include <ws2def.h>
#include <in6addr.h>

EXTERN_C_START

/* ---- IPPROTO_IP options ------------------------------------------------- */
#define IP_OPTIONS 1
#define IP_HDRINCL 2
#define IP_TOS 3
#define IP_TTL 4
#define IP_MULTICAST_IF 9
#define IP_MULTICAST_TTL 10
#define IP_MULTICAST_LOOP 11
#define IP_ADD_MEMBERSHIP 12
#define IP_DROP_MEMBERSHIP 13
#define IP_DONTFRAGMENT 14
#define IP_ADD_SOURCE_MEMBERSHIP 15
#define IP_DROP_SOURCE_MEMBERSHIP 16
#define IP_BLOCK_SOURCE 17
#define IP_UNBLOCK_SOURCE 18
#define IP_PKTINFO 19
#define IP_HOPLIMIT 21
#define IP_RECVTTL 21
#define IP_RECEIVE_BROADCAST 22
#define IP_RECVIF 24
#define IP_RECVDSTADDR 25
#define IP_IFLIST 28
#define IP_ADD_IFLIST 29
#define IP_DEL_IFLIST 30
#define IP_UNICAST_IF 31
#define IP_RTHDR 32
#define IP_GET_IFLIST 33
#define IP_RECVRTHDR 38
#define IP_TCLASS 39
#define IP_RECVTCLASS 40
#define IP_RECVTOS 40
#define IP_ORIGINAL_ARRIVAL_IF 47
#define IP_ECN 50
#define IP_PKTINFO_EX 51
#define IP_WFP_REDIRECT_RECORDS 60
#define IP_WFP_REDIRECT_CONTEXT 70
#define IP_MTU_DISCOVER 71
#define IP_MTU 73
#define IP_NRT_INTERFACE 74
#define IP_RECVERR 75
#define IP_USER_MTU 76

#define IP_UNSPECIFIED_TYPE_OF_SERVICE -1
#define IP_UNSPECIFIED_USER_MTU MAXULONG
#define IP_UNSPECIFIED_HOP_LIMIT -1

/* Path MTU discovery states (IP_MTU_DISCOVER / IPV6_MTU_DISCOVER). */
typedef enum _PMTUD_STATE {
    IP_PMTUDISC_NOT_SET,
    IP_PMTUDISC_DO,
    IP_PMTUDISC_DONT,
    IP_PMTUDISC_PROBE,
    IP_PMTUDISC_MAX
} PMTUD_STATE, *PPMTUD_STATE;

/* ---- IPPROTO_IPV6 options ----------------------------------------------- */
#define IPV6_HOPOPTS 1
#define IPV6_HDRINCL 2
#define IPV6_UNICAST_HOPS 4
#define IPV6_MULTICAST_IF 9
#define IPV6_MULTICAST_HOPS 10
#define IPV6_MULTICAST_LOOP 11
#define IPV6_ADD_MEMBERSHIP 12
#define IPV6_JOIN_GROUP IPV6_ADD_MEMBERSHIP
#define IPV6_DROP_MEMBERSHIP 13
#define IPV6_LEAVE_GROUP IPV6_DROP_MEMBERSHIP
#define IPV6_DONTFRAG 14
#define IPV6_PKTINFO 19
#define IPV6_HOPLIMIT 21
#define IPV6_PROTECTION_LEVEL 23
#define IPV6_RECVIF 24
#define IPV6_RECVDSTADDR 25
#define IPV6_CHECKSUM 26
#define IPV6_V6ONLY 27
#define IPV6_IFLIST 28
#define IPV6_ADD_IFLIST 29
#define IPV6_DEL_IFLIST 30
#define IPV6_UNICAST_IF 31
#define IPV6_RTHDR 32
#define IPV6_GET_IFLIST 33
#define IPV6_RECVRTHDR 38
#define IPV6_TCLASS 39
#define IPV6_RECVTCLASS 40
#define IPV6_ECN 50
#define IPV6_PKTINFO_EX 51
#define IPV6_WFP_REDIRECT_RECORDS 60
#define IPV6_WFP_REDIRECT_CONTEXT 70
#define IPV6_MTU_DISCOVER 71
#define IPV6_MTU 72
#define IPV6_NRT_INTERFACE 74
#define IPV6_RECVERR 75
#define IPV6_USER_MTU 76

#define IP_PROTECTION_LEVEL IPV6_PROTECTION_LEVEL
#define PROTECTION_LEVEL_UNRESTRICTED 10
#define PROTECTION_LEVEL_EDGERESTRICTED 20
#define PROTECTION_LEVEL_RESTRICTED 30
#define PROTECTION_LEVEL_DEFAULT ((UINT)-1)

/* ---- protocol-independent multicast ------------------------------------- */
#define MCAST_JOIN_GROUP 41
#define MCAST_LEAVE_GROUP 42
#define MCAST_BLOCK_SOURCE 43
#define MCAST_UNBLOCK_SOURCE 44
#define MCAST_JOIN_SOURCE_GROUP 45
#define MCAST_LEAVE_SOURCE_GROUP 46

typedef enum { MCAST_INCLUDE = 0, MCAST_EXCLUDE } MULTICAST_MODE_TYPE;

/* ---- IPPROTO_TCP options (TCP_NODELAY is in ws2def.h) ------------------- */
#define TCP_OFFLOAD_NO_PREFERENCE 0
#define TCP_OFFLOAD_NOT_PREFERRED 1
#define TCP_OFFLOAD_PREFERRED 2

#define TCP_EXPEDITED_1122 0x0002
#define TCP_KEEPALIVE 3
#define TCP_MAXSEG 4
#define TCP_MAXRT 5
#define TCP_STDURG 6
#define TCP_NOURG 7
#define TCP_ATMARK 8
#define TCP_NOSYNRETRIES 9
#define TCP_TIMESTAMPS 10
#define TCP_OFFLOAD_PREFERENCE 11
#define TCP_CONGESTION_ALGORITHM 12
#define TCP_DELAY_FIN_ACK 13
#define TCP_MAXRTMS 14
#define TCP_FASTOPEN 15
#define TCP_KEEPCNT 16
#define TCP_KEEPIDLE TCP_KEEPALIVE
#define TCP_KEEPINTVL 17
#define TCP_FAIL_CONNECT_ON_ICMP_ERROR 18
#define TCP_ICMP_ERROR_INFO 19

/* ---- IPPROTO_UDP options ------------------------------------------------ */
#define UDP_NOCHECKSUM 1
#define UDP_SEND_MSG_SIZE 2
#define UDP_RECV_MAX_COALESCED_SIZE 3
#define UDP_COALESCED_INFO 3
#define UDP_CHECKSUM_COVERAGE 20

/* ---- IPv6 socket address ------------------------------------------------ */
/* The Vista-and-later layout: the scope is a ULONG or a SCOPE_ID. */
typedef struct sockaddr_in6 {
    ADDRESS_FAMILY sin6_family;
    USHORT sin6_port; /* network byte order */
    ULONG sin6_flowinfo;
    IN6_ADDR sin6_addr;
    union {
        ULONG sin6_scope_id;
        SCOPE_ID sin6_scope_struct;
    };
} SOCKADDR_IN6_LH, *PSOCKADDR_IN6_LH, *LPSOCKADDR_IN6_LH;

typedef SOCKADDR_IN6_LH SOCKADDR_IN6;
typedef SOCKADDR_IN6_LH *PSOCKADDR_IN6;
typedef SOCKADDR_IN6_LH *LPSOCKADDR_IN6;

typedef union _SOCKADDR_INET {
    SOCKADDR_IN Ipv4;
    SOCKADDR_IN6 Ipv6;
    ADDRESS_FAMILY si_family;
} SOCKADDR_INET, *PSOCKADDR_INET;

typedef struct _sockaddr_in6_pair {
    PSOCKADDR_IN6 SourceAddress;
    PSOCKADDR_IN6 DestinationAddress;
} SOCKADDR_IN6_PAIR, *PSOCKADDR_IN6_PAIR;

/* The port sits at the same offset in SOCKADDR_IN and SOCKADDR_IN6. */
#define SS_PORT(ssp) (((PSOCKADDR_IN)(ssp))->sin_port)

#define INET_ADDRSTRLEN 22
#define INET6_ADDRSTRLEN 65

/* ---- well-known IPv6 addresses (network byte order) --------------------- */
/* Fully braced (struct, union, array) so they compile warning-free in C and
 * C++; usable wherever the SDK's flat initialisers are. */
#define IN6ADDR_ANY_INIT {{{0}}}
#define IN6ADDR_LOOPBACK_INIT {{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}}}
#define IN6ADDR_ALLNODESONNODE_INIT {{{0xff, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}}}
#define IN6ADDR_ALLNODESONLINK_INIT {{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}}}
#define IN6ADDR_ALLROUTERSONLINK_INIT {{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02}}}
#define IN6ADDR_ALLMLDV2ROUTERSONLINK_INIT {{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16}}}
#define IN6ADDR_LINKLOCALPREFIX_INIT {{{0xfe, 0x80}}}
#define IN6ADDR_MULTICASTPREFIX_INIT {{{0xff, 0x00}}}
#define IN6ADDR_SOLICITEDNODEMULTICASTPREFIX_INIT {{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff}}}
#define IN6ADDR_V4MAPPEDPREFIX_INIT {{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}}}
#define IN6ADDR_6TO4PREFIX_INIT {{{0x20, 0x02}}}
#define IN6ADDR_TEREDOPREFIX_INIT {{{0x20, 0x01, 0x00, 0x00}}}

#define IN6ADDR_LINKLOCALPREFIX_LENGTH 64
#define IN6ADDR_MULTICASTPREFIX_LENGTH 8
#define IN6ADDR_SOLICITEDNODEMULTICASTPREFIX_LENGTH 104
#define IN6ADDR_V4MAPPEDPREFIX_LENGTH 96
#define IN6ADDR_6TO4PREFIX_LENGTH 16
#define IN6ADDR_TEREDOPREFIX_LENGTH 32

/* ---- IPv6 address tests ------------------------------------------------- */
/* Byte-wise so that they work on any alignment and need no exported data. */
FORCEINLINE BOOLEAN IN6_ADDR_EQUAL(const IN6_ADDR *x, const IN6_ADDR *y)
{
    return (BOOLEAN)(memcmp(x->u.Byte, y->u.Byte, sizeof(IN6_ADDR)) == 0);
}
#define IN6_ARE_ADDR_EQUAL IN6_ADDR_EQUAL

FORCEINLINE BOOLEAN IN6_IS_ADDR_UNSPECIFIED(const IN6_ADDR *a)
{
    static const IN6_ADDR any = IN6ADDR_ANY_INIT;
    return IN6_ADDR_EQUAL(a, &any);
}

FORCEINLINE BOOLEAN IN6_IS_ADDR_LOOPBACK(const IN6_ADDR *a)
{
    static const IN6_ADDR loopback = IN6ADDR_LOOPBACK_INIT;
    return IN6_ADDR_EQUAL(a, &loopback);
}

FORCEINLINE BOOLEAN IN6_IS_ADDR_MULTICAST(const IN6_ADDR *a)
{
    return (BOOLEAN)(a->u.Byte[0] == 0xff);
}

FORCEINLINE BOOLEAN IN6_IS_ADDR_LINKLOCAL(const IN6_ADDR *a)
{
    return (BOOLEAN)(a->u.Byte[0] == 0xfe && (a->u.Byte[1] & 0xc0) == 0x80);
}

FORCEINLINE BOOLEAN IN6_IS_ADDR_SITELOCAL(const IN6_ADDR *a)
{
    return (BOOLEAN)(a->u.Byte[0] == 0xfe && (a->u.Byte[1] & 0xc0) == 0xc0);
}

FORCEINLINE BOOLEAN IN6_IS_ADDR_V4MAPPED(const IN6_ADDR *a)
{
    static const IN6_ADDR prefix = IN6ADDR_V4MAPPEDPREFIX_INIT;
    return (BOOLEAN)(memcmp(a->u.Byte, prefix.u.Byte, 12) == 0);
}

FORCEINLINE VOID IN6_SET_ADDR_UNSPECIFIED(PIN6_ADDR a)
{
    memset(a->u.Byte, 0, sizeof(IN6_ADDR));
}

FORCEINLINE VOID IN6_SET_ADDR_LOOPBACK(PIN6_ADDR a)
{
    memset(a->u.Byte, 0, sizeof(IN6_ADDR));
    a->u.Byte[15] = 1;
}

FORCEINLINE VOID IN6ADDR_SETANY(PSOCKADDR_IN6 a)
{
    a->sin6_family = AF_INET6;
    a->sin6_port = 0;
    a->sin6_flowinfo = 0;
    IN6_SET_ADDR_UNSPECIFIED(&a->sin6_addr);
    a->sin6_scope_id = 0;
}

FORCEINLINE VOID IN6ADDR_SETLOOPBACK(PSOCKADDR_IN6 a)
{
    a->sin6_family = AF_INET6;
    a->sin6_port = 0;
    a->sin6_flowinfo = 0;
    IN6_SET_ADDR_LOOPBACK(&a->sin6_addr);
    a->sin6_scope_id = 0;
}

FORCEINLINE BOOLEAN IN6ADDR_ISANY(const SOCKADDR_IN6 *a)
{
    return IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr);
}

FORCEINLINE BOOLEAN IN6ADDR_ISLOOPBACK(const SOCKADDR_IN6 *a)
{
    return IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
}

/* ---- option payloads ---------------------------------------------------- */
/* IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP */
typedef struct ip_mreq {
    IN_ADDR imr_multiaddr;
    IN_ADDR imr_interface;
} IP_MREQ, *PIP_MREQ;

/* IP_ADD_SOURCE_MEMBERSHIP, IP_BLOCK_SOURCE, ... */
typedef struct ip_mreq_source {
    IN_ADDR imr_multiaddr;
    IN_ADDR imr_sourceaddr;
    IN_ADDR imr_interface;
} IP_MREQ_SOURCE, *PIP_MREQ_SOURCE;

/* IPV6_ADD_MEMBERSHIP / IPV6_DROP_MEMBERSHIP */
typedef struct ipv6_mreq {
    IN6_ADDR ipv6mr_multiaddr;
    ULONG ipv6mr_interface;
} IPV6_MREQ, *PIPV6_MREQ;

/* MCAST_JOIN_GROUP / MCAST_LEAVE_GROUP */
typedef struct group_req {
    ULONG gr_interface;
    SOCKADDR_STORAGE gr_group;
} GROUP_REQ, *PGROUP_REQ;

/* MCAST_JOIN_SOURCE_GROUP, ... */
typedef struct group_source_req {
    ULONG gsr_interface;
    SOCKADDR_STORAGE gsr_group;
    SOCKADDR_STORAGE gsr_source;
} GROUP_SOURCE_REQ, *PGROUP_SOURCE_REQ;

/* IP_PKTINFO control message */
typedef struct in_pktinfo {
    IN_ADDR ipi_addr;
    ULONG ipi_ifindex;
} IN_PKTINFO, *PIN_PKTINFO;

/* IPV6_PKTINFO control message */
typedef struct in6_pktinfo {
    IN6_ADDR ipi6_addr;
    ULONG ipi6_ifindex;
} IN6_PKTINFO, *PIN6_PKTINFO;

typedef struct in_pktinfo_ex {
    IN_PKTINFO pkt_info;
    SCOPE_ID scope_id;
} IN_PKTINFO_EX, *PIN_PKTINFO_EX;

typedef struct in6_pktinfo_ex {
    IN6_PKTINFO pkt_info;
    SCOPE_ID scope_id;
} IN6_PKTINFO_EX, *PIN6_PKTINFO_EX;

/* ---- layout pins (these hold on every target) --------------------------- */
C_ASSERT(sizeof(SOCKADDR_IN6) == 28);
C_ASSERT(offsetof(SOCKADDR_IN6, sin6_port) == 2);
C_ASSERT(offsetof(SOCKADDR_IN6, sin6_flowinfo) == 4);
C_ASSERT(offsetof(SOCKADDR_IN6, sin6_addr) == 8);
C_ASSERT(offsetof(SOCKADDR_IN6, sin6_scope_id) == 24);
C_ASSERT(sizeof(SOCKADDR_INET) == 28);
C_ASSERT(sizeof(IP_MREQ) == 8);
C_ASSERT(sizeof(IPV6_MREQ) == 20);
C_ASSERT(sizeof(IN_PKTINFO) == 8);
C_ASSERT(sizeof(IN6_PKTINFO) == 20);
C_ASSERT(sizeof(IN_PKTINFO_EX) == 12);
C_ASSERT(sizeof(IN6_PKTINFO_EX) == 24);

EXTERN_C_END

#endif /* _WS2IPDEF_ */
