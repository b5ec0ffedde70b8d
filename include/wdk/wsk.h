/* wskemu: the WDK's wsk.h, the Winsock Kernel client interface: socket and
 * client objects, every callback and provider function type, the provider and
 * client dispatch tables, flags, event masks, option/ioctl/control codes and
 * the five netio.sys registration exports.
 *
 * Member order and layout follow the newer WDK 10 header (connection and
 * stream tables end with WskSendEx/WskReceiveEx). Everything is declared as for
 * the newest NTDDI_VERSION; the WDK's Win7/Win8/RS2 guards are not reproduced.
 *
 * C and C++: in the LISTEN, DATAGRAM, CONNECTION and STREAM provider tables the
 * WDK puts WSK_PROVIDER_BASIC_DISPATCH first, as a member named Basic in C++
 * and as an unnamed member (a Microsoft extension) in C. Here C gets the two
 * basic members spelled out instead, same layout, so C drivers still write
 * Dispatch->WskCloseSocket and need no -fms-extensions; C++ drivers write
 * Dispatch->Basic.WskCloseSocket. Valid C11 and C++20. */
#ifndef _WSK_
#define _WSK_

#include <wdm.h>
#include <netioddk.h>
#include <ws2def.h>
#include <ws2ipdef.h>

EXTERN_C_START

/* ---- objects, calling convention, interface id, versions ---------------- */

/* Allocated by the provider; Dispatch points to one of the five provider
 * tables below, chosen by the socket's category. */
typedef struct _WSK_SOCKET {
    const VOID *Dispatch;
} WSK_SOCKET, *PWSK_SOCKET;

/* Opaque client handle returned in WSK_PROVIDER_NPI.Client. */
typedef PVOID PWSK_CLIENT;

#define WSKAPI NTAPI

/* Exported by netio; {2227E803-8D8B-11D4-ABAD-009027719E09}. Drivers pass its
 * address in WSK_EVENT_CALLBACK_CONTROL.NpiId. */
extern const NPIID NPI_WSK_INTERFACE_ID;

#define MAKE_WSK_VERSION(Mj, Mn) ((USHORT)((Mj) << 8) | (USHORT)((Mn) & 0xff))
#define WSK_MAJOR_VERSION(V) ((UCHAR)((V) >> 8))
#define WSK_MINOR_VERSION(V) ((UCHAR)(V))

typedef struct _WSK_PROVIDER_CHARACTERISTICS {
    USHORT HighestVersion;
    USHORT LowestVersion;
} WSK_PROVIDER_CHARACTERISTICS, *PWSK_PROVIDER_CHARACTERISTICS;

/* One element of the WSK_TRANSPORT_LIST_QUERY output. */
typedef struct _WSK_TRANSPORT {
    USHORT Version;
    USHORT SocketType;
    ULONG Protocol;
    ADDRESS_FAMILY AddressFamily;
    GUID ProviderId;
} WSK_TRANSPORT, *PWSK_TRANSPORT;

/* ---- buffers and indications -------------------------------------------- */

/* Length bytes starting Offset bytes into the first MDL of the Mdl chain
 * (Offset must fall inside that first MDL). */
typedef struct _WSK_BUF {
    PMDL Mdl;
    ULONG Offset;
    SIZE_T Length;
} WSK_BUF, *PWSK_BUF;

/* One datagram per element, for WskSendMessages. */
typedef struct _WSK_BUF_LIST {
    struct _WSK_BUF_LIST *Next;
    WSK_BUF Buffer;
} WSK_BUF_LIST, *PWSK_BUF_LIST;

/* Received stream data; a NULL Next ends the list. */
typedef struct _WSK_DATA_INDICATION {
    struct _WSK_DATA_INDICATION *Next;
    WSK_BUF Buffer;
} WSK_DATA_INDICATION, *PWSK_DATA_INDICATION;

/* Received datagrams; ControlInfo is NULL (length 0) when absent. */
typedef struct _WSK_DATAGRAM_INDICATION {
    struct _WSK_DATAGRAM_INDICATION *Next;
    WSK_BUF Buffer;
    PCMSGHDR ControlInfo;
    ULONG ControlInfoLength;
    PSOCKADDR RemoteAddress;
} WSK_DATAGRAM_INDICATION, *PWSK_DATAGRAM_INDICATION;

/* Conditional accept: a pending request is named by these contents, not by the
 * pointer to them. */
typedef struct _WSK_INSPECT_ID {
    ULONG_PTR Key;
    ULONG SerialNumber;
} WSK_INSPECT_ID, *PWSK_INSPECT_ID;

typedef enum {
    WskInspectReject,
    WskInspectAccept,
    WskInspectPend,
    WskInspectMax
} WSK_INSPECT_ACTION, *PWSK_INSPECT_ACTION;

/* ---- flags -------------------------------------------------------------- */
/* Operation and indication flags are separate name spaces; values overlap. */

/* Passed to every event callback when it runs at DISPATCH_LEVEL. */
#define WSK_FLAG_AT_DISPATCH_LEVEL 0x00000008
/* Receive event: do not retain the indicated buffers, or release them soon. */
#define WSK_FLAG_RELEASE_ASAP 0x00000002
/* Receive event: the indication ends a message (for TCP, a PUSH was seen). */
#define WSK_FLAG_ENTIRE_MESSAGE 0x00000004
/* WskDisconnect and the disconnect event: abortive rather than graceful. */
#define WSK_FLAG_ABORTIVE 0x00000001

/* Socket categories: WskSocket's Flags. */
#define WSK_FLAG_BASIC_SOCKET 0x00000000
#define WSK_FLAG_LISTEN_SOCKET 0x00000001
#define WSK_FLAG_CONNECTION_SOCKET 0x00000002
#define WSK_FLAG_DATAGRAM_SOCKET 0x00000004
#define WSK_FLAG_STREAM_SOCKET 0x00000008

/* WskSend / WskSendEx */
#define WSK_FLAG_OOB 0x00000001
#define WSK_FLAG_NODELAY 0x00000002
/* WskReceive / WskReceiveEx (mutually exclusive; DRAIN needs Length 0) */
#define WSK_FLAG_WAITALL 0x00000002
#define WSK_FLAG_DRAIN 0x00000004

/* ---- event callbacks (client side) -------------------------------------- */

typedef struct _WSK_CLIENT_CONNECTION_DISPATCH WSK_CLIENT_CONNECTION_DISPATCH, *PWSK_CLIENT_CONNECTION_DISPATCH;

/* Client-level event; no event types are defined. */
typedef NTSTATUS(WSKAPI *PFN_WSK_CLIENT_EVENT)(PVOID ClientContext, ULONG EventType, PVOID Information,
                                               SIZE_T InformationLength);

/* A NULL DataIndication means the socket must be closed. */
typedef NTSTATUS(WSKAPI *PFN_WSK_RECEIVE_FROM_EVENT)(PVOID SocketContext, ULONG Flags,
                                                     PWSK_DATAGRAM_INDICATION DataIndication);

/* A NULL AcceptSocket means the listening socket must be closed. */
typedef NTSTATUS(WSKAPI *PFN_WSK_ACCEPT_EVENT)(PVOID SocketContext, ULONG Flags, PSOCKADDR LocalAddress,
                                               PSOCKADDR RemoteAddress, PWSK_SOCKET AcceptSocket,
                                               PVOID *AcceptSocketContext,
                                               const WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch);

/* A NULL InspectID means the listening socket must be closed. */
typedef WSK_INSPECT_ACTION(WSKAPI *PFN_WSK_INSPECT_EVENT)(PVOID SocketContext, PSOCKADDR LocalAddress,
                                                          PSOCKADDR RemoteAddress, PWSK_INSPECT_ID InspectID);

typedef NTSTATUS(WSKAPI *PFN_WSK_ABORT_EVENT)(PVOID SocketContext, PWSK_INSPECT_ID InspectID);

typedef NTSTATUS(WSKAPI *PFN_WSK_SEND_BACKLOG_EVENT)(PVOID SocketContext, SIZE_T IdealBacklogSize);

/* *BytesAccepted is read only when the callback returns STATUS_SUCCESS. */
typedef NTSTATUS(WSKAPI *PFN_WSK_RECEIVE_EVENT)(PVOID SocketContext, ULONG Flags, PWSK_DATA_INDICATION DataIndication,
                                                SIZE_T BytesIndicated, SIZE_T *BytesAccepted);

/* Enabled with SIO_WSK_SET_RECEIVE_EX_CALLBACK, not with an event mask. */
typedef NTSTATUS(WSKAPI *PFN_WSK_RECEIVE_EX_EVENT)(PVOID SocketContext, ULONG Flags,
                                                   PWSK_DATA_INDICATION DataIndication, PCMSGHDR ControlInfo,
                                                   ULONG ControlInfoLength, SIZE_T BytesIndicated,
                                                   SIZE_T *BytesAccepted);

typedef NTSTATUS(WSKAPI *PFN_WSK_DISCONNECT_EVENT)(PVOID SocketContext, ULONG Flags);

/* ---- client-level provider functions ------------------------------------ */

/* On success Irp->IoStatus.Information holds the new PWSK_SOCKET. */
typedef NTSTATUS(WSKAPI *PFN_WSK_SOCKET)(PWSK_CLIENT Client, ADDRESS_FAMILY AddressFamily, USHORT SocketType,
                                         ULONG Protocol, ULONG Flags, PVOID SocketContext, const VOID *Dispatch,
                                         PEPROCESS OwningProcess, PETHREAD OwningThread,
                                         PSECURITY_DESCRIPTOR SecurityDescriptor, PIRP Irp);

/* Creates, binds and connects; Information holds the new PWSK_SOCKET. */
typedef NTSTATUS(WSKAPI *PFN_WSK_SOCKET_CONNECT)(PWSK_CLIENT Client, USHORT SocketType, ULONG Protocol,
                                                 PSOCKADDR LocalAddress, PSOCKADDR RemoteAddress, ULONG Flags,
                                                 PVOID SocketContext, const WSK_CLIENT_CONNECTION_DISPATCH *Dispatch,
                                                 PEPROCESS OwningProcess, PETHREAD OwningThread,
                                                 PSECURITY_DESCRIPTOR SecurityDescriptor, PIRP Irp);

/* Client control codes (WskControlClient). */
#define WSK_TRANSPORT_LIST_QUERY 2
#define WSK_TRANSPORT_LIST_CHANGE 3
#define WSK_CACHE_SD 4
#define WSK_RELEASE_SD 5
#define WSK_TDI_DEVICENAME_MAPPING 6
#define WSK_SET_STATIC_EVENT_CALLBACKS 7
#define WSK_TDI_BEHAVIOR 8

/* Input of WSK_TDI_DEVICENAME_MAPPING. */
typedef struct _WSK_TDI_MAP {
    USHORT SocketType;
    ADDRESS_FAMILY AddressFamily;
    ULONG Protocol;
    PCWSTR TdiDeviceName;
} WSK_TDI_MAP, *PWSK_TDI_MAP;

typedef struct _WSK_TDI_MAP_INFO {
    const ULONG ElementCount;
    const WSK_TDI_MAP *Map;
} WSK_TDI_MAP_INFO, *PWSK_TDI_MAP_INFO;

/* Flag of WSK_TDI_BEHAVIOR. */
#define WSK_TDI_BEHAVIOR_BYPASS_TDI 0x00000001

typedef NTSTATUS(WSKAPI *PFN_WSK_CONTROL_CLIENT)(PWSK_CLIENT Client, ULONG ControlCode, SIZE_T InputSize,
                                                 PVOID InputBuffer, SIZE_T OutputSize, PVOID OutputBuffer,
                                                 SIZE_T *OutputSizeReturned, PIRP Irp);

/* *Result is allocated by WSK and freed with WskFreeAddressInfo. */
typedef NTSTATUS(WSKAPI *PFN_WSK_GET_ADDRESS_INFO)(PWSK_CLIENT Client, PUNICODE_STRING NodeName,
                                                   PUNICODE_STRING ServiceName, ULONG NameSpace, GUID *Provider,
                                                   PADDRINFOEXW Hints, PADDRINFOEXW *Result,
                                                   PEPROCESS OwningProcess, PETHREAD OwningThread, PIRP Irp);

typedef NTSTATUS(WSKAPI *PFN_WSK_GET_NAME_INFO)(PWSK_CLIENT Client, PSOCKADDR SockAddr, ULONG SockAddrLength,
                                                PUNICODE_STRING NodeName, PUNICODE_STRING ServiceName, ULONG Flags,
                                                PEPROCESS OwningProcess, PETHREAD OwningThread, PIRP Irp);

typedef VOID(WSKAPI *PFN_WSK_FREE_ADDRESS_INFO)(PWSK_CLIENT Client, PADDRINFOEXW AddrInfo);

/* ---- socket options, events, ioctls ------------------------------------- */

#define SO_WSK_SECURITY (WSK_SO_BASE + 1)
#define SO_WSK_EVENT_CALLBACK (WSK_SO_BASE + 2)

/* Event masks for SO_WSK_EVENT_CALLBACK and WSK_SET_STATIC_EVENT_CALLBACKS. */
#define WSK_EVENT_RECEIVE_FROM 0x00000100 /* datagram sockets */
#define WSK_EVENT_ACCEPT 0x00000200       /* listening sockets */
#define WSK_EVENT_SEND_BACKLOG 0x00000010 /* connection (and listening) sockets */
#define WSK_EVENT_RECEIVE 0x00000040      /* connection (and listening) sockets */
#define WSK_EVENT_DISCONNECT 0x00000080   /* connection (and listening) sockets */
/* OR-ed with exactly one event flag to disable that event. */
#define WSK_EVENT_DISABLE 0x80000000

typedef struct _WSK_EVENT_CALLBACK_CONTROL {
    PNPIID NpiId;
    ULONG EventMask;
} WSK_EVENT_CALLBACK_CONTROL, *PWSK_EVENT_CALLBACK_CONTROL;

#define SIO_WSK_SET_REMOTE_ADDRESS _WSAIOW(IOC_WSK, 0x1)
#define SIO_WSK_REGISTER_EXTENSION _WSAIORW(IOC_WSK, 0x2)
#define SIO_WSK_QUERY_IDEAL_SEND_BACKLOG _WSAIOR(IOC_WSK, 0x3)
#define SIO_WSK_QUERY_RECEIVE_BACKLOG _WSAIOR(IOC_WSK, 0x4)
#define SIO_WSK_QUERY_INSPECT_ID _WSAIOR(IOC_WSK, 0x5)
#define SIO_WSK_SET_SENDTO_ADDRESS _WSAIOW(IOC_WSK, 0x6)
#define SIO_WSK_SET_TCP_SILENT_MODE _WSAIO(IOC_WSK, 0x7)
/* Input: a PFN_WSK_RECEIVE_EX_EVENT, or NULL to turn it off. */
#define SIO_WSK_SET_RECEIVE_EX_CALLBACK _WSAIOW(IOC_WSK, 0x8)

/* Input and output of SIO_WSK_REGISTER_EXTENSION. */
typedef struct _WSK_EXTENSION_CONTROL_IN {
    PNPIID NpiId;
    PVOID ClientContext;
    const VOID *ClientDispatch;
} WSK_EXTENSION_CONTROL_IN, *PWSK_EXTENSION_CONTROL_IN;

typedef struct _WSK_EXTENSION_CONTROL_OUT {
    PVOID ProviderContext;
    const VOID *ProviderDispatch;
} WSK_EXTENSION_CONTROL_OUT, *PWSK_EXTENSION_CONTROL_OUT;

typedef enum {
    WskSetOption,
    WskGetOption,
    WskIoctl,
    WskControlMax
} WSK_CONTROL_SOCKET_TYPE, *PWSK_CONTROL_SOCKET_TYPE;

/* ---- socket-level provider functions ------------------------------------ */

typedef NTSTATUS(WSKAPI *PFN_WSK_CONTROL_SOCKET)(PWSK_SOCKET Socket, WSK_CONTROL_SOCKET_TYPE RequestType,
                                                 ULONG ControlCode, ULONG Level, SIZE_T InputSize, PVOID InputBuffer,
                                                 SIZE_T OutputSize, PVOID OutputBuffer, SIZE_T *OutputSizeReturned,
                                                 PIRP Irp);

/* Frees the WSK_SOCKET; no call on it is allowed afterwards. */
typedef NTSTATUS(WSKAPI *PFN_WSK_CLOSE_SOCKET)(PWSK_SOCKET Socket, PIRP Irp);

typedef NTSTATUS(WSKAPI *PFN_WSK_BIND)(PWSK_SOCKET Socket, PSOCKADDR LocalAddress, ULONG Flags, PIRP Irp);

typedef NTSTATUS(WSKAPI *PFN_WSK_CONNECT)(PWSK_SOCKET Socket, PSOCKADDR RemoteAddress, ULONG Flags, PIRP Irp);

/* Buffer (optional, at most 65,535 bytes) is sent during or after the handshake. */
typedef NTSTATUS(WSKAPI *PFN_WSK_CONNECT_EX)(PWSK_SOCKET Socket, PSOCKADDR RemoteAddress, PWSK_BUF Buffer,
                                             ULONG Flags, PIRP Irp);

/* Stream sockets only: commits a bound stream socket to listening. */
typedef NTSTATUS(WSKAPI *PFN_WSK_LISTEN)(PWSK_SOCKET Socket, PIRP Irp);

/* On success Information holds the accepted PWSK_SOCKET. */
typedef NTSTATUS(WSKAPI *PFN_WSK_ACCEPT)(PWSK_SOCKET ListenSocket, ULONG Flags, PVOID AcceptSocketContext,
                                         const WSK_CLIENT_CONNECTION_DISPATCH *AcceptSocketDispatch,
                                         PSOCKADDR LocalAddress, PSOCKADDR RemoteAddress, PIRP Irp);

typedef NTSTATUS(WSKAPI *PFN_WSK_INSPECT_COMPLETE)(PWSK_SOCKET ListenSocket, PWSK_INSPECT_ID InspectID,
                                                   WSK_INSPECT_ACTION Action, PIRP Irp);

typedef NTSTATUS(WSKAPI *PFN_WSK_SEND_TO)(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PSOCKADDR RemoteAddress,
                                          ULONG ControlInfoLength, PCMSGHDR ControlInfo, PIRP Irp);

typedef NTSTATUS(WSKAPI *PFN_WSK_SEND_MESSAGES)(PWSK_SOCKET Socket, PWSK_BUF_LIST BufferList, ULONG Flags,
                                                PSOCKADDR RemoteAddress, ULONG ControlInfoLength,
                                                PCMSGHDR ControlInfo, PIRP Irp);

/* ControlFlags receives MSG_BCAST, MSG_MCAST, MSG_TRUNC, MSG_CTRUNC. */
typedef NTSTATUS(WSKAPI *PFN_WSK_RECEIVE_FROM)(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags,
                                               PSOCKADDR RemoteAddress, PULONG ControlLength, PCMSGHDR ControlInfo,
                                               PULONG ControlFlags, PIRP Irp);

typedef NTSTATUS(WSKAPI *PFN_WSK_GET_LOCAL_ADDRESS)(PWSK_SOCKET Socket, PSOCKADDR LocalAddress, PIRP Irp);

typedef NTSTATUS(WSKAPI *PFN_WSK_GET_REMOTE_ADDRESS)(PWSK_SOCKET Socket, PSOCKADDR RemoteAddress, PIRP Irp);

/* Returns lists retained by a receive event that returned STATUS_PENDING. */
typedef NTSTATUS(WSKAPI *PFN_WSK_RELEASE_DATA_INDICATION_LIST)(PWSK_SOCKET Socket,
                                                               PWSK_DATA_INDICATION DataIndication);

typedef NTSTATUS(WSKAPI *PFN_WSK_RELEASE_DATAGRAM_INDICATION_LIST)(PWSK_SOCKET Socket,
                                                                   PWSK_DATAGRAM_INDICATION DatagramIndication);

typedef NTSTATUS(WSKAPI *PFN_WSK_SEND)(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PIRP Irp);

typedef NTSTATUS(WSKAPI *PFN_WSK_SEND_EX)(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, ULONG ControlInfoLength,
                                          PCMSGHDR ControlInfo, PIRP Irp);

typedef NTSTATUS(WSKAPI *PFN_WSK_RECEIVE)(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PIRP Irp);

/* ControlFlags is reserved and must be NULL. */
typedef NTSTATUS(WSKAPI *PFN_WSK_RECEIVE_EX)(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags,
                                             PULONG ControlInfoLength, PCMSGHDR ControlInfo, PULONG ControlFlags,
                                             PIRP Irp);

typedef NTSTATUS(WSKAPI *PFN_WSK_DISCONNECT)(PWSK_SOCKET Socket, PWSK_BUF Buffer, ULONG Flags, PIRP Irp);

/* ---- client dispatch tables --------------------------------------------- */

typedef struct _WSK_CLIENT_DISPATCH {
    USHORT Version;  /* MAKE_WSK_VERSION(1, 0) */
    USHORT Reserved; /* must be 0 */
    PFN_WSK_CLIENT_EVENT WskClientEvent;
} WSK_CLIENT_DISPATCH, *PWSK_CLIENT_DISPATCH;

typedef struct _WSK_CLIENT_LISTEN_DISPATCH {
    PFN_WSK_ACCEPT_EVENT WskAcceptEvent;
    PFN_WSK_INSPECT_EVENT WskInspectEvent;
    PFN_WSK_ABORT_EVENT WskAbortEvent;
} WSK_CLIENT_LISTEN_DISPATCH, *PWSK_CLIENT_LISTEN_DISPATCH;

typedef struct _WSK_CLIENT_DATAGRAM_DISPATCH {
    PFN_WSK_RECEIVE_FROM_EVENT WskReceiveFromEvent;
} WSK_CLIENT_DATAGRAM_DISPATCH, *PWSK_CLIENT_DATAGRAM_DISPATCH;

/* Typedef names were declared above, for the callback prototypes. */
struct _WSK_CLIENT_CONNECTION_DISPATCH {
    PFN_WSK_RECEIVE_EVENT WskReceiveEvent;
    PFN_WSK_DISCONNECT_EVENT WskDisconnectEvent;
    PFN_WSK_SEND_BACKLOG_EVENT WskSendBacklogEvent;
};

typedef struct _WSK_CLIENT_STREAM_DISPATCH {
    const WSK_CLIENT_LISTEN_DISPATCH *Listen;
    const WSK_CLIENT_CONNECTION_DISPATCH *Connect;
} WSK_CLIENT_STREAM_DISPATCH, *PWSK_CLIENT_STREAM_DISPATCH;

/* ---- provider dispatch tables ------------------------------------------- */

typedef struct _WSK_PROVIDER_DISPATCH {
    USHORT Version;
    USHORT Reserved;
    PFN_WSK_SOCKET WskSocket;
    PFN_WSK_SOCKET_CONNECT WskSocketConnect;
    PFN_WSK_CONTROL_CLIENT WskControlClient;
    PFN_WSK_GET_ADDRESS_INFO WskGetAddressInfo;
    PFN_WSK_FREE_ADDRESS_INFO WskFreeAddressInfo;
    PFN_WSK_GET_NAME_INFO WskGetNameInfo;
} WSK_PROVIDER_DISPATCH, *PWSK_PROVIDER_DISPATCH;

/* Supported by every socket category. */
typedef struct _WSK_PROVIDER_BASIC_DISPATCH {
    PFN_WSK_CONTROL_SOCKET WskControlSocket;
    PFN_WSK_CLOSE_SOCKET WskCloseSocket;
} WSK_PROVIDER_BASIC_DISPATCH, *PWSK_PROVIDER_BASIC_DISPATCH;

/* Drivers cast WSK_SOCKET.Dispatch to the "wrong" table (KSOCKET calls WskBind
 * through the listen table for every socket), which works only because shared
 * members keep the same index in every table: layouts are pinned below. */

typedef struct _WSK_PROVIDER_LISTEN_DISPATCH {
#ifdef __cplusplus
    WSK_PROVIDER_BASIC_DISPATCH Basic;
#else
    PFN_WSK_CONTROL_SOCKET WskControlSocket;
    PFN_WSK_CLOSE_SOCKET WskCloseSocket;
#endif
    PFN_WSK_BIND WskBind;
    PFN_WSK_ACCEPT WskAccept;
    PFN_WSK_INSPECT_COMPLETE WskInspectComplete;
    PFN_WSK_GET_LOCAL_ADDRESS WskGetLocalAddress;
} WSK_PROVIDER_LISTEN_DISPATCH, *PWSK_PROVIDER_LISTEN_DISPATCH;

typedef struct _WSK_PROVIDER_DATAGRAM_DISPATCH {
#ifdef __cplusplus
    WSK_PROVIDER_BASIC_DISPATCH Basic;
#else
    PFN_WSK_CONTROL_SOCKET WskControlSocket;
    PFN_WSK_CLOSE_SOCKET WskCloseSocket;
#endif
    PFN_WSK_BIND WskBind;
    PFN_WSK_SEND_TO WskSendTo;
    PFN_WSK_RECEIVE_FROM WskReceiveFrom;
    PFN_WSK_RELEASE_DATAGRAM_INDICATION_LIST WskRelease;
    PFN_WSK_GET_LOCAL_ADDRESS WskGetLocalAddress;
    PFN_WSK_SEND_MESSAGES WskSendMessages;
} WSK_PROVIDER_DATAGRAM_DISPATCH, *PWSK_PROVIDER_DATAGRAM_DISPATCH;

typedef struct _WSK_PROVIDER_CONNECTION_DISPATCH {
#ifdef __cplusplus
    WSK_PROVIDER_BASIC_DISPATCH Basic;
#else
    PFN_WSK_CONTROL_SOCKET WskControlSocket;
    PFN_WSK_CLOSE_SOCKET WskCloseSocket;
#endif
    PFN_WSK_BIND WskBind;
    PFN_WSK_CONNECT WskConnect;
    PFN_WSK_GET_LOCAL_ADDRESS WskGetLocalAddress;
    PFN_WSK_GET_REMOTE_ADDRESS WskGetRemoteAddress;
    PFN_WSK_SEND WskSend;
    PFN_WSK_RECEIVE WskReceive;
    PFN_WSK_DISCONNECT WskDisconnect;
    PFN_WSK_RELEASE_DATA_INDICATION_LIST WskRelease;
    PFN_WSK_CONNECT_EX WskConnectEx;
    PFN_WSK_SEND_EX WskSendEx;
    PFN_WSK_RECEIVE_EX WskReceiveEx;
} WSK_PROVIDER_CONNECTION_DISPATCH, *PWSK_PROVIDER_CONNECTION_DISPATCH;

typedef struct _WSK_PROVIDER_STREAM_DISPATCH {
#ifdef __cplusplus
    WSK_PROVIDER_BASIC_DISPATCH Basic;
#else
    PFN_WSK_CONTROL_SOCKET WskControlSocket;
    PFN_WSK_CLOSE_SOCKET WskCloseSocket;
#endif
    PFN_WSK_BIND WskBind;
    PFN_WSK_ACCEPT WskAccept;
    PFN_WSK_CONNECT WskConnect;
    PFN_WSK_LISTEN WskListen;
    PFN_WSK_SEND WskSend;
    PFN_WSK_RECEIVE WskReceive;
    PFN_WSK_DISCONNECT WskDisconnect;
    PFN_WSK_RELEASE_DATA_INDICATION_LIST WskRelease;
    PFN_WSK_GET_LOCAL_ADDRESS WskGetLocalAddress;
    PFN_WSK_GET_REMOTE_ADDRESS WskGetRemoteAddress;
    PFN_WSK_CONNECT_EX WskConnectEx;
    PFN_WSK_SEND_EX WskSendEx;
    PFN_WSK_RECEIVE_EX WskReceiveEx;
} WSK_PROVIDER_STREAM_DISPATCH, *PWSK_PROVIDER_STREAM_DISPATCH;

/* ---- registration ------------------------------------------------------- */

typedef struct _WSK_CLIENT_NPI {
    PVOID ClientContext;
    const WSK_CLIENT_DISPATCH *Dispatch;
} WSK_CLIENT_NPI, *PWSK_CLIENT_NPI;

typedef struct _WSK_PROVIDER_NPI {
    PWSK_CLIENT Client;
    const WSK_PROVIDER_DISPATCH *Dispatch;
} WSK_PROVIDER_NPI, *PWSK_PROVIDER_NPI;

/* Owned by the client, opaque to it: the emulation keeps its state here. */
typedef struct _WSK_REGISTRATION {
    ULONGLONG ReservedRegistrationState;
    PVOID ReservedRegistrationContext;
    KSPIN_LOCK ReservedRegistrationLock;
} WSK_REGISTRATION, *PWSK_REGISTRATION;

/* WskCaptureProviderNPI WaitTimeout, in milliseconds. */
#define WSK_NO_WAIT 0
#define WSK_INFINITE_WAIT 0xffffffff

/* netio.sys exports. The WDK declares them without a calling convention
 * (the kernel default is __stdcall); NTAPI says the same explicitly. */
NTSTATUS NTAPI WskRegister(PWSK_CLIENT_NPI WskClientNpi, PWSK_REGISTRATION WskRegistration);
NTSTATUS NTAPI WskCaptureProviderNPI(PWSK_REGISTRATION WskRegistration, ULONG WaitTimeout,
                                     PWSK_PROVIDER_NPI WskProviderNpi);
VOID NTAPI WskReleaseProviderNPI(PWSK_REGISTRATION WskRegistration);
NTSTATUS NTAPI WskQueryProviderCharacteristics(PWSK_REGISTRATION WskRegistration,
                                               PWSK_PROVIDER_CHARACTERISTICS WskProviderCharacteristics);
VOID NTAPI WskDeregister(PWSK_REGISTRATION WskRegistration);

/* ---- layout pins -------------------------------------------------------- */
/* Index n of a dispatch table lives at n pointers (8n bytes on x64). */
#ifdef __cplusplus
#define WSKEMU_WSK_BASIC_MEMBER_(m) Basic.m
#else
#define WSKEMU_WSK_BASIC_MEMBER_(m) m
#endif
#define WSKEMU_WSK_SLOT_(t, m, n) C_ASSERT(offsetof(t, m) == (n) * sizeof(PVOID))

C_ASSERT(sizeof(WSK_BUF) == 3 * sizeof(PVOID));
C_ASSERT(offsetof(WSK_BUF, Mdl) == 0);
C_ASSERT(offsetof(WSK_BUF, Offset) == sizeof(PVOID));
C_ASSERT(offsetof(WSK_BUF, Length) == 2 * sizeof(PVOID));

WSKEMU_WSK_SLOT_(WSK_PROVIDER_DISPATCH, WskSocket, 1);
WSKEMU_WSK_SLOT_(WSK_PROVIDER_DISPATCH, WskGetNameInfo, 6);

WSKEMU_WSK_SLOT_(WSK_PROVIDER_BASIC_DISPATCH, WskControlSocket, 0);
WSKEMU_WSK_SLOT_(WSK_PROVIDER_BASIC_DISPATCH, WskCloseSocket, 1);

WSKEMU_WSK_SLOT_(WSK_PROVIDER_LISTEN_DISPATCH, WSKEMU_WSK_BASIC_MEMBER_(WskControlSocket), 0);
WSKEMU_WSK_SLOT_(WSK_PROVIDER_LISTEN_DISPATCH, WSKEMU_WSK_BASIC_MEMBER_(WskCloseSocket), 1);
WSKEMU_WSK_SLOT_(WSK_PROVIDER_LISTEN_DISPATCH, WskBind, 2);
WSKEMU_WSK_SLOT_(WSK_PROVIDER_LISTEN_DISPATCH, WskGetLocalAddress, 5);

WSKEMU_WSK_SLOT_(WSK_PROVIDER_DATAGRAM_DISPATCH, WSKEMU_WSK_BASIC_MEMBER_(WskControlSocket), 0);
WSKEMU_WSK_SLOT_(WSK_PROVIDER_DATAGRAM_DISPATCH, WSKEMU_WSK_BASIC_MEMBER_(WskCloseSocket), 1);
WSKEMU_WSK_SLOT_(WSK_PROVIDER_DATAGRAM_DISPATCH, WskBind, 2);
WSKEMU_WSK_SLOT_(WSK_PROVIDER_DATAGRAM_DISPATCH, WskSendMessages, 7);

WSKEMU_WSK_SLOT_(WSK_PROVIDER_CONNECTION_DISPATCH, WSKEMU_WSK_BASIC_MEMBER_(WskControlSocket), 0);
WSKEMU_WSK_SLOT_(WSK_PROVIDER_CONNECTION_DISPATCH, WSKEMU_WSK_BASIC_MEMBER_(WskCloseSocket), 1);
WSKEMU_WSK_SLOT_(WSK_PROVIDER_CONNECTION_DISPATCH, WskBind, 2);
WSKEMU_WSK_SLOT_(WSK_PROVIDER_CONNECTION_DISPATCH, WskConnectEx, 10);
WSKEMU_WSK_SLOT_(WSK_PROVIDER_CONNECTION_DISPATCH, WskReceiveEx, 12);

WSKEMU_WSK_SLOT_(WSK_PROVIDER_STREAM_DISPATCH, WSKEMU_WSK_BASIC_MEMBER_(WskControlSocket), 0);
WSKEMU_WSK_SLOT_(WSK_PROVIDER_STREAM_DISPATCH, WSKEMU_WSK_BASIC_MEMBER_(WskCloseSocket), 1);
WSKEMU_WSK_SLOT_(WSK_PROVIDER_STREAM_DISPATCH, WskBind, 2);
WSKEMU_WSK_SLOT_(WSK_PROVIDER_STREAM_DISPATCH, WskConnectEx, 12);
WSKEMU_WSK_SLOT_(WSK_PROVIDER_STREAM_DISPATCH, WskReceiveEx, 14);

C_ASSERT(sizeof(WSK_PROVIDER_BASIC_DISPATCH) == 2 * sizeof(PVOID));
C_ASSERT(sizeof(WSK_PROVIDER_LISTEN_DISPATCH) == 6 * sizeof(PVOID));
C_ASSERT(sizeof(WSK_PROVIDER_DATAGRAM_DISPATCH) == 8 * sizeof(PVOID));
C_ASSERT(sizeof(WSK_PROVIDER_CONNECTION_DISPATCH) == 13 * sizeof(PVOID));
C_ASSERT(sizeof(WSK_PROVIDER_STREAM_DISPATCH) == 15 * sizeof(PVOID));
C_ASSERT(sizeof(WSK_PROVIDER_DISPATCH) == 7 * sizeof(PVOID));
C_ASSERT(sizeof(WSK_CLIENT_CONNECTION_DISPATCH) == 3 * sizeof(PVOID));
C_ASSERT(sizeof(WSK_SOCKET) == sizeof(PVOID));

#undef WSKEMU_WSK_SLOT_
#undef WSKEMU_WSK_BASIC_MEMBER_

EXTERN_C_END

#endif /* _WSK_ */
