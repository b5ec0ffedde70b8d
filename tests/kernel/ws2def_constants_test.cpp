// Winsock definitions that WSK drivers see (include/wdk/ws2def.h, ws2ipdef.h,
// inaddr.h, in6addr.h, mstcpip.h): Windows values, not the host's, and the
// Windows layouts. Expected numbers come from the SDK headers as recorded in
// docs/wsk-reference.md section 9.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <type_traits>

#include <ws2def.h>
#include <ws2ipdef.h>
#include <mstcpip.h>

namespace {

TEST(Ws2defConstants, AddressFamiliesAndSocketTypesUseWindowsValues)
{
    EXPECT_EQ(AF_UNSPEC, 0);
    EXPECT_EQ(AF_UNIX, 1);
    EXPECT_EQ(AF_INET, 2);
    EXPECT_EQ(AF_INET6, 23) << "Linux uses 10";
    EXPECT_EQ(PF_INET6, AF_INET6);
    EXPECT_EQ(SOCK_STREAM, 1);
    EXPECT_EQ(SOCK_DGRAM, 2);
    EXPECT_EQ(SOCK_RAW, 3);
    EXPECT_EQ(SOCK_RDM, 4);
    EXPECT_EQ(SOCK_SEQPACKET, 5);
    static_assert(std::is_same_v<ADDRESS_FAMILY, USHORT>);
}

TEST(Ws2defConstants, ProtocolsAreAnEnumerationPlusIpprotoIp)
{
    EXPECT_EQ(IPPROTO_IP, 0);
    EXPECT_EQ(IPPROTO_HOPOPTS, 0);
    EXPECT_EQ(IPPROTO_ICMP, 1);
    EXPECT_EQ(IPPROTO_IGMP, 2);
    EXPECT_EQ(IPPROTO_TCP, 6);
    EXPECT_EQ(IPPROTO_UDP, 17);
    EXPECT_EQ(IPPROTO_IPV6, 41);
    EXPECT_EQ(IPPROTO_ICMPV6, 58);
    EXPECT_EQ(IPPROTO_RAW, 255);
    EXPECT_EQ(IPPROTO_MAX, 256);
    static_assert(std::is_enum_v<IPPROTO>);
}

TEST(Ws2defConstants, SocketLevelOptionsUseWindowsValues)
{
    EXPECT_EQ(SOL_SOCKET, 0xffff) << "Linux uses 1";
    EXPECT_EQ(SO_DEBUG, 0x0001);
    EXPECT_EQ(SO_REUSEADDR, 0x0004);
    EXPECT_EQ(SO_KEEPALIVE, 0x0008);
    EXPECT_EQ(SO_BROADCAST, 0x0020);
    EXPECT_EQ(SO_LINGER, 0x0080);
    EXPECT_EQ(SO_OOBINLINE, 0x0100);
    EXPECT_EQ(SO_SNDBUF, 0x1001);
    EXPECT_EQ(SO_RCVBUF, 0x1002);
    EXPECT_EQ(SO_SNDTIMEO, 0x1005);
    EXPECT_EQ(SO_RCVTIMEO, 0x1006);
    EXPECT_EQ(SO_ERROR, 0x1007);
    EXPECT_EQ(SO_TYPE, 0x1008);
    EXPECT_EQ(SO_CONDITIONAL_ACCEPT, 0x3002);
    EXPECT_EQ(SO_PORT_SCALABILITY, 0x3006);
    EXPECT_EQ(static_cast<ULONG>(SO_EXCLUSIVEADDRUSE), 0xFFFFFFFBu);
    EXPECT_EQ(static_cast<ULONG>(SO_DONTLINGER), 0xFFFFFF7Fu);
    EXPECT_EQ(WSK_SO_BASE, 0x4000);
}

TEST(Ws2ipdefConstants, TcpUdpIpAndIpv6OptionsUseWindowsValues)
{
    EXPECT_EQ(TCP_NODELAY, 1);
    EXPECT_EQ(TCP_KEEPALIVE, 3);
    EXPECT_EQ(TCP_KEEPIDLE, 3) << "Linux uses 4";
    EXPECT_EQ(TCP_MAXSEG, 4) << "Linux uses 2";
    EXPECT_EQ(TCP_MAXRT, 5);
    EXPECT_EQ(TCP_FASTOPEN, 15) << "Linux uses 23";
    EXPECT_EQ(TCP_KEEPCNT, 16) << "Linux uses 6";
    EXPECT_EQ(TCP_KEEPINTVL, 17) << "Linux uses 5";
    EXPECT_EQ(UDP_NOCHECKSUM, 1);
    EXPECT_EQ(UDP_CHECKSUM_COVERAGE, 20);

    EXPECT_EQ(IP_OPTIONS, 1);
    EXPECT_EQ(IP_HDRINCL, 2);
    EXPECT_EQ(IP_TOS, 3);
    EXPECT_EQ(IP_TTL, 4);
    EXPECT_EQ(IP_MULTICAST_IF, 9);
    EXPECT_EQ(IP_MULTICAST_TTL, 10);
    EXPECT_EQ(IP_MULTICAST_LOOP, 11);
    EXPECT_EQ(IP_ADD_MEMBERSHIP, 12);
    EXPECT_EQ(IP_DROP_MEMBERSHIP, 13);
    EXPECT_EQ(IP_DONTFRAGMENT, 14);
    EXPECT_EQ(IP_PKTINFO, 19);
    EXPECT_EQ(IP_RECVTOS, 40);

    EXPECT_EQ(IPV6_UNICAST_HOPS, 4);
    EXPECT_EQ(IPV6_MULTICAST_IF, 9);
    EXPECT_EQ(IPV6_JOIN_GROUP, 12);
    EXPECT_EQ(IPV6_LEAVE_GROUP, 13);
    EXPECT_EQ(IPV6_PKTINFO, 19);
    EXPECT_EQ(IPV6_V6ONLY, 27);
    EXPECT_EQ(IPV6_MTU, 72);
    EXPECT_EQ(INET_ADDRSTRLEN, 22);
    EXPECT_EQ(INET6_ADDRSTRLEN, 65);
}

TEST(Ws2defConstants, MessageFlags)
{
    EXPECT_EQ(MSG_OOB, 0x1);
    EXPECT_EQ(MSG_PEEK, 0x2);
    EXPECT_EQ(MSG_DONTROUTE, 0x4);
    EXPECT_EQ(MSG_WAITALL, 0x8);
    EXPECT_EQ(MSG_TRUNC, 0x0100);
    EXPECT_EQ(MSG_CTRUNC, 0x0200);
    EXPECT_EQ(MSG_BCAST, 0x0400);
    EXPECT_EQ(MSG_MCAST, 0x0800);
    EXPECT_EQ(MSG_ERRQUEUE, 0x1000);
}

TEST(Ws2defConstants, NameResolutionFlagsAndNamespaces)
{
    EXPECT_EQ(AI_PASSIVE, 0x01);
    EXPECT_EQ(AI_CANONNAME, 0x02);
    EXPECT_EQ(AI_NUMERICHOST, 0x04);
    EXPECT_EQ(AI_NUMERICSERV, 0x08);
    EXPECT_EQ(AI_ALL, 0x0100);
    EXPECT_EQ(AI_ADDRCONFIG, 0x0400);
    EXPECT_EQ(AI_V4MAPPED, 0x0800);
    EXPECT_EQ(AI_FQDN, 0x00020000);
    EXPECT_EQ(NI_NOFQDN, 0x01);
    EXPECT_EQ(NI_NUMERICHOST, 0x02);
    EXPECT_EQ(NI_NAMEREQD, 0x04);
    EXPECT_EQ(NI_NUMERICSERV, 0x08);
    EXPECT_EQ(NI_DGRAM, 0x10);
    EXPECT_EQ(NI_MAXHOST, 1025);
    EXPECT_EQ(NI_MAXSERV, 32);
    EXPECT_EQ(NS_ALL, 0);
    EXPECT_EQ(NS_DNS, 12);
}

TEST(Ws2defConstants, IoctlCodesAreBuiltTheWinsockWay)
{
    EXPECT_EQ(static_cast<ULONG>(IOC_VOID), 0x20000000u);
    EXPECT_EQ(static_cast<ULONG>(IOC_OUT), 0x40000000u);
    EXPECT_EQ(static_cast<ULONG>(IOC_IN), 0x80000000u);
    EXPECT_EQ(static_cast<ULONG>(IOC_INOUT), 0xC0000000u);
    EXPECT_EQ(IOC_WS2, 0x08000000);
    EXPECT_EQ(IOC_VENDOR, 0x18000000);
    EXPECT_EQ(IOC_WSK, 0x0F000000);
    EXPECT_EQ(static_cast<ULONG>(SIO_ADDRESS_LIST_QUERY), 0x48000016u);
    EXPECT_EQ(static_cast<ULONG>(SIO_ADDRESS_LIST_CHANGE), 0x28000017u);
    EXPECT_EQ(static_cast<ULONG>(SIO_ADDRESS_LIST_SORT), 0xC8000019u);
    EXPECT_EQ(static_cast<ULONG>(SIO_GET_EXTENSION_FUNCTION_POINTER), 0xC8000006u);
    EXPECT_EQ(static_cast<ULONG>(_IOR('t', 127, ULONG)), 0x4004747Fu);
    EXPECT_EQ(static_cast<ULONG>(SIO_KEEPALIVE_VALS), 0x98000004u);
    EXPECT_EQ(static_cast<ULONG>(SIO_RCVALL), 0x98000001u);
    EXPECT_EQ(static_cast<ULONG>(SIO_LOOPBACK_FAST_PATH), 0x98000010u);
    EXPECT_EQ(static_cast<ULONG>(SIO_TCP_INFO), 0xD8000027u);
}

TEST(Ws2defConstants, Ipv4AddressConstantsAreInHostOrder)
{
    EXPECT_EQ(INADDR_ANY, 0u);
    EXPECT_EQ(INADDR_LOOPBACK, 0x7f000001);
    EXPECT_EQ(INADDR_BROADCAST, 0xffffffffu);
    EXPECT_EQ(INADDR_NONE, 0xffffffffu);
}

TEST(InAddr, ByteWordAndLongViewsShareFourBytes)
{
    IN_ADDR a;
    std::memset(&a, 0xAA, sizeof a);
    a.S_un.S_un_b.s_b1 = 127;
    a.S_un.S_un_b.s_b2 = 0;
    a.S_un.S_un_b.s_b3 = 0;
    a.S_un.S_un_b.s_b4 = 1;
    const unsigned char wire[4] = {127, 0, 0, 1};
    ULONG as_long;
    std::memcpy(&as_long, wire, sizeof as_long);
    EXPECT_EQ(a.s_addr, as_long) << "s_addr is the network-order ULONG";
    EXPECT_EQ(a.s_net, 127);
    EXPECT_EQ(a.s_host, 0);
    EXPECT_EQ(a.s_lh, 0);
    EXPECT_EQ(a.s_impno, 1);
    EXPECT_EQ(a.s_imp, a.S_un.S_un_w.s_w2);
    static_assert(sizeof(IN_ADDR) == 4);
}

TEST(In6Addr, ShortcutsReachTheByteAndWordViews)
{
    IN6_ADDR a = IN6ADDR_LOOPBACK_INIT;
    EXPECT_EQ(a.s6_addr[15], 1);
    EXPECT_EQ(a.s6_bytes[15], 1);
    EXPECT_EQ(&a.s6_addr[0], &a.u.Byte[0]);
    EXPECT_EQ(static_cast<const void *>(&a.s6_words[7]), static_cast<const void *>(&a.u.Byte[14]));
    for (int i = 0; i < 15; ++i) {
        EXPECT_EQ(a.s6_addr[i], 0) << i;
    }
    IN6_ADDR any = IN6ADDR_ANY_INIT;
    IN6_ADDR mapped = IN6ADDR_V4MAPPEDPREFIX_INIT;
    IN6_ADDR link_local = IN6ADDR_LINKLOCALPREFIX_INIT;
    IN6_ADDR all_nodes = IN6ADDR_ALLNODESONLINK_INIT;
    EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&a));
    EXPECT_FALSE(IN6_IS_ADDR_UNSPECIFIED(&a));
    EXPECT_TRUE(IN6_IS_ADDR_UNSPECIFIED(&any));
    EXPECT_FALSE(IN6_IS_ADDR_LOOPBACK(&any));
    EXPECT_TRUE(IN6_IS_ADDR_V4MAPPED(&mapped));
    EXPECT_FALSE(IN6_IS_ADDR_V4MAPPED(&a));
    EXPECT_TRUE(IN6_IS_ADDR_LINKLOCAL(&link_local));
    EXPECT_TRUE(IN6_IS_ADDR_MULTICAST(&all_nodes));
    EXPECT_FALSE(IN6_IS_ADDR_MULTICAST(&a));
    EXPECT_TRUE(IN6_ADDR_EQUAL(&a, &a));
    EXPECT_FALSE(IN6_ADDR_EQUAL(&a, &any));
}

TEST(SockaddrIn, HasTheWindowsLayout)
{
    static_assert(sizeof(SOCKADDR) == 16);
    static_assert(offsetof(SOCKADDR, sa_data) == 2);
    static_assert(sizeof(SOCKADDR_IN) == 16);
    static_assert(offsetof(SOCKADDR_IN, sin_family) == 0);
    static_assert(offsetof(SOCKADDR_IN, sin_port) == 2);
    static_assert(offsetof(SOCKADDR_IN, sin_addr) == 4);
    static_assert(offsetof(SOCKADDR_IN, sin_zero) == 8);
    SOCKADDR_IN sin{};
    sin.sin_family = AF_INET;
    EXPECT_EQ(reinterpret_cast<SOCKADDR *>(&sin)->sa_family, AF_INET);
}

TEST(SockaddrIn6, HasTheWindowsLayoutWithAScopeUnion)
{
    static_assert(sizeof(SOCKADDR_IN6) == 28);
    static_assert(offsetof(SOCKADDR_IN6, sin6_port) == 2);
    static_assert(offsetof(SOCKADDR_IN6, sin6_flowinfo) == 4);
    static_assert(offsetof(SOCKADDR_IN6, sin6_addr) == 8);
    static_assert(offsetof(SOCKADDR_IN6, sin6_scope_id) == 24);
    static_assert(offsetof(SOCKADDR_IN6, sin6_scope_struct) == 24);
    static_assert(std::is_same_v<SOCKADDR_IN6, SOCKADDR_IN6_LH>);

    SOCKADDR_IN6 sin6;
    std::memset(&sin6, 0x55, sizeof sin6);
    IN6ADDR_SETLOOPBACK(&sin6);
    EXPECT_EQ(sin6.sin6_family, AF_INET6);
    EXPECT_EQ(sin6.sin6_port, 0);
    EXPECT_EQ(sin6.sin6_scope_id, 0u);
    EXPECT_TRUE(IN6ADDR_ISLOOPBACK(&sin6));
    IN6ADDR_SETANY(&sin6);
    EXPECT_TRUE(IN6ADDR_ISANY(&sin6));

    sin6.sin6_scope_struct.Zone = 5;
    sin6.sin6_scope_struct.Level = ScopeLevelLink;
    EXPECT_EQ(sin6.sin6_scope_id, (2u << 28) | 5u) << "Zone is the low 28 bits, Level the high 4";
    EXPECT_EQ(sin6.sin6_scope_struct.Value, sin6.sin6_scope_id);
}

TEST(SockaddrInet, FamilyOverlaysBothAddressKinds)
{
    static_assert(sizeof(SOCKADDR_INET) == 28);
    SOCKADDR_INET inet{};
    inet.Ipv6.sin6_family = AF_INET6;
    EXPECT_EQ(inet.si_family, AF_INET6);
    inet.Ipv4.sin_family = AF_INET;
    EXPECT_EQ(inet.si_family, AF_INET);
    EXPECT_EQ(SS_PORT(&inet), inet.Ipv4.sin_port);
}

TEST(SockaddrStorage, Is128BytesAndAlignedForAnyAddress)
{
    static_assert(sizeof(SOCKADDR_STORAGE) == 128);
    static_assert(alignof(SOCKADDR_STORAGE) == 8);
    static_assert(offsetof(SOCKADDR_STORAGE, ss_family) == 0);
    static_assert(offsetof(SOCKADDR_STORAGE, __ss_align) == 8);
    static_assert(sizeof(SOCKADDR_STORAGE) >= sizeof(SOCKADDR_IN6));
    SOCKADDR_STORAGE storage{};
    reinterpret_cast<SOCKADDR_IN6 *>(&storage)->sin6_family = AF_INET6;
    EXPECT_EQ(storage.ss_family, AF_INET6);
}

TEST(AddrInfoExW, MembersComeInSdkOrder)
{
    constexpr std::size_t p = sizeof(void *);
    static_assert(offsetof(ADDRINFOEXW, ai_flags) == 0);
    static_assert(offsetof(ADDRINFOEXW, ai_family) == 4);
    static_assert(offsetof(ADDRINFOEXW, ai_socktype) == 8);
    static_assert(offsetof(ADDRINFOEXW, ai_protocol) == 12);
    static_assert(offsetof(ADDRINFOEXW, ai_addrlen) == 16);
    static_assert(offsetof(ADDRINFOEXW, ai_canonname) == 16 + p);
    static_assert(offsetof(ADDRINFOEXW, ai_addr) == 16 + 2 * p);
    static_assert(offsetof(ADDRINFOEXW, ai_blob) == 16 + 3 * p);
    static_assert(offsetof(ADDRINFOEXW, ai_bloblen) == 16 + 4 * p);
    static_assert(offsetof(ADDRINFOEXW, ai_provider) == 16 + 5 * p);
    static_assert(offsetof(ADDRINFOEXW, ai_next) == 16 + 6 * p);
    static_assert(std::is_same_v<decltype(ADDRINFOEXW::ai_canonname), PWSTR>);
    static_assert(std::is_same_v<decltype(ADDRINFOEXW::ai_next), ADDRINFOEXW *>);
    static_assert(offsetof(ADDRINFOEXA, ai_next) == offsetof(ADDRINFOEXW, ai_next));
    static_assert(std::is_same_v<decltype(ADDRINFOEXA::ai_canonname), char *>);
    SUCCEED();
}

TEST(WsaCmsghdr, HeaderIsPointerPlusTwoIntsAndDataIsNaturallyAligned)
{
    static_assert(std::is_same_v<CMSGHDR, WSACMSGHDR>);
    static_assert(offsetof(WSACMSGHDR, cmsg_level) == sizeof(SIZE_T));
    static_assert(offsetof(WSACMSGHDR, cmsg_type) == sizeof(SIZE_T) + 4);
#if UINTPTR_MAX > 0xffffffffu
    static_assert(sizeof(CMSGHDR) == 16, "x64");
    EXPECT_EQ(WSA_CMSG_LEN(4), 20u);
    EXPECT_EQ(WSA_CMSG_SPACE(4), 24u);
    EXPECT_EQ(WSA_CMSG_SPACE(sizeof(IN6_PKTINFO)), 40u);
    EXPECT_EQ(WSA_CMSGDATA_ALIGN(sizeof(WSACMSGHDR)), 16u);
#endif
    EXPECT_EQ(CMSG_LEN(0), WSA_CMSGDATA_ALIGN(sizeof(WSACMSGHDR)));
}

TEST(WsaCmsghdr, FirstAndNextWalkEveryMessageAndStopAtTheEnd)
{
    alignas(WSACMSGHDR) unsigned char buffer[128];
    std::memset(buffer, 0xCC, sizeof buffer);
    auto *first = reinterpret_cast<PCMSGHDR>(buffer);
    first->cmsg_len = WSA_CMSG_LEN(sizeof(IN_PKTINFO));
    first->cmsg_level = IPPROTO_IP;
    first->cmsg_type = IP_PKTINFO;
    auto *second = reinterpret_cast<PCMSGHDR>(buffer + WSA_CMSG_SPACE(sizeof(IN_PKTINFO)));
    second->cmsg_len = WSA_CMSG_LEN(sizeof(INT));
    second->cmsg_level = IPPROTO_IP;
    second->cmsg_type = IP_TTL;

    WSAMSG msg{};
    msg.Control.buf = reinterpret_cast<CHAR *>(buffer);
    msg.Control.len = static_cast<ULONG>(WSA_CMSG_SPACE(sizeof(IN_PKTINFO)) + WSA_CMSG_SPACE(sizeof(INT)));

    EXPECT_EQ(CMSG_FIRSTHDR(&msg), first);
    EXPECT_EQ(CMSG_NXTHDR(&msg, static_cast<PCMSGHDR>(nullptr)), first);
    EXPECT_EQ(CMSG_NXTHDR(&msg, first), second);
    EXPECT_EQ(CMSG_NXTHDR(&msg, second), nullptr);
    EXPECT_EQ(CMSG_DATA(first), reinterpret_cast<PUCHAR>(first) + WSA_CMSGDATA_ALIGN(sizeof(WSACMSGHDR)));

    msg.Control.len = sizeof(WSACMSGHDR) - 1;
    EXPECT_EQ(CMSG_FIRSTHDR(&msg), nullptr) << "a buffer smaller than one header holds no message";
}

TEST(OptionStructures, HaveTheWindowsLayouts)
{
    static_assert(sizeof(IP_MREQ) == 8 && offsetof(IP_MREQ, imr_interface) == 4);
    static_assert(sizeof(IP_MREQ_SOURCE) == 12);
    static_assert(sizeof(IPV6_MREQ) == 20 && offsetof(IPV6_MREQ, ipv6mr_interface) == 16);
    static_assert(sizeof(IN_PKTINFO) == 8 && offsetof(IN_PKTINFO, ipi_ifindex) == 4);
    static_assert(sizeof(IN6_PKTINFO) == 20 && offsetof(IN6_PKTINFO, ipi6_ifindex) == 16);
    static_assert(sizeof(LINGER) == 4 && offsetof(LINGER, l_linger) == 2);
    static_assert(std::is_same_v<decltype(LINGER::l_onoff), unsigned short>);
    static_assert(sizeof(tcp_keepalive) == 12 && offsetof(tcp_keepalive, keepaliveinterval) == 8);
    static_assert(sizeof(SCOPE_ID) == 4);
    SUCCEED();
}

TEST(Ws2defHeaders, DefineTheSdkIncludeGuards)
{
#if !defined(_WS2DEF_) || !defined(_WS2IPDEF_) || !defined(_MSTCPIP_)
    ADD_FAILURE() << "code testing the SDK guard macros would not see them";
#endif
    SUCCEED();
}

} // namespace
