// Layout of the WSK types (include/wdk/wsk.h), pinned at compile time in the
// C++ spelling here and in the C spelling in tests/drivers/wsk_types_driver.c,
// then checked at run time through the C and C++ test drivers, which build
// every table, read every slot back and call every member.
#include <gtest/gtest.h>

#include <cstddef>
#include <type_traits>
#include <vector>

#include <ntddk.h>
#include <wsk.h>

extern "C" {
ULONG wsk_types_driver_touch_all(ULONG *checks_run);
SIZE_T wsk_types_driver_layout(SIZE_T *values, SIZE_T capacity);
ULONG wsk_types_driver_cpp_touch_all(ULONG *checks_run);
SIZE_T wsk_types_driver_cpp_layout(SIZE_T *values, SIZE_T capacity);
}

namespace {

constexpr std::size_t pointer_size = sizeof(PVOID);

// Dispatch-table index of a byte offset; only whole pointer slots count.
constexpr std::size_t slot_of(std::size_t offset)
{
    return offset % pointer_size == 0 ? offset / pointer_size : static_cast<std::size_t>(-1);
}

// ---- every table member, C++ spelling (Basic.WskXxx) -----------------------
static_assert(slot_of(offsetof(WSK_PROVIDER_DISPATCH, WskSocket)) == 1);
static_assert(slot_of(offsetof(WSK_PROVIDER_DISPATCH, WskSocketConnect)) == 2);
static_assert(slot_of(offsetof(WSK_PROVIDER_DISPATCH, WskControlClient)) == 3);
static_assert(slot_of(offsetof(WSK_PROVIDER_DISPATCH, WskGetAddressInfo)) == 4);
static_assert(slot_of(offsetof(WSK_PROVIDER_DISPATCH, WskFreeAddressInfo)) == 5);
static_assert(slot_of(offsetof(WSK_PROVIDER_DISPATCH, WskGetNameInfo)) == 6);
static_assert(sizeof(WSK_PROVIDER_DISPATCH) == 7 * pointer_size);

static_assert(slot_of(offsetof(WSK_PROVIDER_BASIC_DISPATCH, WskControlSocket)) == 0);
static_assert(slot_of(offsetof(WSK_PROVIDER_BASIC_DISPATCH, WskCloseSocket)) == 1);
static_assert(sizeof(WSK_PROVIDER_BASIC_DISPATCH) == 2 * pointer_size);

static_assert(slot_of(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, Basic.WskControlSocket)) == 0);
static_assert(slot_of(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, Basic.WskCloseSocket)) == 1);
static_assert(slot_of(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, WskBind)) == 2);
static_assert(slot_of(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, WskAccept)) == 3);
static_assert(slot_of(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, WskInspectComplete)) == 4);
static_assert(slot_of(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, WskGetLocalAddress)) == 5);
static_assert(sizeof(WSK_PROVIDER_LISTEN_DISPATCH) == 6 * pointer_size);

static_assert(slot_of(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, Basic.WskControlSocket)) == 0);
static_assert(slot_of(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, Basic.WskCloseSocket)) == 1);
static_assert(slot_of(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskBind)) == 2);
static_assert(slot_of(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskSendTo)) == 3);
static_assert(slot_of(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskReceiveFrom)) == 4);
static_assert(slot_of(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskRelease)) == 5);
static_assert(slot_of(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskGetLocalAddress)) == 6);
static_assert(slot_of(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskSendMessages)) == 7);
static_assert(sizeof(WSK_PROVIDER_DATAGRAM_DISPATCH) == 8 * pointer_size);

static_assert(slot_of(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, Basic.WskControlSocket)) == 0);
static_assert(slot_of(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, Basic.WskCloseSocket)) == 1);
static_assert(slot_of(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskBind)) == 2);
static_assert(slot_of(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskConnect)) == 3);
static_assert(slot_of(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskGetLocalAddress)) == 4);
static_assert(slot_of(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskGetRemoteAddress)) == 5);
static_assert(slot_of(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskSend)) == 6);
static_assert(slot_of(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskReceive)) == 7);
static_assert(slot_of(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskDisconnect)) == 8);
static_assert(slot_of(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskRelease)) == 9);
static_assert(slot_of(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskConnectEx)) == 10);
static_assert(slot_of(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskSendEx)) == 11);
static_assert(slot_of(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskReceiveEx)) == 12);
static_assert(sizeof(WSK_PROVIDER_CONNECTION_DISPATCH) == 13 * pointer_size);

static_assert(slot_of(offsetof(WSK_PROVIDER_STREAM_DISPATCH, Basic.WskControlSocket)) == 0);
static_assert(slot_of(offsetof(WSK_PROVIDER_STREAM_DISPATCH, Basic.WskCloseSocket)) == 1);
static_assert(slot_of(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskBind)) == 2);
static_assert(slot_of(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskAccept)) == 3);
static_assert(slot_of(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskConnect)) == 4);
static_assert(slot_of(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskListen)) == 5);
static_assert(slot_of(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskSend)) == 6);
static_assert(slot_of(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskReceive)) == 7);
static_assert(slot_of(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskDisconnect)) == 8);
static_assert(slot_of(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskRelease)) == 9);
static_assert(slot_of(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskGetLocalAddress)) == 10);
static_assert(slot_of(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskGetRemoteAddress)) == 11);
static_assert(slot_of(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskConnectEx)) == 12);
static_assert(slot_of(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskSendEx)) == 13);
static_assert(slot_of(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskReceiveEx)) == 14);
static_assert(sizeof(WSK_PROVIDER_STREAM_DISPATCH) == 15 * pointer_size);

static_assert(slot_of(offsetof(WSK_CLIENT_DISPATCH, WskClientEvent)) == 1);
static_assert(sizeof(WSK_CLIENT_DISPATCH) == 2 * pointer_size);

static_assert(slot_of(offsetof(WSK_CLIENT_LISTEN_DISPATCH, WskAcceptEvent)) == 0);
static_assert(slot_of(offsetof(WSK_CLIENT_LISTEN_DISPATCH, WskInspectEvent)) == 1);
static_assert(slot_of(offsetof(WSK_CLIENT_LISTEN_DISPATCH, WskAbortEvent)) == 2);
static_assert(sizeof(WSK_CLIENT_LISTEN_DISPATCH) == 3 * pointer_size);

static_assert(slot_of(offsetof(WSK_CLIENT_DATAGRAM_DISPATCH, WskReceiveFromEvent)) == 0);
static_assert(sizeof(WSK_CLIENT_DATAGRAM_DISPATCH) == 1 * pointer_size);

static_assert(slot_of(offsetof(WSK_CLIENT_CONNECTION_DISPATCH, WskReceiveEvent)) == 0);
static_assert(slot_of(offsetof(WSK_CLIENT_CONNECTION_DISPATCH, WskDisconnectEvent)) == 1);
static_assert(slot_of(offsetof(WSK_CLIENT_CONNECTION_DISPATCH, WskSendBacklogEvent)) == 2);
static_assert(sizeof(WSK_CLIENT_CONNECTION_DISPATCH) == 3 * pointer_size);

static_assert(slot_of(offsetof(WSK_CLIENT_STREAM_DISPATCH, Listen)) == 0);
static_assert(slot_of(offsetof(WSK_CLIENT_STREAM_DISPATCH, Connect)) == 1);
static_assert(sizeof(WSK_CLIENT_STREAM_DISPATCH) == 2 * pointer_size);
// ---- the other WSK structures ----------------------------------------------
static_assert(sizeof(WSK_SOCKET) == pointer_size && offsetof(WSK_SOCKET, Dispatch) == 0);
static_assert(std::is_same_v<PWSK_CLIENT, PVOID>, "PWSK_CLIENT is an opaque PVOID, as in the WDK");
static_assert(sizeof(WSK_BUF) == 3 * pointer_size);
static_assert(offsetof(WSK_BUF, Mdl) == 0 && offsetof(WSK_BUF, Offset) == pointer_size &&
              offsetof(WSK_BUF, Length) == 2 * pointer_size);
static_assert(offsetof(WSK_BUF_LIST, Buffer) == pointer_size && sizeof(WSK_BUF_LIST) == 4 * pointer_size);
static_assert(offsetof(WSK_DATA_INDICATION, Buffer) == pointer_size && sizeof(WSK_DATA_INDICATION) == 4 * pointer_size);
static_assert(offsetof(WSK_DATAGRAM_INDICATION, Buffer) == pointer_size &&
              offsetof(WSK_DATAGRAM_INDICATION, ControlInfo) == 4 * pointer_size &&
              offsetof(WSK_DATAGRAM_INDICATION, ControlInfoLength) == 5 * pointer_size &&
              offsetof(WSK_DATAGRAM_INDICATION, RemoteAddress) == 6 * pointer_size);
static_assert(offsetof(WSK_INSPECT_ID, SerialNumber) == pointer_size);
static_assert(offsetof(WSK_EVENT_CALLBACK_CONTROL, EventMask) == pointer_size);
static_assert(offsetof(WSK_EXTENSION_CONTROL_IN, ClientDispatch) == 2 * pointer_size);
static_assert(offsetof(WSK_EXTENSION_CONTROL_OUT, ProviderDispatch) == pointer_size);
static_assert(offsetof(WSK_TRANSPORT, Protocol) == 4 && offsetof(WSK_TRANSPORT, AddressFamily) == 8 &&
              offsetof(WSK_TRANSPORT, ProviderId) == 12 && sizeof(WSK_TRANSPORT) == 28);
static_assert(offsetof(WSK_TDI_MAP, Protocol) == 4 && offsetof(WSK_TDI_MAP, TdiDeviceName) == 8);
static_assert(sizeof(WSK_PROVIDER_CHARACTERISTICS) == 4 && offsetof(WSK_PROVIDER_CHARACTERISTICS, LowestVersion) == 2);
static_assert(offsetof(WSK_CLIENT_NPI, Dispatch) == pointer_size && offsetof(WSK_PROVIDER_NPI, Dispatch) == pointer_size);
static_assert(offsetof(WSK_REGISTRATION, ReservedRegistrationContext) == 8 &&
              offsetof(WSK_REGISTRATION, ReservedRegistrationLock) == 8 + pointer_size);
static_assert(std::is_same_v<NPIID, GUID> && std::is_same_v<PNPIID, GUID *>);
#if UINTPTR_MAX > 0xffffffffu
static_assert(sizeof(WSK_BUF) == 24, "x64: Mdl@0, Offset@8, Length@16");
static_assert(sizeof(WSK_REGISTRATION) == 24);
static_assert(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskReceiveEx) == 0x70);
#endif

// The five netio exports, declared with these exact types (no call, no link).
static_assert(std::is_same_v<decltype(&WskRegister), NTSTATUS(NTAPI *)(PWSK_CLIENT_NPI, PWSK_REGISTRATION)>);
static_assert(std::is_same_v<decltype(&WskDeregister), VOID(NTAPI *)(PWSK_REGISTRATION)>);
static_assert(std::is_same_v<decltype(&WskCaptureProviderNPI),
                             NTSTATUS(NTAPI *)(PWSK_REGISTRATION, ULONG, PWSK_PROVIDER_NPI)>);
static_assert(std::is_same_v<decltype(&WskReleaseProviderNPI), VOID(NTAPI *)(PWSK_REGISTRATION)>);
static_assert(std::is_same_v<decltype(&WskQueryProviderCharacteristics),
                             NTSTATUS(NTAPI *)(PWSK_REGISTRATION, PWSK_PROVIDER_CHARACTERISTICS)>);
static_assert(std::is_same_v<decltype(NPI_WSK_INTERFACE_ID), const NPIID>);

// The layout list both drivers report, derived from the WDK's rules rather
// than from our headers: a table of n members is n pointers, member k at k.
std::vector<SIZE_T> expected_layout()
{
    std::vector<SIZE_T> v;
    for (SIZE_T members : {6, 8, 13, 15}) { // listen, datagram, connection, stream
        v.push_back(members * pointer_size);
        for (SIZE_T k = 0; k < members; ++k) {
            v.push_back(k * pointer_size);
        }
    }
    v.insert(v.end(), {3 * pointer_size, pointer_size, 2 * pointer_size}); // WSK_BUF
    // WSK_DATAGRAM_INDICATION: Next, Buffer (3), ControlInfo, ControlInfoLength (padded), RemoteAddress.
    v.insert(v.end(), {7 * pointer_size, pointer_size, 4 * pointer_size, 5 * pointer_size, 6 * pointer_size});
    v.push_back(8 + 2 * pointer_size);                                       // WSK_REGISTRATION
    v.push_back(28);                                                         // SOCKADDR_IN6
    v.push_back(128);                                                        // SOCKADDR_STORAGE
    v.push_back(pointer_size + 8);                                           // CMSGHDR: SIZE_T, INT, INT
    v.push_back(4 * sizeof(int) + 6 * pointer_size);                         // ADDRINFOEXW::ai_next
    return v;
}

std::vector<SIZE_T> read_layout(SIZE_T (*layout)(SIZE_T *, SIZE_T))
{
    std::vector<SIZE_T> values(256, static_cast<SIZE_T>(0xdeadbeef));
    SIZE_T n = layout(values.data(), values.size());
    values.resize(n);
    return values;
}

TEST(WskProviderDispatchTables, CDriverFindsEveryMemberInItsSlotAndCallsIt)
{
    ULONG run = 0xdeadbeef;
    ULONG failed = wsk_types_driver_touch_all(&run);
    EXPECT_EQ(failed, 0u);
    // At least one check per provider and client table slot (51 + 9).
    EXPECT_GE(run, 60u);
    EXPECT_NE(run, 0xdeadbeefu);
}

TEST(WskProviderDispatchTables, CppDriverFindsEveryMemberInItsSlotAndCallsIt)
{
    ULONG run = 0xdeadbeef;
    ULONG failed = wsk_types_driver_cpp_touch_all(&run);
    EXPECT_EQ(failed, 0u);
    EXPECT_GE(run, 60u);
    EXPECT_NE(run, 0xdeadbeefu);
}

TEST(WskProviderDispatchTables, CAndCppSpellingsHaveTheWdkLayout)
{
    const std::vector<SIZE_T> expected = expected_layout();
    const std::vector<SIZE_T> from_c = read_layout(wsk_types_driver_layout);
    const std::vector<SIZE_T> from_cpp = read_layout(wsk_types_driver_cpp_layout);
    ASSERT_EQ(from_c.size(), expected.size());
    ASSERT_EQ(from_cpp.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(from_c[i], expected[i]) << "C layout entry " << i;
        EXPECT_EQ(from_cpp[i], expected[i]) << "C++ layout entry " << i;
    }
}

TEST(WskProviderDispatchTables, LayoutReportRespectsCapacity)
{
    SIZE_T values[4] = {1, 2, 3, 4};
    EXPECT_EQ(wsk_types_driver_layout(values, 2), expected_layout().size());
    EXPECT_EQ(values[0], 6 * pointer_size);
    EXPECT_EQ(values[1], 0u);
    EXPECT_EQ(values[2], 3u) << "entries beyond the capacity are left alone";
}

TEST(WskVersionMacros, PackMajorAndMinorIntoAUshort)
{
    EXPECT_EQ(MAKE_WSK_VERSION(1, 0), 0x0100);
    EXPECT_EQ(MAKE_WSK_VERSION(2, 0x1ff), 0x02ff) << "the minor is masked to 8 bits";
    static_assert(std::is_same_v<decltype(MAKE_WSK_VERSION(1, 0)), int>,
                  "USHORT | USHORT promotes to int, as in the WDK");
    USHORT version = MAKE_WSK_VERSION(3, 7);
    EXPECT_EQ(WSK_MAJOR_VERSION(version), 3);
    EXPECT_EQ(WSK_MINOR_VERSION(version), 7);
    static_assert(std::is_same_v<decltype(WSK_MAJOR_VERSION(version)), UCHAR>);
}

TEST(WskConstants, FlagsEventsAndCodesHaveTheWdkValues)
{
    EXPECT_EQ(WSK_FLAG_BASIC_SOCKET, 0x0u);
    EXPECT_EQ(WSK_FLAG_LISTEN_SOCKET, 0x1u);
    EXPECT_EQ(WSK_FLAG_CONNECTION_SOCKET, 0x2u);
    EXPECT_EQ(WSK_FLAG_DATAGRAM_SOCKET, 0x4u);
    EXPECT_EQ(WSK_FLAG_STREAM_SOCKET, 0x8u);
    EXPECT_EQ(WSK_FLAG_ABORTIVE, 0x1u);
    EXPECT_EQ(WSK_FLAG_OOB, 0x1u);
    EXPECT_EQ(WSK_FLAG_NODELAY, 0x2u);
    EXPECT_EQ(WSK_FLAG_WAITALL, 0x2u);
    EXPECT_EQ(WSK_FLAG_RELEASE_ASAP, 0x2u);
    EXPECT_EQ(WSK_FLAG_DRAIN, 0x4u);
    EXPECT_EQ(WSK_FLAG_ENTIRE_MESSAGE, 0x4u);
    EXPECT_EQ(WSK_FLAG_AT_DISPATCH_LEVEL, 0x8u);

    EXPECT_EQ(WSK_EVENT_SEND_BACKLOG, 0x10u);
    EXPECT_EQ(WSK_EVENT_RECEIVE, 0x40u);
    EXPECT_EQ(WSK_EVENT_DISCONNECT, 0x80u);
    EXPECT_EQ(WSK_EVENT_RECEIVE_FROM, 0x100u);
    EXPECT_EQ(WSK_EVENT_ACCEPT, 0x200u);
    EXPECT_EQ(WSK_EVENT_DISABLE, 0x80000000u);

    EXPECT_EQ(WSK_NO_WAIT, 0u);
    EXPECT_EQ(WSK_INFINITE_WAIT, 0xffffffffu);

    EXPECT_EQ(SO_WSK_SECURITY, 0x4001);
    EXPECT_EQ(SO_WSK_EVENT_CALLBACK, 0x4002);
    EXPECT_EQ(static_cast<ULONG>(SIO_WSK_SET_REMOTE_ADDRESS), 0x8F000001u);
    EXPECT_EQ(static_cast<ULONG>(SIO_WSK_REGISTER_EXTENSION), 0xCF000002u);
    EXPECT_EQ(static_cast<ULONG>(SIO_WSK_QUERY_IDEAL_SEND_BACKLOG), 0x4F000003u);
    EXPECT_EQ(static_cast<ULONG>(SIO_WSK_QUERY_RECEIVE_BACKLOG), 0x4F000004u);
    EXPECT_EQ(static_cast<ULONG>(SIO_WSK_QUERY_INSPECT_ID), 0x4F000005u);
    EXPECT_EQ(static_cast<ULONG>(SIO_WSK_SET_SENDTO_ADDRESS), 0x8F000006u);
    EXPECT_EQ(static_cast<ULONG>(SIO_WSK_SET_TCP_SILENT_MODE), 0x2F000007u);
    EXPECT_EQ(static_cast<ULONG>(SIO_WSK_SET_RECEIVE_EX_CALLBACK), 0x8F000008u);

    EXPECT_EQ(WSK_TRANSPORT_LIST_QUERY, 2);
    EXPECT_EQ(WSK_TRANSPORT_LIST_CHANGE, 3);
    EXPECT_EQ(WSK_CACHE_SD, 4);
    EXPECT_EQ(WSK_RELEASE_SD, 5);
    EXPECT_EQ(WSK_TDI_DEVICENAME_MAPPING, 6);
    EXPECT_EQ(WSK_SET_STATIC_EVENT_CALLBACKS, 7);
    EXPECT_EQ(WSK_TDI_BEHAVIOR, 8);
    EXPECT_EQ(WSK_TDI_BEHAVIOR_BYPASS_TDI, 1);

    EXPECT_EQ(WskSetOption, 0);
    EXPECT_EQ(WskGetOption, 1);
    EXPECT_EQ(WskIoctl, 2);
    EXPECT_EQ(WskControlMax, 3);
    EXPECT_EQ(WskInspectReject, 0);
    EXPECT_EQ(WskInspectAccept, 1);
    EXPECT_EQ(WskInspectPend, 2);
    EXPECT_EQ(WskInspectMax, 3);
}

TEST(WskHeaders, DefineTheSdkIncludeGuards)
{
#if !defined(_WSK_) || !defined(_WS2DEF_) || !defined(_WS2IPDEF_) || !defined(_NETIODDK_)
    ADD_FAILURE() << "code testing the WDK/SDK guard macros would not see them";
#endif
    SUCCEED();
}

} // namespace
