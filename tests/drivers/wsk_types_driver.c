/* A C11 test "driver" that includes the WDK headers exactly as a real driver
 * does and touches every WSK type, table member and constant. It calls no WSK
 * or kernel function: every function pointer it stores and calls is one of its
 * own fakes, so it also builds against the real WDK.
 * tests/kernel/wsk_layout_test.cpp drives it through the two functions at the
 * bottom. C code names the basic members directly (Dispatch->WskCloseSocket),
 * which is what this file proves compiles without -fms-extensions. */
#include <ntddk.h>
#include <wsk.h>
#include <mstcpip.h>

/* ---- layout pins, C spelling: index n at n pointers (8n bytes on x64) --- */
#define SLOT(type, member, n) C_ASSERT(offsetof(type, member) == (n) * sizeof(PVOID))
SLOT(WSK_PROVIDER_DISPATCH, WskSocket, 1);
SLOT(WSK_PROVIDER_DISPATCH, WskSocketConnect, 2);
SLOT(WSK_PROVIDER_DISPATCH, WskControlClient, 3);
SLOT(WSK_PROVIDER_DISPATCH, WskGetAddressInfo, 4);
SLOT(WSK_PROVIDER_DISPATCH, WskFreeAddressInfo, 5);
SLOT(WSK_PROVIDER_DISPATCH, WskGetNameInfo, 6);
C_ASSERT(sizeof(WSK_PROVIDER_DISPATCH) == 7 * sizeof(PVOID));
SLOT(WSK_PROVIDER_BASIC_DISPATCH, WskControlSocket, 0);
SLOT(WSK_PROVIDER_BASIC_DISPATCH, WskCloseSocket, 1);
C_ASSERT(sizeof(WSK_PROVIDER_BASIC_DISPATCH) == 2 * sizeof(PVOID));
SLOT(WSK_PROVIDER_LISTEN_DISPATCH, WskControlSocket, 0);
SLOT(WSK_PROVIDER_LISTEN_DISPATCH, WskCloseSocket, 1);
SLOT(WSK_PROVIDER_LISTEN_DISPATCH, WskBind, 2);
SLOT(WSK_PROVIDER_LISTEN_DISPATCH, WskAccept, 3);
SLOT(WSK_PROVIDER_LISTEN_DISPATCH, WskInspectComplete, 4);
SLOT(WSK_PROVIDER_LISTEN_DISPATCH, WskGetLocalAddress, 5);
C_ASSERT(sizeof(WSK_PROVIDER_LISTEN_DISPATCH) == 6 * sizeof(PVOID));
SLOT(WSK_PROVIDER_DATAGRAM_DISPATCH, WskControlSocket, 0);
SLOT(WSK_PROVIDER_DATAGRAM_DISPATCH, WskCloseSocket, 1);
SLOT(WSK_PROVIDER_DATAGRAM_DISPATCH, WskBind, 2);
SLOT(WSK_PROVIDER_DATAGRAM_DISPATCH, WskSendTo, 3);
SLOT(WSK_PROVIDER_DATAGRAM_DISPATCH, WskReceiveFrom, 4);
SLOT(WSK_PROVIDER_DATAGRAM_DISPATCH, WskRelease, 5);
SLOT(WSK_PROVIDER_DATAGRAM_DISPATCH, WskGetLocalAddress, 6);
SLOT(WSK_PROVIDER_DATAGRAM_DISPATCH, WskSendMessages, 7);
C_ASSERT(sizeof(WSK_PROVIDER_DATAGRAM_DISPATCH) == 8 * sizeof(PVOID));
SLOT(WSK_PROVIDER_CONNECTION_DISPATCH, WskControlSocket, 0);
SLOT(WSK_PROVIDER_CONNECTION_DISPATCH, WskCloseSocket, 1);
SLOT(WSK_PROVIDER_CONNECTION_DISPATCH, WskBind, 2);
SLOT(WSK_PROVIDER_CONNECTION_DISPATCH, WskConnect, 3);
SLOT(WSK_PROVIDER_CONNECTION_DISPATCH, WskGetLocalAddress, 4);
SLOT(WSK_PROVIDER_CONNECTION_DISPATCH, WskGetRemoteAddress, 5);
SLOT(WSK_PROVIDER_CONNECTION_DISPATCH, WskSend, 6);
SLOT(WSK_PROVIDER_CONNECTION_DISPATCH, WskReceive, 7);
SLOT(WSK_PROVIDER_CONNECTION_DISPATCH, WskDisconnect, 8);
SLOT(WSK_PROVIDER_CONNECTION_DISPATCH, WskRelease, 9);
SLOT(WSK_PROVIDER_CONNECTION_DISPATCH, WskConnectEx, 10);
SLOT(WSK_PROVIDER_CONNECTION_DISPATCH, WskSendEx, 11);
SLOT(WSK_PROVIDER_CONNECTION_DISPATCH, WskReceiveEx, 12);
C_ASSERT(sizeof(WSK_PROVIDER_CONNECTION_DISPATCH) == 13 * sizeof(PVOID));
SLOT(WSK_PROVIDER_STREAM_DISPATCH, WskControlSocket, 0);
SLOT(WSK_PROVIDER_STREAM_DISPATCH, WskCloseSocket, 1);
SLOT(WSK_PROVIDER_STREAM_DISPATCH, WskBind, 2);
SLOT(WSK_PROVIDER_STREAM_DISPATCH, WskAccept, 3);
SLOT(WSK_PROVIDER_STREAM_DISPATCH, WskConnect, 4);
SLOT(WSK_PROVIDER_STREAM_DISPATCH, WskListen, 5);
SLOT(WSK_PROVIDER_STREAM_DISPATCH, WskSend, 6);
SLOT(WSK_PROVIDER_STREAM_DISPATCH, WskReceive, 7);
SLOT(WSK_PROVIDER_STREAM_DISPATCH, WskDisconnect, 8);
SLOT(WSK_PROVIDER_STREAM_DISPATCH, WskRelease, 9);
SLOT(WSK_PROVIDER_STREAM_DISPATCH, WskGetLocalAddress, 10);
SLOT(WSK_PROVIDER_STREAM_DISPATCH, WskGetRemoteAddress, 11);
SLOT(WSK_PROVIDER_STREAM_DISPATCH, WskConnectEx, 12);
SLOT(WSK_PROVIDER_STREAM_DISPATCH, WskSendEx, 13);
SLOT(WSK_PROVIDER_STREAM_DISPATCH, WskReceiveEx, 14);
C_ASSERT(sizeof(WSK_PROVIDER_STREAM_DISPATCH) == 15 * sizeof(PVOID));
SLOT(WSK_CLIENT_DISPATCH, WskClientEvent, 1);
C_ASSERT(sizeof(WSK_CLIENT_DISPATCH) == 2 * sizeof(PVOID));
SLOT(WSK_CLIENT_LISTEN_DISPATCH, WskAcceptEvent, 0);
SLOT(WSK_CLIENT_LISTEN_DISPATCH, WskInspectEvent, 1);
SLOT(WSK_CLIENT_LISTEN_DISPATCH, WskAbortEvent, 2);
C_ASSERT(sizeof(WSK_CLIENT_LISTEN_DISPATCH) == 3 * sizeof(PVOID));
SLOT(WSK_CLIENT_DATAGRAM_DISPATCH, WskReceiveFromEvent, 0);
C_ASSERT(sizeof(WSK_CLIENT_DATAGRAM_DISPATCH) == 1 * sizeof(PVOID));
SLOT(WSK_CLIENT_CONNECTION_DISPATCH, WskReceiveEvent, 0);
SLOT(WSK_CLIENT_CONNECTION_DISPATCH, WskDisconnectEvent, 1);
SLOT(WSK_CLIENT_CONNECTION_DISPATCH, WskSendBacklogEvent, 2);
C_ASSERT(sizeof(WSK_CLIENT_CONNECTION_DISPATCH) == 3 * sizeof(PVOID));
SLOT(WSK_CLIENT_STREAM_DISPATCH, Listen, 0);
SLOT(WSK_CLIENT_STREAM_DISPATCH, Connect, 1);
C_ASSERT(sizeof(WSK_CLIENT_STREAM_DISPATCH) == 2 * sizeof(PVOID));
C_ASSERT(offsetof(WSK_PROVIDER_DISPATCH, Version) == 0 && offsetof(WSK_PROVIDER_DISPATCH, Reserved) == 2);
C_ASSERT(offsetof(WSK_CLIENT_DISPATCH, Version) == 0 && offsetof(WSK_CLIENT_DISPATCH, Reserved) == 2);
#undef SLOT

/* ---- bookkeeping -------------------------------------------------------- */

typedef struct _CHECK_STATE {
    ULONG Run;
    ULONG Failed;
} CHECK_STATE;

static void check(CHECK_STATE *State, int Ok)
{
    State->Run++;
    if (!Ok) {
        State->Failed++;
    }
}

/* Stands in for the provider's socket: the fakes recover it from the
 * PWSK_SOCKET (or context) they are given and record which one ran. */
typedef struct _FAKE_SOCKET {
    WSK_SOCKET Socket;
    ULONG LastTag;
    ULONG Calls;
} FAKE_SOCKET;

enum fake_tag {
    TAG_CONTROL_SOCKET = 1,
    TAG_CLOSE_SOCKET,
    TAG_BIND,
    TAG_CONNECT,
    TAG_CONNECT_EX,
    TAG_LISTEN,
    TAG_ACCEPT,
    TAG_INSPECT_COMPLETE,
    TAG_SEND_TO,
    TAG_SEND_MESSAGES,
    TAG_RECEIVE_FROM,
    TAG_GET_LOCAL_ADDRESS,
    TAG_GET_REMOTE_ADDRESS,
    TAG_RELEASE_DATA,
    TAG_RELEASE_DATAGRAM,
    TAG_SEND,
    TAG_SEND_EX,
    TAG_RECEIVE,
    TAG_RECEIVE_EX,
    TAG_DISCONNECT,
    TAG_SOCKET,
    TAG_SOCKET_CONNECT,
    TAG_CONTROL_CLIENT,
    TAG_GET_ADDRESS_INFO,
    TAG_FREE_ADDRESS_INFO,
    TAG_GET_NAME_INFO,
    TAG_CLIENT_EVENT,
    TAG_RECEIVE_FROM_EVENT,
    TAG_ACCEPT_EVENT,
    TAG_INSPECT_EVENT,
    TAG_ABORT_EVENT,
    TAG_SEND_BACKLOG_EVENT,
    TAG_RECEIVE_EVENT,
    TAG_RECEIVE_EX_EVENT,
    TAG_DISCONNECT_EVENT
};

/* A success status unique to each fake (customer bit, informational). */
#define FAKE_STATUS(tag) ((NTSTATUS)(0x60000000 | (tag)))

static NTSTATUS record(PVOID Context, ULONG Tag)
{
    FAKE_SOCKET *fake = (FAKE_SOCKET *)Context;
    fake->LastTag = Tag;
    fake->Calls++;
    return FAKE_STATUS(Tag);
}

static NTSTATUS record_socket(PWSK_SOCKET Socket, ULONG Tag)
{
    return record(CONTAINING_RECORD(Socket, FAKE_SOCKET, Socket), Tag);
}

/* ---- fake provider functions, one per PFN type -------------------------- */

static NTSTATUS WSKAPI fake_control_socket(PWSK_SOCKET Socket, WSK_CONTROL_SOCKET_TYPE RequestType, ULONG ControlCode,
                                           ULONG Level, SIZE_T InputSize, PVOID InputBuffer, SIZE_T OutputSize,
                                           PVOID OutputBuffer, SIZE_T *OutputSizeReturned, PIRP Irp)
{
    (void)RequestType, (void)ControlCode, (void)Level, (void)InputSize, (void)InputBuffer;
    (void)OutputSize, (void)OutputBuffer, (void)OutputSizeReturned, (void)Irp;
    return record_socket(Socket, TAG_CONTROL_SOCKET);
}

static NTSTATUS WSKAPI fake_close_socket(PWSK_SOCKET Socket, PIRP Irp)
{
    (void)Irp;
    return record_socket(Socket, TAG_CLOSE_SOCKET);
}

static NTSTATUS WSKAPI fake_bind(PWSK_SOCKET Socket, PSOCKADDR LocalAddress, ULONG Flags, PIRP Irp)
{
    (void)LocalAddress, (void)Flags, (void)Irp;
    return record_socket(Socket, TAG_BIND);
}

static NTSTATUS WSKAPI fake_connect(PWSK_SOCKET Socket, PSOCKADDR RemoteAddress, ULONG Flags, PIRP Irp)
{
    (void)RemoteAddress, (void)Flags, (void)Irp;
    return record_socket(Socket, TAG_CONNECT);
}

static NTSTATUS WSKAPI fake_connect_ex(PWSK_SOCKET Socket, PSOCKADDR RemoteAddress, PWSK_BUF Buffer, ULONG Flags,
                                       PIRP Irp)
{
    (void)RemoteAddress, (void)Buffer, (void)Flags, (void)Irp;
    return record_socket(Socket, TAG_CONNECT_EX);
}

static NTSTATUS WSKAPI fake_listen(PWSK_SOCKET Socket, PIRP Irp)
{
    (void)Irp;
    return record_socket(Socket, TAG_LISTEN);
}

static NTSTATUS WSKAPI fake_accept(PWSK_SOCKET ListenSocket, ULONG Flags, PVOID AcceptSocketContext,
                                   const WSK_CLIENT_CONNECTION_DISPATCH *AcceptSocketDispatch, PSOCKADDR LocalAddress,
                                   PSOCKADDR RemoteAddress, PIRP Irp)
{
    (void)Flags, (void)AcceptSocketContext, (void)AcceptSocketDispatch, (void)LocalAddress, (void)RemoteAddress;
    (void)Irp;
    return record_socket(ListenSocket, TAG_ACCEPT);
}

static NTSTATUS WSKAPI fake_inspect_complete(PWSK_SOCKET ListenSocket, PWSK_INSPECT_ID InspectID,
                                             WSK_INSPECT_ACTION Action, PIRP Irp)
{
    (void)InspectID, (void)Action, (void)Irp;
    return record_socket(ListenSocket, TAG_INSPECT_COMPLETE);
}

static NTSTATUS WSKAPI fake_send_to(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PSOCKADDR RemoteAddress,
                                    ULONG ControlInfoLength, PCMSGHDR ControlInfo, PIRP Irp)
{
    (void)Buffer, (void)Flags, (void)RemoteAddress, (void)ControlInfoLength, (void)ControlInfo, (void)Irp;
    return record_socket(Socket, TAG_SEND_TO);
}

static NTSTATUS WSKAPI fake_send_messages(PWSK_SOCKET Socket, PWSK_BUF_LIST BufferList, ULONG Flags,
                                          PSOCKADDR RemoteAddress, ULONG ControlInfoLength, PCMSGHDR ControlInfo,
                                          PIRP Irp)
{
    (void)BufferList, (void)Flags, (void)RemoteAddress, (void)ControlInfoLength, (void)ControlInfo, (void)Irp;
    return record_socket(Socket, TAG_SEND_MESSAGES);
}

static NTSTATUS WSKAPI fake_receive_from(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PSOCKADDR RemoteAddress,
                                         PULONG ControlLength, PCMSGHDR ControlInfo, PULONG ControlFlags, PIRP Irp)
{
    (void)Buffer, (void)Flags, (void)RemoteAddress, (void)ControlLength, (void)ControlInfo, (void)ControlFlags;
    (void)Irp;
    return record_socket(Socket, TAG_RECEIVE_FROM);
}

static NTSTATUS WSKAPI fake_get_local_address(PWSK_SOCKET Socket, PSOCKADDR LocalAddress, PIRP Irp)
{
    (void)LocalAddress, (void)Irp;
    return record_socket(Socket, TAG_GET_LOCAL_ADDRESS);
}

static NTSTATUS WSKAPI fake_get_remote_address(PWSK_SOCKET Socket, PSOCKADDR RemoteAddress, PIRP Irp)
{
    (void)RemoteAddress, (void)Irp;
    return record_socket(Socket, TAG_GET_REMOTE_ADDRESS);
}

static NTSTATUS WSKAPI fake_release_data(PWSK_SOCKET Socket, PWSK_DATA_INDICATION DataIndication)
{
    (void)DataIndication;
    return record_socket(Socket, TAG_RELEASE_DATA);
}

static NTSTATUS WSKAPI fake_release_datagram(PWSK_SOCKET Socket, PWSK_DATAGRAM_INDICATION DatagramIndication)
{
    (void)DatagramIndication;
    return record_socket(Socket, TAG_RELEASE_DATAGRAM);
}

static NTSTATUS WSKAPI fake_send(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PIRP Irp)
{
    (void)Buffer, (void)Flags, (void)Irp;
    return record_socket(Socket, TAG_SEND);
}

static NTSTATUS WSKAPI fake_send_ex(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, ULONG ControlInfoLength,
                                    PCMSGHDR ControlInfo, PIRP Irp)
{
    (void)Buffer, (void)Flags, (void)ControlInfoLength, (void)ControlInfo, (void)Irp;
    return record_socket(Socket, TAG_SEND_EX);
}

static NTSTATUS WSKAPI fake_receive(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PIRP Irp)
{
    (void)Buffer, (void)Flags, (void)Irp;
    return record_socket(Socket, TAG_RECEIVE);
}

static NTSTATUS WSKAPI fake_receive_ex(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PULONG ControlInfoLength,
                                       PCMSGHDR ControlInfo, PULONG ControlFlags, PIRP Irp)
{
    (void)Buffer, (void)Flags, (void)ControlInfoLength, (void)ControlInfo, (void)ControlFlags, (void)Irp;
    return record_socket(Socket, TAG_RECEIVE_EX);
}

static NTSTATUS WSKAPI fake_disconnect(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PIRP Irp)
{
    (void)Buffer, (void)Flags, (void)Irp;
    return record_socket(Socket, TAG_DISCONNECT);
}

/* Client-level provider functions: the PWSK_CLIENT handle is a FAKE_SOCKET. */
static NTSTATUS WSKAPI fake_socket(PWSK_CLIENT Client, ADDRESS_FAMILY AddressFamily, USHORT SocketType, ULONG Protocol,
                                   ULONG Flags, PVOID SocketContext, const VOID *Dispatch, PEPROCESS OwningProcess,
                                   PETHREAD OwningThread, PSECURITY_DESCRIPTOR SecurityDescriptor, PIRP Irp)
{
    (void)AddressFamily, (void)SocketType, (void)Protocol, (void)Flags, (void)SocketContext, (void)Dispatch;
    (void)OwningProcess, (void)OwningThread, (void)SecurityDescriptor, (void)Irp;
    return record(Client, TAG_SOCKET);
}

static NTSTATUS WSKAPI fake_socket_connect(PWSK_CLIENT Client, USHORT SocketType, ULONG Protocol,
                                           PSOCKADDR LocalAddress, PSOCKADDR RemoteAddress, ULONG Flags,
                                           PVOID SocketContext, const WSK_CLIENT_CONNECTION_DISPATCH *Dispatch,
                                           PEPROCESS OwningProcess, PETHREAD OwningThread,
                                           PSECURITY_DESCRIPTOR SecurityDescriptor, PIRP Irp)
{
    (void)SocketType, (void)Protocol, (void)LocalAddress, (void)RemoteAddress, (void)Flags, (void)SocketContext;
    (void)Dispatch, (void)OwningProcess, (void)OwningThread, (void)SecurityDescriptor, (void)Irp;
    return record(Client, TAG_SOCKET_CONNECT);
}

static NTSTATUS WSKAPI fake_control_client(PWSK_CLIENT Client, ULONG ControlCode, SIZE_T InputSize,
                                           PVOID InputBuffer, SIZE_T OutputSize, PVOID OutputBuffer,
                                           SIZE_T *OutputSizeReturned, PIRP Irp)
{
    (void)ControlCode, (void)InputSize, (void)InputBuffer, (void)OutputSize, (void)OutputBuffer;
    (void)OutputSizeReturned, (void)Irp;
    return record(Client, TAG_CONTROL_CLIENT);
}

static NTSTATUS WSKAPI fake_get_address_info(PWSK_CLIENT Client, PUNICODE_STRING NodeName,
                                             PUNICODE_STRING ServiceName, ULONG NameSpace, GUID *Provider,
                                             PADDRINFOEXW Hints, PADDRINFOEXW *Result, PEPROCESS OwningProcess,
                                             PETHREAD OwningThread, PIRP Irp)
{
    (void)NodeName, (void)ServiceName, (void)NameSpace, (void)Provider, (void)Hints, (void)Result;
    (void)OwningProcess, (void)OwningThread, (void)Irp;
    return record(Client, TAG_GET_ADDRESS_INFO);
}

static VOID WSKAPI fake_free_address_info(PWSK_CLIENT Client, PADDRINFOEXW AddrInfo)
{
    (void)AddrInfo;
    (void)record(Client, TAG_FREE_ADDRESS_INFO);
}

static NTSTATUS WSKAPI fake_get_name_info(PWSK_CLIENT Client, PSOCKADDR SockAddr, ULONG SockAddrLength,
                                          PUNICODE_STRING NodeName, PUNICODE_STRING ServiceName, ULONG Flags,
                                          PEPROCESS OwningProcess, PETHREAD OwningThread, PIRP Irp)
{
    (void)SockAddr, (void)SockAddrLength, (void)NodeName, (void)ServiceName, (void)Flags, (void)OwningProcess;
    (void)OwningThread, (void)Irp;
    return record(Client, TAG_GET_NAME_INFO);
}

/* ---- fake client callbacks ---------------------------------------------- */

static NTSTATUS WSKAPI fake_client_event(PVOID ClientContext, ULONG EventType, PVOID Information,
                                         SIZE_T InformationLength)
{
    (void)EventType, (void)Information, (void)InformationLength;
    return record(ClientContext, TAG_CLIENT_EVENT);
}

static NTSTATUS WSKAPI fake_receive_from_event(PVOID SocketContext, ULONG Flags,
                                               PWSK_DATAGRAM_INDICATION DataIndication)
{
    (void)Flags, (void)DataIndication;
    return record(SocketContext, TAG_RECEIVE_FROM_EVENT);
}

static NTSTATUS WSKAPI fake_accept_event(PVOID SocketContext, ULONG Flags, PSOCKADDR LocalAddress,
                                         PSOCKADDR RemoteAddress, PWSK_SOCKET AcceptSocket,
                                         PVOID *AcceptSocketContext,
                                         const WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch)
{
    (void)Flags, (void)LocalAddress, (void)RemoteAddress, (void)AcceptSocket;
    *AcceptSocketContext = SocketContext;
    *AcceptSocketDispatch = NULL;
    return record(SocketContext, TAG_ACCEPT_EVENT);
}

static WSK_INSPECT_ACTION WSKAPI fake_inspect_event(PVOID SocketContext, PSOCKADDR LocalAddress,
                                                    PSOCKADDR RemoteAddress, PWSK_INSPECT_ID InspectID)
{
    (void)LocalAddress, (void)RemoteAddress, (void)InspectID;
    (void)record(SocketContext, TAG_INSPECT_EVENT);
    return WskInspectPend;
}

static NTSTATUS WSKAPI fake_abort_event(PVOID SocketContext, PWSK_INSPECT_ID InspectID)
{
    (void)InspectID;
    return record(SocketContext, TAG_ABORT_EVENT);
}

static NTSTATUS WSKAPI fake_send_backlog_event(PVOID SocketContext, SIZE_T IdealBacklogSize)
{
    (void)IdealBacklogSize;
    return record(SocketContext, TAG_SEND_BACKLOG_EVENT);
}

static NTSTATUS WSKAPI fake_receive_event(PVOID SocketContext, ULONG Flags, PWSK_DATA_INDICATION DataIndication,
                                          SIZE_T BytesIndicated, SIZE_T *BytesAccepted)
{
    (void)Flags, (void)DataIndication;
    *BytesAccepted = BytesIndicated;
    return record(SocketContext, TAG_RECEIVE_EVENT);
}

static NTSTATUS WSKAPI fake_receive_ex_event(PVOID SocketContext, ULONG Flags, PWSK_DATA_INDICATION DataIndication,
                                             PCMSGHDR ControlInfo, ULONG ControlInfoLength, SIZE_T BytesIndicated,
                                             SIZE_T *BytesAccepted)
{
    (void)Flags, (void)DataIndication, (void)ControlInfo, (void)ControlInfoLength;
    *BytesAccepted = BytesIndicated;
    return record(SocketContext, TAG_RECEIVE_EX_EVENT);
}

static NTSTATUS WSKAPI fake_disconnect_event(PVOID SocketContext, ULONG Flags)
{
    (void)Flags;
    return record(SocketContext, TAG_DISCONNECT_EVENT);
}

/* ---- dispatch tables, filled the way a provider would ------------------- */

static const WSK_PROVIDER_DISPATCH provider_dispatch = {
    MAKE_WSK_VERSION(1, 0), 0,           fake_socket,           fake_socket_connect, fake_control_client,
    fake_get_address_info,  fake_free_address_info, fake_get_name_info,
};

static const WSK_PROVIDER_BASIC_DISPATCH basic_dispatch = {fake_control_socket, fake_close_socket};

static const WSK_PROVIDER_LISTEN_DISPATCH listen_dispatch = {
    fake_control_socket, fake_close_socket, fake_bind, fake_accept, fake_inspect_complete, fake_get_local_address,
};

static const WSK_PROVIDER_DATAGRAM_DISPATCH datagram_dispatch = {
    fake_control_socket, fake_close_socket,      fake_bind,          fake_send_to,
    fake_receive_from,   fake_release_datagram,  fake_get_local_address, fake_send_messages,
};

static const WSK_PROVIDER_CONNECTION_DISPATCH connection_dispatch = {
    fake_control_socket, fake_close_socket, fake_bind,         fake_connect,      fake_get_local_address,
    fake_get_remote_address, fake_send,    fake_receive,      fake_disconnect,   fake_release_data,
    fake_connect_ex,     fake_send_ex,      fake_receive_ex,
};

static const WSK_PROVIDER_STREAM_DISPATCH stream_dispatch = {
    fake_control_socket, fake_close_socket,      fake_bind,     fake_accept,     fake_connect,
    fake_listen,         fake_send,              fake_receive,  fake_disconnect, fake_release_data,
    fake_get_local_address, fake_get_remote_address, fake_connect_ex, fake_send_ex, fake_receive_ex,
};

static const WSK_CLIENT_DISPATCH client_dispatch = {MAKE_WSK_VERSION(1, 0), 0, fake_client_event};
static const WSK_CLIENT_LISTEN_DISPATCH client_listen_dispatch = {fake_accept_event, fake_inspect_event,
                                                                  fake_abort_event};
static const WSK_CLIENT_DATAGRAM_DISPATCH client_datagram_dispatch = {fake_receive_from_event};
static const WSK_CLIENT_CONNECTION_DISPATCH client_connection_dispatch = {fake_receive_event, fake_disconnect_event,
                                                                          fake_send_backlog_event};
static const WSK_CLIENT_STREAM_DISPATCH client_stream_dispatch = {&client_listen_dispatch,
                                                                  &client_connection_dispatch};

/* ---- slot checks -------------------------------------------------------- */

/* Any function pointer, for comparing table slots read as raw bytes. */
typedef void (*GENERIC_FN)(void);

/* The pointer at index Index of Table (Size bytes) must equal Expected. */
static int slot_is(const void *Table, size_t Size, size_t Index, GENERIC_FN Expected)
{
    GENERIC_FN actual;
    size_t offset = Index * sizeof(PVOID);
    if (offset + sizeof(actual) > Size) {
        return 0;
    }
    memcpy(&actual, (const UCHAR *)Table + offset, sizeof(actual));
    return actual == Expected;
}

#define CHECK_SLOT(state, table, index, fake) check((state), slot_is(&(table), sizeof(table), (index), (GENERIC_FN)(fake)))

/* Every member, by name, in WDK order. */
static void check_provider_tables(CHECK_STATE *s)
{
    CHECK_SLOT(s, provider_dispatch, 1, provider_dispatch.WskSocket);
    CHECK_SLOT(s, provider_dispatch, 2, provider_dispatch.WskSocketConnect);
    CHECK_SLOT(s, provider_dispatch, 3, provider_dispatch.WskControlClient);
    CHECK_SLOT(s, provider_dispatch, 4, provider_dispatch.WskGetAddressInfo);
    CHECK_SLOT(s, provider_dispatch, 5, provider_dispatch.WskFreeAddressInfo);
    CHECK_SLOT(s, provider_dispatch, 6, provider_dispatch.WskGetNameInfo);
    check(s, provider_dispatch.Version == 0x0100 && provider_dispatch.Reserved == 0);

    CHECK_SLOT(s, basic_dispatch, 0, basic_dispatch.WskControlSocket);
    CHECK_SLOT(s, basic_dispatch, 1, basic_dispatch.WskCloseSocket);

    CHECK_SLOT(s, listen_dispatch, 0, listen_dispatch.WskControlSocket);
    CHECK_SLOT(s, listen_dispatch, 1, listen_dispatch.WskCloseSocket);
    CHECK_SLOT(s, listen_dispatch, 2, listen_dispatch.WskBind);
    CHECK_SLOT(s, listen_dispatch, 3, listen_dispatch.WskAccept);
    CHECK_SLOT(s, listen_dispatch, 4, listen_dispatch.WskInspectComplete);
    CHECK_SLOT(s, listen_dispatch, 5, listen_dispatch.WskGetLocalAddress);

    CHECK_SLOT(s, datagram_dispatch, 0, datagram_dispatch.WskControlSocket);
    CHECK_SLOT(s, datagram_dispatch, 1, datagram_dispatch.WskCloseSocket);
    CHECK_SLOT(s, datagram_dispatch, 2, datagram_dispatch.WskBind);
    CHECK_SLOT(s, datagram_dispatch, 3, datagram_dispatch.WskSendTo);
    CHECK_SLOT(s, datagram_dispatch, 4, datagram_dispatch.WskReceiveFrom);
    CHECK_SLOT(s, datagram_dispatch, 5, datagram_dispatch.WskRelease);
    CHECK_SLOT(s, datagram_dispatch, 6, datagram_dispatch.WskGetLocalAddress);
    CHECK_SLOT(s, datagram_dispatch, 7, datagram_dispatch.WskSendMessages);

    CHECK_SLOT(s, connection_dispatch, 0, connection_dispatch.WskControlSocket);
    CHECK_SLOT(s, connection_dispatch, 1, connection_dispatch.WskCloseSocket);
    CHECK_SLOT(s, connection_dispatch, 2, connection_dispatch.WskBind);
    CHECK_SLOT(s, connection_dispatch, 3, connection_dispatch.WskConnect);
    CHECK_SLOT(s, connection_dispatch, 4, connection_dispatch.WskGetLocalAddress);
    CHECK_SLOT(s, connection_dispatch, 5, connection_dispatch.WskGetRemoteAddress);
    CHECK_SLOT(s, connection_dispatch, 6, connection_dispatch.WskSend);
    CHECK_SLOT(s, connection_dispatch, 7, connection_dispatch.WskReceive);
    CHECK_SLOT(s, connection_dispatch, 8, connection_dispatch.WskDisconnect);
    CHECK_SLOT(s, connection_dispatch, 9, connection_dispatch.WskRelease);
    CHECK_SLOT(s, connection_dispatch, 10, connection_dispatch.WskConnectEx);
    CHECK_SLOT(s, connection_dispatch, 11, connection_dispatch.WskSendEx);
    CHECK_SLOT(s, connection_dispatch, 12, connection_dispatch.WskReceiveEx);

    CHECK_SLOT(s, stream_dispatch, 0, stream_dispatch.WskControlSocket);
    CHECK_SLOT(s, stream_dispatch, 1, stream_dispatch.WskCloseSocket);
    CHECK_SLOT(s, stream_dispatch, 2, stream_dispatch.WskBind);
    CHECK_SLOT(s, stream_dispatch, 3, stream_dispatch.WskAccept);
    CHECK_SLOT(s, stream_dispatch, 4, stream_dispatch.WskConnect);
    CHECK_SLOT(s, stream_dispatch, 5, stream_dispatch.WskListen);
    CHECK_SLOT(s, stream_dispatch, 6, stream_dispatch.WskSend);
    CHECK_SLOT(s, stream_dispatch, 7, stream_dispatch.WskReceive);
    CHECK_SLOT(s, stream_dispatch, 8, stream_dispatch.WskDisconnect);
    CHECK_SLOT(s, stream_dispatch, 9, stream_dispatch.WskRelease);
    CHECK_SLOT(s, stream_dispatch, 10, stream_dispatch.WskGetLocalAddress);
    CHECK_SLOT(s, stream_dispatch, 11, stream_dispatch.WskGetRemoteAddress);
    CHECK_SLOT(s, stream_dispatch, 12, stream_dispatch.WskConnectEx);
    CHECK_SLOT(s, stream_dispatch, 13, stream_dispatch.WskSendEx);
    CHECK_SLOT(s, stream_dispatch, 14, stream_dispatch.WskReceiveEx);

    /* The fakes sit where the WDK order says, independently of member names. */
    CHECK_SLOT(s, connection_dispatch, 9, fake_release_data);
    CHECK_SLOT(s, stream_dispatch, 10, fake_get_local_address);
    CHECK_SLOT(s, datagram_dispatch, 6, fake_get_local_address);

    CHECK_SLOT(s, client_dispatch, 1, client_dispatch.WskClientEvent);
    CHECK_SLOT(s, client_listen_dispatch, 0, client_listen_dispatch.WskAcceptEvent);
    CHECK_SLOT(s, client_listen_dispatch, 1, client_listen_dispatch.WskInspectEvent);
    CHECK_SLOT(s, client_listen_dispatch, 2, client_listen_dispatch.WskAbortEvent);
    CHECK_SLOT(s, client_datagram_dispatch, 0, client_datagram_dispatch.WskReceiveFromEvent);
    CHECK_SLOT(s, client_connection_dispatch, 0, client_connection_dispatch.WskReceiveEvent);
    CHECK_SLOT(s, client_connection_dispatch, 1, client_connection_dispatch.WskDisconnectEvent);
    CHECK_SLOT(s, client_connection_dispatch, 2, client_connection_dispatch.WskSendBacklogEvent);
    check(s, client_stream_dispatch.Listen == &client_listen_dispatch &&
                 client_stream_dispatch.Connect == &client_connection_dispatch);
}

/* Calls each member through a typed pointer, as a driver does, and checks the
 * right fake ran. */
#define CHECK_CALL(state, fake, call, tag)                                                                             \
    do {                                                                                                               \
        (fake)->LastTag = 0;                                                                                           \
        check((state), (call) == FAKE_STATUS(tag) && (fake)->LastTag == (tag));                                        \
    } while (0)

static void call_provider_tables(CHECK_STATE *s)
{
    FAKE_SOCKET fake;
    WSK_PROVIDER_NPI npi;
    const WSK_PROVIDER_LISTEN_DISPATCH *listen;
    const WSK_PROVIDER_DATAGRAM_DISPATCH *datagram;
    const WSK_PROVIDER_CONNECTION_DISPATCH *connection;
    const WSK_PROVIDER_STREAM_DISPATCH *stream;
    const WSK_PROVIDER_BASIC_DISPATCH *basic;
    PWSK_SOCKET socket = &fake.Socket;
    SOCKADDR_IN address;
    WSK_BUF buffer;
    WSK_BUF_LIST buffer_list;
    WSK_INSPECT_ID inspect_id;
    WSK_DATA_INDICATION data_indication;
    WSK_DATAGRAM_INDICATION datagram_indication;
    ULONG control_length = 0, control_flags = 0;
    SIZE_T output_size = 0;
    PADDRINFOEXW result = NULL;

    memset(&fake, 0, sizeof(fake));
    memset(&address, 0, sizeof(address));
    memset(&buffer, 0, sizeof(buffer));
    memset(&buffer_list, 0, sizeof(buffer_list));
    memset(&inspect_id, 0, sizeof(inspect_id));
    memset(&data_indication, 0, sizeof(data_indication));
    memset(&datagram_indication, 0, sizeof(datagram_indication));

    npi.Client = &fake;
    npi.Dispatch = &provider_dispatch;
    CHECK_CALL(s, &fake,
               npi.Dispatch->WskSocket(npi.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, NULL,
                                       &client_connection_dispatch, NULL, NULL, NULL, NULL),
               TAG_SOCKET);
    CHECK_CALL(s, &fake,
               npi.Dispatch->WskSocketConnect(npi.Client, SOCK_STREAM, IPPROTO_TCP, (PSOCKADDR)&address,
                                              (PSOCKADDR)&address, 0, NULL, &client_connection_dispatch, NULL, NULL,
                                              NULL, NULL),
               TAG_SOCKET_CONNECT);
    CHECK_CALL(s, &fake,
               npi.Dispatch->WskControlClient(npi.Client, WSK_TRANSPORT_LIST_QUERY, 0, NULL, 0, NULL, &output_size,
                                              NULL),
               TAG_CONTROL_CLIENT);
    CHECK_CALL(s, &fake,
               npi.Dispatch->WskGetAddressInfo(npi.Client, NULL, NULL, NS_DNS, NULL, NULL, &result, NULL, NULL, NULL),
               TAG_GET_ADDRESS_INFO);
    CHECK_CALL(s, &fake,
               npi.Dispatch->WskGetNameInfo(npi.Client, (PSOCKADDR)&address, sizeof(address), NULL, NULL,
                                            NI_NUMERICHOST, NULL, NULL, NULL),
               TAG_GET_NAME_INFO);
    fake.LastTag = 0;
    npi.Dispatch->WskFreeAddressInfo(npi.Client, result);
    check(s, fake.LastTag == TAG_FREE_ADDRESS_INFO);

    /* A socket created as BASIC: only control and close. */
    fake.Socket.Dispatch = &basic_dispatch;
    basic = (const WSK_PROVIDER_BASIC_DISPATCH *)socket->Dispatch;
    CHECK_CALL(s, &fake,
               basic->WskControlSocket(socket, WskSetOption, SO_REUSEADDR, SOL_SOCKET, 0, NULL, 0, NULL, NULL, NULL),
               TAG_CONTROL_SOCKET);
    CHECK_CALL(s, &fake, basic->WskCloseSocket(socket, NULL), TAG_CLOSE_SOCKET);

    fake.Socket.Dispatch = &listen_dispatch;
    listen = (const WSK_PROVIDER_LISTEN_DISPATCH *)socket->Dispatch;
    CHECK_CALL(s, &fake, listen->WskControlSocket(socket, WskIoctl, SIO_WSK_QUERY_INSPECT_ID, 0, 0, NULL, 0, NULL,
                                                  NULL, NULL),
               TAG_CONTROL_SOCKET);
    CHECK_CALL(s, &fake, listen->WskCloseSocket(socket, NULL), TAG_CLOSE_SOCKET);
    CHECK_CALL(s, &fake, listen->WskBind(socket, (PSOCKADDR)&address, 0, NULL), TAG_BIND);
    CHECK_CALL(s, &fake,
               listen->WskAccept(socket, 0, NULL, &client_connection_dispatch, NULL, (PSOCKADDR)&address, NULL),
               TAG_ACCEPT);
    CHECK_CALL(s, &fake, listen->WskInspectComplete(socket, &inspect_id, WskInspectAccept, NULL),
               TAG_INSPECT_COMPLETE);
    CHECK_CALL(s, &fake, listen->WskGetLocalAddress(socket, (PSOCKADDR)&address, NULL), TAG_GET_LOCAL_ADDRESS);

    fake.Socket.Dispatch = &datagram_dispatch;
    datagram = (const WSK_PROVIDER_DATAGRAM_DISPATCH *)socket->Dispatch;
    CHECK_CALL(s, &fake, datagram->WskControlSocket(socket, WskGetOption, SO_RCVBUF, SOL_SOCKET, 0, NULL, 0, NULL,
                                                    NULL, NULL),
               TAG_CONTROL_SOCKET);
    CHECK_CALL(s, &fake, datagram->WskCloseSocket(socket, NULL), TAG_CLOSE_SOCKET);
    CHECK_CALL(s, &fake, datagram->WskBind(socket, (PSOCKADDR)&address, 0, NULL), TAG_BIND);
    CHECK_CALL(s, &fake, datagram->WskSendTo(socket, &buffer, 0, (PSOCKADDR)&address, 0, NULL, NULL), TAG_SEND_TO);
    CHECK_CALL(s, &fake,
               datagram->WskReceiveFrom(socket, &buffer, 0, (PSOCKADDR)&address, &control_length, NULL,
                                        &control_flags, NULL),
               TAG_RECEIVE_FROM);
    CHECK_CALL(s, &fake, datagram->WskRelease(socket, &datagram_indication), TAG_RELEASE_DATAGRAM);
    CHECK_CALL(s, &fake, datagram->WskGetLocalAddress(socket, (PSOCKADDR)&address, NULL), TAG_GET_LOCAL_ADDRESS);
    CHECK_CALL(s, &fake, datagram->WskSendMessages(socket, &buffer_list, 0, NULL, 0, NULL, NULL), TAG_SEND_MESSAGES);

    fake.Socket.Dispatch = &connection_dispatch;
    connection = (const WSK_PROVIDER_CONNECTION_DISPATCH *)socket->Dispatch;
    CHECK_CALL(s, &fake, connection->WskControlSocket(socket, WskSetOption, SO_KEEPALIVE, SOL_SOCKET, 0, NULL, 0,
                                                      NULL, NULL, NULL),
               TAG_CONTROL_SOCKET);
    CHECK_CALL(s, &fake, connection->WskCloseSocket(socket, NULL), TAG_CLOSE_SOCKET);
    CHECK_CALL(s, &fake, connection->WskBind(socket, (PSOCKADDR)&address, 0, NULL), TAG_BIND);
    CHECK_CALL(s, &fake, connection->WskConnect(socket, (PSOCKADDR)&address, 0, NULL), TAG_CONNECT);
    CHECK_CALL(s, &fake, connection->WskGetLocalAddress(socket, (PSOCKADDR)&address, NULL), TAG_GET_LOCAL_ADDRESS);
    CHECK_CALL(s, &fake, connection->WskGetRemoteAddress(socket, (PSOCKADDR)&address, NULL), TAG_GET_REMOTE_ADDRESS);
    CHECK_CALL(s, &fake, connection->WskSend(socket, &buffer, WSK_FLAG_NODELAY, NULL), TAG_SEND);
    CHECK_CALL(s, &fake, connection->WskReceive(socket, &buffer, WSK_FLAG_WAITALL, NULL), TAG_RECEIVE);
    CHECK_CALL(s, &fake, connection->WskDisconnect(socket, NULL, WSK_FLAG_ABORTIVE, NULL), TAG_DISCONNECT);
    CHECK_CALL(s, &fake, connection->WskRelease(socket, &data_indication), TAG_RELEASE_DATA);
    CHECK_CALL(s, &fake, connection->WskConnectEx(socket, (PSOCKADDR)&address, &buffer, 0, NULL), TAG_CONNECT_EX);
    CHECK_CALL(s, &fake, connection->WskSendEx(socket, &buffer, 0, 0, NULL, NULL), TAG_SEND_EX);
    CHECK_CALL(s, &fake, connection->WskReceiveEx(socket, &buffer, 0, &control_length, NULL, NULL, NULL),
               TAG_RECEIVE_EX);

    fake.Socket.Dispatch = &stream_dispatch;
    stream = (const WSK_PROVIDER_STREAM_DISPATCH *)socket->Dispatch;
    CHECK_CALL(s, &fake, stream->WskControlSocket(socket, WskIoctl, SIO_WSK_QUERY_RECEIVE_BACKLOG, 0, 0, NULL, 0,
                                                  NULL, NULL, NULL),
               TAG_CONTROL_SOCKET);
    CHECK_CALL(s, &fake, stream->WskCloseSocket(socket, NULL), TAG_CLOSE_SOCKET);
    CHECK_CALL(s, &fake, stream->WskBind(socket, (PSOCKADDR)&address, 0, NULL), TAG_BIND);
    CHECK_CALL(s, &fake, stream->WskAccept(socket, 0, NULL, NULL, NULL, NULL, NULL), TAG_ACCEPT);
    CHECK_CALL(s, &fake, stream->WskConnect(socket, (PSOCKADDR)&address, 0, NULL), TAG_CONNECT);
    CHECK_CALL(s, &fake, stream->WskListen(socket, NULL), TAG_LISTEN);
    CHECK_CALL(s, &fake, stream->WskSend(socket, &buffer, 0, NULL), TAG_SEND);
    CHECK_CALL(s, &fake, stream->WskReceive(socket, &buffer, WSK_FLAG_DRAIN, NULL), TAG_RECEIVE);
    CHECK_CALL(s, &fake, stream->WskDisconnect(socket, &buffer, 0, NULL), TAG_DISCONNECT);
    CHECK_CALL(s, &fake, stream->WskRelease(socket, &data_indication), TAG_RELEASE_DATA);
    CHECK_CALL(s, &fake, stream->WskGetLocalAddress(socket, (PSOCKADDR)&address, NULL), TAG_GET_LOCAL_ADDRESS);
    CHECK_CALL(s, &fake, stream->WskGetRemoteAddress(socket, (PSOCKADDR)&address, NULL), TAG_GET_REMOTE_ADDRESS);
    CHECK_CALL(s, &fake, stream->WskConnectEx(socket, (PSOCKADDR)&address, NULL, 0, NULL), TAG_CONNECT_EX);
    CHECK_CALL(s, &fake, stream->WskSendEx(socket, &buffer, WSK_FLAG_OOB, 0, NULL, NULL), TAG_SEND_EX);
    CHECK_CALL(s, &fake, stream->WskReceiveEx(socket, &buffer, 0, NULL, NULL, NULL, NULL), TAG_RECEIVE_EX);

    /* The KSOCKET habit: shared members called through another table type. */
    fake.Socket.Dispatch = &datagram_dispatch;
    CHECK_CALL(s, &fake, ((const WSK_PROVIDER_LISTEN_DISPATCH *)socket->Dispatch)->WskBind(socket, NULL, 0, NULL),
               TAG_BIND);
    CHECK_CALL(s, &fake, ((const WSK_PROVIDER_CONNECTION_DISPATCH *)socket->Dispatch)->WskCloseSocket(socket, NULL),
               TAG_CLOSE_SOCKET);

    check(s, fake.Calls == 52);
}

static void call_client_tables(CHECK_STATE *s)
{
    FAKE_SOCKET fake;
    WSK_CLIENT_NPI npi;
    SOCKADDR_IN6 local, remote;
    WSK_INSPECT_ID inspect_id = {0x1234, 7};
    PVOID accept_context = NULL;
    const WSK_CLIENT_CONNECTION_DISPATCH *accept_dispatch = &client_connection_dispatch;
    WSK_DATA_INDICATION data;
    WSK_DATAGRAM_INDICATION datagram;
    SIZE_T accepted = 0;

    memset(&fake, 0, sizeof(fake));
    memset(&local, 0, sizeof(local));
    memset(&remote, 0, sizeof(remote));
    memset(&data, 0, sizeof(data));
    memset(&datagram, 0, sizeof(datagram));

    npi.ClientContext = &fake;
    npi.Dispatch = &client_dispatch;
    CHECK_CALL(s, &fake, npi.Dispatch->WskClientEvent(npi.ClientContext, 0, NULL, 0), TAG_CLIENT_EVENT);
    check(s, npi.Dispatch->Version == MAKE_WSK_VERSION(1, 0) && npi.Dispatch->Reserved == 0);

    CHECK_CALL(s, &fake,
               client_stream_dispatch.Listen->WskAcceptEvent(&fake, WSK_FLAG_AT_DISPATCH_LEVEL, (PSOCKADDR)&local,
                                                             (PSOCKADDR)&remote, &fake.Socket, &accept_context,
                                                             &accept_dispatch),
               TAG_ACCEPT_EVENT);
    check(s, accept_context == &fake && accept_dispatch == NULL);
    fake.LastTag = 0;
    check(s, client_listen_dispatch.WskInspectEvent(&fake, (PSOCKADDR)&local, (PSOCKADDR)&remote, &inspect_id) ==
                     WskInspectPend &&
                 fake.LastTag == TAG_INSPECT_EVENT);
    CHECK_CALL(s, &fake, client_listen_dispatch.WskAbortEvent(&fake, &inspect_id), TAG_ABORT_EVENT);
    CHECK_CALL(s, &fake, client_datagram_dispatch.WskReceiveFromEvent(&fake, MSG_BCAST, &datagram),
               TAG_RECEIVE_FROM_EVENT);
    CHECK_CALL(s, &fake, client_stream_dispatch.Connect->WskReceiveEvent(&fake, WSK_FLAG_ENTIRE_MESSAGE, &data, 5,
                                                                         &accepted),
               TAG_RECEIVE_EVENT);
    check(s, accepted == 5);
    CHECK_CALL(s, &fake, client_connection_dispatch.WskDisconnectEvent(&fake, WSK_FLAG_ABORTIVE),
               TAG_DISCONNECT_EVENT);
    CHECK_CALL(s, &fake, client_connection_dispatch.WskSendBacklogEvent(&fake, 65536), TAG_SEND_BACKLOG_EVENT);

    {
        PFN_WSK_RECEIVE_EX_EVENT receive_ex = fake_receive_ex_event;
        accepted = 0;
        CHECK_CALL(s, &fake, receive_ex(&fake, WSK_FLAG_RELEASE_ASAP, &data, NULL, 0, 9, &accepted),
                   TAG_RECEIVE_EX_EVENT);
        check(s, accepted == 9);
    }
}

/* ---- indications, buffers, control messages ----------------------------- */

static void fill_indications(CHECK_STATE *s)
{
    MDL mdls[2];
    WSK_DATA_INDICATION data[2];
    WSK_DATAGRAM_INDICATION datagrams[2];
    WSK_BUF_LIST buffers[2];
    const WSK_DATA_INDICATION *d;
    const WSK_DATAGRAM_INDICATION *g;
    const WSK_BUF_LIST *b;
    SOCKADDR_IN from;
    SIZE_T total = 0;
    ULONG count = 0;
    union {
        WSACMSGHDR align;
        UCHAR bytes[64];
    } control;
    WSAMSG msg;
    PCMSGHDR cmsg;
    PIN_PKTINFO pktinfo;

    memset(mdls, 0, sizeof(mdls));
    memset(&from, 0, sizeof(from));
    memset(&control, 0, sizeof(control));
    mdls[0].Next = &mdls[1];

    data[0].Next = &data[1];
    data[0].Buffer.Mdl = &mdls[0];
    data[0].Buffer.Offset = 16;
    data[0].Buffer.Length = 100;
    data[1].Next = NULL;
    data[1].Buffer.Mdl = &mdls[1];
    data[1].Buffer.Offset = 0;
    data[1].Buffer.Length = 28;
    for (d = &data[0]; d != NULL; d = d->Next) {
        total += d->Buffer.Length;
        count++;
    }
    check(s, total == 128 && count == 2);

    /* One IP_PKTINFO control message in front of each datagram. */
    cmsg = (PCMSGHDR)control.bytes;
    cmsg->cmsg_len = WSA_CMSG_LEN(sizeof(IN_PKTINFO));
    cmsg->cmsg_level = IPPROTO_IP;
    cmsg->cmsg_type = IP_PKTINFO;
    pktinfo = (PIN_PKTINFO)WSA_CMSG_DATA(cmsg);
    pktinfo->ipi_addr.s_addr = 0x0100007f; /* 127.0.0.1 in network order on little-endian */
    pktinfo->ipi_ifindex = 1;
    check(s, (PUCHAR)pktinfo - (PUCHAR)cmsg == (ptrdiff_t)WSA_CMSGDATA_ALIGN(sizeof(WSACMSGHDR)));

    from.sin_family = AF_INET;
    from.sin_port = 0x3930; /* 12345 in network order on little-endian */
    from.sin_addr.S_un.S_un_b.s_b1 = 127;
    from.sin_addr.S_un.S_un_b.s_b4 = 1;
    for (count = 0; count < 2; count++) {
        datagrams[count].Next = count == 0 ? &datagrams[1] : NULL;
        datagrams[count].Buffer.Mdl = &mdls[count];
        datagrams[count].Buffer.Offset = 0;
        datagrams[count].Buffer.Length = 10 * (count + 1);
        datagrams[count].ControlInfo = cmsg;
        datagrams[count].ControlInfoLength = (ULONG)WSA_CMSG_SPACE(sizeof(IN_PKTINFO));
        datagrams[count].RemoteAddress = (PSOCKADDR)&from;
    }
    total = 0;
    count = 0;
    for (g = &datagrams[0]; g != NULL; g = g->Next) {
        const SOCKADDR_IN *source = (const SOCKADDR_IN *)g->RemoteAddress;
        const IN_PKTINFO *info = (const IN_PKTINFO *)WSA_CMSG_DATA(g->ControlInfo);
        total += g->Buffer.Length;
        count += source->sin_family == AF_INET && source->sin_addr.s_net == 127 && info->ipi_ifindex == 1;
    }
    check(s, total == 30 && count == 2);

    buffers[0].Next = &buffers[1];
    buffers[0].Buffer = data[0].Buffer;
    buffers[1].Next = NULL;
    buffers[1].Buffer = data[1].Buffer;
    total = 0;
    for (b = &buffers[0]; b != NULL; b = b->Next) {
        total += b->Buffer.Length;
    }
    check(s, total == 128);

    /* Walk the control buffer the way a receive path would. */
    memset(&msg, 0, sizeof(msg));
    msg.Control.buf = (CHAR *)control.bytes;
    msg.Control.len = (ULONG)WSA_CMSG_SPACE(sizeof(IN_PKTINFO));
    count = 0;
    for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
        count += cmsg->cmsg_level == IPPROTO_IP && cmsg->cmsg_type == IP_PKTINFO;
    }
    check(s, count == 1);
}

/* ---- every type and every constant -------------------------------------- */

static void touch_types_and_constants(CHECK_STATE *s)
{
    static const SIZE_T sizes[] = {
        sizeof(WSK_SOCKET), sizeof(PWSK_CLIENT), sizeof(WSK_PROVIDER_CHARACTERISTICS), sizeof(WSK_TRANSPORT),
        sizeof(WSK_BUF), sizeof(WSK_BUF_LIST), sizeof(WSK_DATA_INDICATION), sizeof(WSK_DATAGRAM_INDICATION),
        sizeof(WSK_INSPECT_ID), sizeof(WSK_INSPECT_ACTION), sizeof(WSK_TDI_MAP), sizeof(WSK_TDI_MAP_INFO),
        sizeof(WSK_EVENT_CALLBACK_CONTROL), sizeof(WSK_EXTENSION_CONTROL_IN), sizeof(WSK_EXTENSION_CONTROL_OUT),
        sizeof(WSK_CONTROL_SOCKET_TYPE), sizeof(WSK_CLIENT_DISPATCH), sizeof(WSK_CLIENT_LISTEN_DISPATCH),
        sizeof(WSK_CLIENT_DATAGRAM_DISPATCH), sizeof(WSK_CLIENT_CONNECTION_DISPATCH),
        sizeof(WSK_CLIENT_STREAM_DISPATCH), sizeof(WSK_PROVIDER_DISPATCH), sizeof(WSK_PROVIDER_BASIC_DISPATCH),
        sizeof(WSK_PROVIDER_LISTEN_DISPATCH), sizeof(WSK_PROVIDER_DATAGRAM_DISPATCH),
        sizeof(WSK_PROVIDER_CONNECTION_DISPATCH), sizeof(WSK_PROVIDER_STREAM_DISPATCH), sizeof(WSK_CLIENT_NPI),
        sizeof(WSK_PROVIDER_NPI), sizeof(WSK_REGISTRATION), sizeof(NPIID), sizeof(NPI_MODULEID),
        sizeof(PFN_WSK_CLIENT_EVENT), sizeof(PFN_WSK_RECEIVE_FROM_EVENT), sizeof(PFN_WSK_ACCEPT_EVENT),
        sizeof(PFN_WSK_INSPECT_EVENT), sizeof(PFN_WSK_ABORT_EVENT), sizeof(PFN_WSK_SEND_BACKLOG_EVENT),
        sizeof(PFN_WSK_RECEIVE_EVENT), sizeof(PFN_WSK_RECEIVE_EX_EVENT), sizeof(PFN_WSK_DISCONNECT_EVENT),
        sizeof(PFN_WSK_SOCKET), sizeof(PFN_WSK_SOCKET_CONNECT), sizeof(PFN_WSK_CONTROL_CLIENT),
        sizeof(PFN_WSK_GET_ADDRESS_INFO), sizeof(PFN_WSK_GET_NAME_INFO), sizeof(PFN_WSK_FREE_ADDRESS_INFO),
        sizeof(PFN_WSK_CONTROL_SOCKET), sizeof(PFN_WSK_CLOSE_SOCKET), sizeof(PFN_WSK_BIND), sizeof(PFN_WSK_CONNECT),
        sizeof(PFN_WSK_CONNECT_EX), sizeof(PFN_WSK_LISTEN), sizeof(PFN_WSK_ACCEPT), sizeof(PFN_WSK_INSPECT_COMPLETE),
        sizeof(PFN_WSK_SEND_TO), sizeof(PFN_WSK_SEND_MESSAGES), sizeof(PFN_WSK_RECEIVE_FROM),
        sizeof(PFN_WSK_GET_LOCAL_ADDRESS), sizeof(PFN_WSK_GET_REMOTE_ADDRESS),
        sizeof(PFN_WSK_RELEASE_DATA_INDICATION_LIST), sizeof(PFN_WSK_RELEASE_DATAGRAM_INDICATION_LIST),
        sizeof(PFN_WSK_SEND), sizeof(PFN_WSK_SEND_EX), sizeof(PFN_WSK_RECEIVE), sizeof(PFN_WSK_RECEIVE_EX),
        sizeof(PFN_WSK_DISCONNECT), sizeof(SOCKADDR), sizeof(SOCKADDR_IN), sizeof(SOCKADDR_IN6),
        sizeof(SOCKADDR_STORAGE), sizeof(SOCKADDR_INET), sizeof(IN_ADDR), sizeof(IN6_ADDR), sizeof(SCOPE_ID),
        sizeof(CMSGHDR), sizeof(ADDRINFOEXW), sizeof(ADDRINFOEXA), sizeof(IN_PKTINFO), sizeof(IN6_PKTINFO),
        sizeof(IP_MREQ), sizeof(IPV6_MREQ), sizeof(LINGER), sizeof(struct tcp_keepalive),
    };
    static const ULONG flags[] = {
        WSK_FLAG_AT_DISPATCH_LEVEL, WSK_FLAG_RELEASE_ASAP,  WSK_FLAG_ENTIRE_MESSAGE,   WSK_FLAG_ABORTIVE,
        WSK_FLAG_BASIC_SOCKET,      WSK_FLAG_LISTEN_SOCKET, WSK_FLAG_CONNECTION_SOCKET, WSK_FLAG_DATAGRAM_SOCKET,
        WSK_FLAG_STREAM_SOCKET,     WSK_FLAG_OOB,           WSK_FLAG_NODELAY,          WSK_FLAG_WAITALL,
        WSK_FLAG_DRAIN,             WSK_EVENT_RECEIVE_FROM, WSK_EVENT_ACCEPT,          WSK_EVENT_SEND_BACKLOG,
        WSK_EVENT_RECEIVE,          WSK_EVENT_DISCONNECT,   WSK_EVENT_DISABLE,
    };
    static const ULONG codes[] = {
        SO_WSK_SECURITY,
        SO_WSK_EVENT_CALLBACK,
        SIO_WSK_SET_REMOTE_ADDRESS,
        SIO_WSK_REGISTER_EXTENSION,
        SIO_WSK_QUERY_IDEAL_SEND_BACKLOG,
        SIO_WSK_QUERY_RECEIVE_BACKLOG,
        SIO_WSK_QUERY_INSPECT_ID,
        SIO_WSK_SET_SENDTO_ADDRESS,
        SIO_WSK_SET_TCP_SILENT_MODE,
        SIO_WSK_SET_RECEIVE_EX_CALLBACK,
        WSK_TRANSPORT_LIST_QUERY,
        WSK_TRANSPORT_LIST_CHANGE,
        WSK_CACHE_SD,
        WSK_RELEASE_SD,
        WSK_TDI_DEVICENAME_MAPPING,
        WSK_SET_STATIC_EVENT_CALLBACKS,
        WSK_TDI_BEHAVIOR,
        SIO_KEEPALIVE_VALS,
    };
    static const int enumerators[] = {
        WskSetOption,   WskGetOption,  WskIoctl, WskControlMax, WskInspectReject, WskInspectAccept, WskInspectPend,
        WskInspectMax,
    };
    static const WSK_TDI_MAP tdi_map[] = {{SOCK_STREAM, AF_INET, IPPROTO_TCP, L"\\Device\\Tcp"}};
    WSK_TDI_MAP_INFO tdi_map_info = {1, tdi_map};
    NPIID extension_id = {0x2227E803, 0x8D8B, 0x11D4, {0xAB, 0xAD, 0x00, 0x90, 0x27, 0x71, 0x9E, 0x09}};
    WSK_EVENT_CALLBACK_CONTROL event_control = {&extension_id, WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT};
    WSK_EXTENSION_CONTROL_IN extension_in = {&extension_id, NULL, &client_connection_dispatch};
    WSK_EXTENSION_CONTROL_OUT extension_out = {NULL, &connection_dispatch};
    WSK_PROVIDER_CHARACTERISTICS characteristics = {MAKE_WSK_VERSION(1, 0), MAKE_WSK_VERSION(1, 0)};
    WSK_TRANSPORT transport;
    WSK_REGISTRATION registration;
    WSK_PROVIDER_NPI provider_npi = {NULL, &provider_dispatch};
    size_t i;
    ULONG union_of_flags = 0;
    ULONG code_sum = 0;

    for (i = 0; i < RTL_NUMBER_OF(sizes); i++) {
        check(s, sizes[i] > 0);
    }
    for (i = 0; i < RTL_NUMBER_OF(flags); i++) {
        union_of_flags |= flags[i];
    }
    check(s, union_of_flags == 0x800003DF);
    check(s, WSK_NO_WAIT == 0 && WSK_INFINITE_WAIT == 0xffffffff && WSK_TDI_BEHAVIOR_BYPASS_TDI == 1);
    for (i = 0; i < RTL_NUMBER_OF(codes); i++) {
        code_sum += codes[i] != 0;
    }
    check(s, code_sum == RTL_NUMBER_OF(codes));
    for (i = 0; i < RTL_NUMBER_OF(enumerators); i++) {
        check(s, enumerators[i] == (int)(i % 4));
    }

    memset(&transport, 0, sizeof(transport));
    transport.Version = MAKE_WSK_VERSION(1, 0);
    transport.SocketType = SOCK_DGRAM;
    transport.Protocol = IPPROTO_UDP;
    transport.AddressFamily = AF_INET6;
    transport.ProviderId = extension_id;
    check(s, IsEqualGUID(&transport.ProviderId, event_control.NpiId));

    memset(&registration, 0, sizeof(registration));
    registration.ReservedRegistrationState = 1;
    registration.ReservedRegistrationContext = &registration;
    registration.ReservedRegistrationLock = 0;
    check(s, registration.ReservedRegistrationContext == &registration);

    check(s, tdi_map_info.ElementCount == 1 && tdi_map_info.Map[0].AddressFamily == AF_INET);
    check(s, extension_in.ClientDispatch == &client_connection_dispatch &&
                 extension_out.ProviderDispatch == &connection_dispatch);
    check(s, WSK_MAJOR_VERSION(characteristics.HighestVersion) == 1 &&
                 WSK_MINOR_VERSION(characteristics.LowestVersion) == 0);
    check(s, provider_npi.Dispatch->Version == MAKE_WSK_VERSION(1, 0));
}

/* ---- entry points for tests/kernel/wsk_layout_test.cpp ------------------ */

/* Runs every check above; returns how many failed and stores how many ran. */
ULONG wsk_types_driver_touch_all(ULONG *ChecksRun);
/* Writes the layout list (see the C++ twin) into Values; returns its length. */
SIZE_T wsk_types_driver_layout(SIZE_T *Values, SIZE_T Capacity);

ULONG wsk_types_driver_touch_all(ULONG *ChecksRun)
{
    CHECK_STATE state = {0, 0};
    check_provider_tables(&state);
    call_provider_tables(&state);
    call_client_tables(&state);
    fill_indications(&state);
    touch_types_and_constants(&state);
    *ChecksRun = state.Run;
    return state.Failed;
}

/* The order here must match wsk_types_driver_cpp_layout() and the expectation
 * built in tests/kernel/wsk_layout_test.cpp. */
SIZE_T wsk_types_driver_layout(SIZE_T *Values, SIZE_T Capacity)
{
    SIZE_T n = 0;
#define PUT(v)                                                                                                         \
    do {                                                                                                               \
        if (n < Capacity) {                                                                                            \
            Values[n] = (SIZE_T)(v);                                                                                   \
        }                                                                                                              \
        n++;                                                                                                           \
    } while (0)
    PUT(sizeof(WSK_PROVIDER_LISTEN_DISPATCH));
    PUT(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, WskControlSocket));
    PUT(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, WskCloseSocket));
    PUT(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, WskBind));
    PUT(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, WskAccept));
    PUT(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, WskInspectComplete));
    PUT(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, WskGetLocalAddress));

    PUT(sizeof(WSK_PROVIDER_DATAGRAM_DISPATCH));
    PUT(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskControlSocket));
    PUT(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskCloseSocket));
    PUT(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskBind));
    PUT(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskSendTo));
    PUT(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskReceiveFrom));
    PUT(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskRelease));
    PUT(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskGetLocalAddress));
    PUT(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskSendMessages));

    PUT(sizeof(WSK_PROVIDER_CONNECTION_DISPATCH));
    PUT(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskControlSocket));
    PUT(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskCloseSocket));
    PUT(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskBind));
    PUT(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskConnect));
    PUT(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskGetLocalAddress));
    PUT(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskGetRemoteAddress));
    PUT(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskSend));
    PUT(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskReceive));
    PUT(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskDisconnect));
    PUT(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskRelease));
    PUT(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskConnectEx));
    PUT(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskSendEx));
    PUT(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskReceiveEx));

    PUT(sizeof(WSK_PROVIDER_STREAM_DISPATCH));
    PUT(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskControlSocket));
    PUT(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskCloseSocket));
    PUT(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskBind));
    PUT(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskAccept));
    PUT(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskConnect));
    PUT(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskListen));
    PUT(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskSend));
    PUT(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskReceive));
    PUT(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskDisconnect));
    PUT(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskRelease));
    PUT(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskGetLocalAddress));
    PUT(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskGetRemoteAddress));
    PUT(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskConnectEx));
    PUT(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskSendEx));
    PUT(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskReceiveEx));

    PUT(sizeof(WSK_BUF));
    PUT(offsetof(WSK_BUF, Offset));
    PUT(offsetof(WSK_BUF, Length));
    PUT(sizeof(WSK_DATAGRAM_INDICATION));
    PUT(offsetof(WSK_DATAGRAM_INDICATION, Buffer));
    PUT(offsetof(WSK_DATAGRAM_INDICATION, ControlInfo));
    PUT(offsetof(WSK_DATAGRAM_INDICATION, ControlInfoLength));
    PUT(offsetof(WSK_DATAGRAM_INDICATION, RemoteAddress));
    PUT(sizeof(WSK_REGISTRATION));
    PUT(sizeof(SOCKADDR_IN6));
    PUT(sizeof(SOCKADDR_STORAGE));
    PUT(sizeof(CMSGHDR));
    PUT(offsetof(ADDRINFOEXW, ai_next));
#undef PUT
    return n;
}
