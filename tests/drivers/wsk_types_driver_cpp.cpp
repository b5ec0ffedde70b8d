// The C++ twin of wsk_types_driver.c: a test "driver" that includes only the
// WDK headers and touches every WSK type, table member and constant. C++ code
// reaches the basic members through the named sub-table, Dispatch->Basic.
// WskCloseSocket. C++20 designated initializers must follow declaration order,
// so building the tables below also pins the WDK member order at compile time.
// It calls no WSK or kernel function; tests/kernel/wsk_layout_test.cpp drives
// it through the two extern "C" functions at the bottom.
#include <ntddk.h>
#include <wsk.h>
#include <mstcpip.h>

namespace {

struct check_state {
    ULONG run = 0;
    ULONG failed = 0;

    void check(bool ok)
    {
        ++run;
        if (!ok) {
            ++failed;
        }
    }
};

// Stands in for the provider's socket; the fakes record which of them ran.
struct fake_socket {
    WSK_SOCKET socket;
    ULONG last_tag;
    ULONG calls;
};

enum tag : ULONG {
    control_socket_tag = 1,
    close_socket_tag,
    bind_tag,
    connect_tag,
    connect_ex_tag,
    listen_tag,
    accept_tag,
    inspect_complete_tag,
    send_to_tag,
    send_messages_tag,
    receive_from_tag,
    get_local_address_tag,
    get_remote_address_tag,
    release_data_tag,
    release_datagram_tag,
    send_tag,
    send_ex_tag,
    receive_tag,
    receive_ex_tag,
    disconnect_tag,
    socket_tag,
    socket_connect_tag,
    control_client_tag,
    get_address_info_tag,
    free_address_info_tag,
    get_name_info_tag,
    client_event_tag,
    receive_from_event_tag,
    accept_event_tag,
    inspect_event_tag,
    abort_event_tag,
    send_backlog_event_tag,
    receive_event_tag,
    receive_ex_event_tag,
    disconnect_event_tag,
};

constexpr NTSTATUS fake_status(ULONG t)
{
    return static_cast<NTSTATUS>(0x60000000u | t);
}

NTSTATUS record(PVOID context, ULONG t)
{
    auto *fake = static_cast<fake_socket *>(context);
    fake->last_tag = t;
    ++fake->calls;
    return fake_status(t);
}

// One fake per PFN type: the parameter list is deduced from the table member
// the fake is assigned to, so a signature mismatch fails to compile.
template <ULONG Tag, typename... Rest> NTSTATUS WSKAPI socket_fake(PWSK_SOCKET socket, Rest...)
{
    return record(CONTAINING_RECORD(socket, fake_socket, socket), Tag);
}

// Client-level functions and client callbacks get the fake as their handle or
// context pointer.
template <ULONG Tag, typename... Rest> NTSTATUS WSKAPI context_fake(PVOID context, Rest...)
{
    return record(context, Tag);
}

VOID WSKAPI free_address_info_fake(PWSK_CLIENT client, PADDRINFOEXW)
{
    static_cast<void>(record(client, free_address_info_tag));
}

WSK_INSPECT_ACTION WSKAPI inspect_event_fake(PVOID context, PSOCKADDR, PSOCKADDR, PWSK_INSPECT_ID)
{
    static_cast<void>(record(context, inspect_event_tag));
    return WskInspectPend;
}

NTSTATUS WSKAPI accept_event_fake(PVOID context, ULONG, PSOCKADDR, PSOCKADDR, PWSK_SOCKET, PVOID *accept_context,
                                  const WSK_CLIENT_CONNECTION_DISPATCH **accept_dispatch)
{
    *accept_context = context;
    *accept_dispatch = nullptr;
    return record(context, accept_event_tag);
}

NTSTATUS WSKAPI receive_event_fake(PVOID context, ULONG, PWSK_DATA_INDICATION, SIZE_T indicated, SIZE_T *accepted)
{
    *accepted = indicated;
    return record(context, receive_event_tag);
}

// ---- tables, as a provider and a client would build them -----------------

const WSK_PROVIDER_DISPATCH provider_dispatch = {
    .Version = MAKE_WSK_VERSION(1, 0),
    .Reserved = 0,
    .WskSocket = context_fake<socket_tag>,
    .WskSocketConnect = context_fake<socket_connect_tag>,
    .WskControlClient = context_fake<control_client_tag>,
    .WskGetAddressInfo = context_fake<get_address_info_tag>,
    .WskFreeAddressInfo = free_address_info_fake,
    .WskGetNameInfo = context_fake<get_name_info_tag>,
};

const WSK_PROVIDER_BASIC_DISPATCH basic_dispatch = {
    .WskControlSocket = socket_fake<control_socket_tag>,
    .WskCloseSocket = socket_fake<close_socket_tag>,
};

const WSK_PROVIDER_LISTEN_DISPATCH listen_dispatch = {
    .Basic = basic_dispatch,
    .WskBind = socket_fake<bind_tag>,
    .WskAccept = socket_fake<accept_tag>,
    .WskInspectComplete = socket_fake<inspect_complete_tag>,
    .WskGetLocalAddress = socket_fake<get_local_address_tag>,
};

const WSK_PROVIDER_DATAGRAM_DISPATCH datagram_dispatch = {
    .Basic = basic_dispatch,
    .WskBind = socket_fake<bind_tag>,
    .WskSendTo = socket_fake<send_to_tag>,
    .WskReceiveFrom = socket_fake<receive_from_tag>,
    .WskRelease = socket_fake<release_datagram_tag>,
    .WskGetLocalAddress = socket_fake<get_local_address_tag>,
    .WskSendMessages = socket_fake<send_messages_tag>,
};

const WSK_PROVIDER_CONNECTION_DISPATCH connection_dispatch = {
    .Basic = basic_dispatch,
    .WskBind = socket_fake<bind_tag>,
    .WskConnect = socket_fake<connect_tag>,
    .WskGetLocalAddress = socket_fake<get_local_address_tag>,
    .WskGetRemoteAddress = socket_fake<get_remote_address_tag>,
    .WskSend = socket_fake<send_tag>,
    .WskReceive = socket_fake<receive_tag>,
    .WskDisconnect = socket_fake<disconnect_tag>,
    .WskRelease = socket_fake<release_data_tag>,
    .WskConnectEx = socket_fake<connect_ex_tag>,
    .WskSendEx = socket_fake<send_ex_tag>,
    .WskReceiveEx = socket_fake<receive_ex_tag>,
};

const WSK_PROVIDER_STREAM_DISPATCH stream_dispatch = {
    .Basic = basic_dispatch,
    .WskBind = socket_fake<bind_tag>,
    .WskAccept = socket_fake<accept_tag>,
    .WskConnect = socket_fake<connect_tag>,
    .WskListen = socket_fake<listen_tag>,
    .WskSend = socket_fake<send_tag>,
    .WskReceive = socket_fake<receive_tag>,
    .WskDisconnect = socket_fake<disconnect_tag>,
    .WskRelease = socket_fake<release_data_tag>,
    .WskGetLocalAddress = socket_fake<get_local_address_tag>,
    .WskGetRemoteAddress = socket_fake<get_remote_address_tag>,
    .WskConnectEx = socket_fake<connect_ex_tag>,
    .WskSendEx = socket_fake<send_ex_tag>,
    .WskReceiveEx = socket_fake<receive_ex_tag>,
};

const WSK_CLIENT_DISPATCH client_dispatch = {
    .Version = MAKE_WSK_VERSION(1, 0),
    .Reserved = 0,
    .WskClientEvent = context_fake<client_event_tag>,
};

const WSK_CLIENT_LISTEN_DISPATCH client_listen_dispatch = {
    .WskAcceptEvent = accept_event_fake,
    .WskInspectEvent = inspect_event_fake,
    .WskAbortEvent = context_fake<abort_event_tag>,
};

const WSK_CLIENT_DATAGRAM_DISPATCH client_datagram_dispatch = {
    .WskReceiveFromEvent = context_fake<receive_from_event_tag>,
};

const WSK_CLIENT_CONNECTION_DISPATCH client_connection_dispatch = {
    .WskReceiveEvent = receive_event_fake,
    .WskDisconnectEvent = context_fake<disconnect_event_tag>,
    .WskSendBacklogEvent = context_fake<send_backlog_event_tag>,
};

const WSK_CLIENT_STREAM_DISPATCH client_stream_dispatch = {
    .Listen = &client_listen_dispatch,
    .Connect = &client_connection_dispatch,
};

// ---- slot checks ----------------------------------------------------------

using generic_fn = void (*)();

// The pointer at index `index` of `table`, read as raw bytes, must be `expected`.
template <typename Table, typename Fn> bool slot_is(const Table &table, size_t index, Fn expected)
{
    generic_fn actual;
    size_t offset = index * sizeof(PVOID);
    if (offset + sizeof(actual) > sizeof(Table)) {
        return false;
    }
    memcpy(&actual, reinterpret_cast<const UCHAR *>(&table) + offset, sizeof(actual));
    return actual == reinterpret_cast<generic_fn>(expected);
}

void check_provider_tables(check_state &s)
{
    s.check(slot_is(provider_dispatch, 1, provider_dispatch.WskSocket));
    s.check(slot_is(provider_dispatch, 2, provider_dispatch.WskSocketConnect));
    s.check(slot_is(provider_dispatch, 3, provider_dispatch.WskControlClient));
    s.check(slot_is(provider_dispatch, 4, provider_dispatch.WskGetAddressInfo));
    s.check(slot_is(provider_dispatch, 5, provider_dispatch.WskFreeAddressInfo));
    s.check(slot_is(provider_dispatch, 6, provider_dispatch.WskGetNameInfo));

    s.check(slot_is(basic_dispatch, 0, basic_dispatch.WskControlSocket));
    s.check(slot_is(basic_dispatch, 1, basic_dispatch.WskCloseSocket));

    s.check(slot_is(listen_dispatch, 0, listen_dispatch.Basic.WskControlSocket));
    s.check(slot_is(listen_dispatch, 1, listen_dispatch.Basic.WskCloseSocket));
    s.check(slot_is(listen_dispatch, 2, listen_dispatch.WskBind));
    s.check(slot_is(listen_dispatch, 3, listen_dispatch.WskAccept));
    s.check(slot_is(listen_dispatch, 4, listen_dispatch.WskInspectComplete));
    s.check(slot_is(listen_dispatch, 5, listen_dispatch.WskGetLocalAddress));

    s.check(slot_is(datagram_dispatch, 0, datagram_dispatch.Basic.WskControlSocket));
    s.check(slot_is(datagram_dispatch, 1, datagram_dispatch.Basic.WskCloseSocket));
    s.check(slot_is(datagram_dispatch, 2, datagram_dispatch.WskBind));
    s.check(slot_is(datagram_dispatch, 3, datagram_dispatch.WskSendTo));
    s.check(slot_is(datagram_dispatch, 4, datagram_dispatch.WskReceiveFrom));
    s.check(slot_is(datagram_dispatch, 5, datagram_dispatch.WskRelease));
    s.check(slot_is(datagram_dispatch, 6, datagram_dispatch.WskGetLocalAddress));
    s.check(slot_is(datagram_dispatch, 7, datagram_dispatch.WskSendMessages));

    s.check(slot_is(connection_dispatch, 0, connection_dispatch.Basic.WskControlSocket));
    s.check(slot_is(connection_dispatch, 1, connection_dispatch.Basic.WskCloseSocket));
    s.check(slot_is(connection_dispatch, 2, connection_dispatch.WskBind));
    s.check(slot_is(connection_dispatch, 3, connection_dispatch.WskConnect));
    s.check(slot_is(connection_dispatch, 4, connection_dispatch.WskGetLocalAddress));
    s.check(slot_is(connection_dispatch, 5, connection_dispatch.WskGetRemoteAddress));
    s.check(slot_is(connection_dispatch, 6, connection_dispatch.WskSend));
    s.check(slot_is(connection_dispatch, 7, connection_dispatch.WskReceive));
    s.check(slot_is(connection_dispatch, 8, connection_dispatch.WskDisconnect));
    s.check(slot_is(connection_dispatch, 9, connection_dispatch.WskRelease));
    s.check(slot_is(connection_dispatch, 10, connection_dispatch.WskConnectEx));
    s.check(slot_is(connection_dispatch, 11, connection_dispatch.WskSendEx));
    s.check(slot_is(connection_dispatch, 12, connection_dispatch.WskReceiveEx));

    s.check(slot_is(stream_dispatch, 0, stream_dispatch.Basic.WskControlSocket));
    s.check(slot_is(stream_dispatch, 1, stream_dispatch.Basic.WskCloseSocket));
    s.check(slot_is(stream_dispatch, 2, stream_dispatch.WskBind));
    s.check(slot_is(stream_dispatch, 3, stream_dispatch.WskAccept));
    s.check(slot_is(stream_dispatch, 4, stream_dispatch.WskConnect));
    s.check(slot_is(stream_dispatch, 5, stream_dispatch.WskListen));
    s.check(slot_is(stream_dispatch, 6, stream_dispatch.WskSend));
    s.check(slot_is(stream_dispatch, 7, stream_dispatch.WskReceive));
    s.check(slot_is(stream_dispatch, 8, stream_dispatch.WskDisconnect));
    s.check(slot_is(stream_dispatch, 9, stream_dispatch.WskRelease));
    s.check(slot_is(stream_dispatch, 10, stream_dispatch.WskGetLocalAddress));
    s.check(slot_is(stream_dispatch, 11, stream_dispatch.WskGetRemoteAddress));
    s.check(slot_is(stream_dispatch, 12, stream_dispatch.WskConnectEx));
    s.check(slot_is(stream_dispatch, 13, stream_dispatch.WskSendEx));
    s.check(slot_is(stream_dispatch, 14, stream_dispatch.WskReceiveEx));

    s.check(slot_is(client_dispatch, 1, client_dispatch.WskClientEvent));
    s.check(slot_is(client_listen_dispatch, 0, client_listen_dispatch.WskAcceptEvent));
    s.check(slot_is(client_listen_dispatch, 1, client_listen_dispatch.WskInspectEvent));
    s.check(slot_is(client_listen_dispatch, 2, client_listen_dispatch.WskAbortEvent));
    s.check(slot_is(client_datagram_dispatch, 0, client_datagram_dispatch.WskReceiveFromEvent));
    s.check(slot_is(client_connection_dispatch, 0, client_connection_dispatch.WskReceiveEvent));
    s.check(slot_is(client_connection_dispatch, 1, client_connection_dispatch.WskDisconnectEvent));
    s.check(slot_is(client_connection_dispatch, 2, client_connection_dispatch.WskSendBacklogEvent));
}

// Calls through a typed pointer, as a driver does; the expected fake must run.
template <typename Call> void check_call(check_state &s, fake_socket &fake, ULONG expected, Call &&call)
{
    fake.last_tag = 0;
    NTSTATUS status = call();
    s.check(status == fake_status(expected) && fake.last_tag == expected);
}

void call_provider_tables(check_state &s)
{
    fake_socket fake{};
    PWSK_SOCKET socket = &fake.socket;
    SOCKADDR_IN6 address{};
    auto *sa = reinterpret_cast<PSOCKADDR>(&address);
    WSK_BUF buffer{};
    WSK_BUF_LIST buffer_list{};
    WSK_INSPECT_ID inspect_id{};
    WSK_DATA_INDICATION data_indication{};
    WSK_DATAGRAM_INDICATION datagram_indication{};
    ULONG control_length = 0;
    ULONG control_flags = 0;
    SIZE_T output_size = 0;
    PADDRINFOEXW result = nullptr;

    WSK_PROVIDER_NPI npi{&fake, &provider_dispatch};
    check_call(s, fake, socket_tag, [&] {
        return npi.Dispatch->WskSocket(npi.Client, AF_INET6, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET,
                                       nullptr, &client_datagram_dispatch, nullptr, nullptr, nullptr, nullptr);
    });
    check_call(s, fake, socket_connect_tag, [&] {
        return npi.Dispatch->WskSocketConnect(npi.Client, SOCK_STREAM, IPPROTO_TCP, sa, sa, 0, nullptr,
                                              &client_connection_dispatch, nullptr, nullptr, nullptr, nullptr);
    });
    check_call(s, fake, control_client_tag, [&] {
        return npi.Dispatch->WskControlClient(npi.Client, WSK_CACHE_SD, 0, nullptr, 0, nullptr, &output_size,
                                              nullptr);
    });
    check_call(s, fake, get_address_info_tag, [&] {
        return npi.Dispatch->WskGetAddressInfo(npi.Client, nullptr, nullptr, NS_ALL, nullptr, nullptr, &result,
                                               nullptr, nullptr, nullptr);
    });
    check_call(s, fake, get_name_info_tag, [&] {
        return npi.Dispatch->WskGetNameInfo(npi.Client, sa, sizeof(address), nullptr, nullptr, NI_NUMERICSERV,
                                            nullptr, nullptr, nullptr);
    });
    fake.last_tag = 0;
    npi.Dispatch->WskFreeAddressInfo(npi.Client, result);
    s.check(fake.last_tag == free_address_info_tag);

    fake.socket.Dispatch = &basic_dispatch;
    auto *basic = static_cast<const WSK_PROVIDER_BASIC_DISPATCH *>(socket->Dispatch);
    check_call(s, fake, control_socket_tag, [&] {
        return basic->WskControlSocket(socket, WskIoctl, SIO_ADDRESS_LIST_QUERY, 0, 0, nullptr, 0, nullptr,
                                       &output_size, nullptr);
    });
    check_call(s, fake, close_socket_tag, [&] { return basic->WskCloseSocket(socket, nullptr); });

    fake.socket.Dispatch = &listen_dispatch;
    auto *listen = static_cast<const WSK_PROVIDER_LISTEN_DISPATCH *>(socket->Dispatch);
    check_call(s, fake, control_socket_tag, [&] {
        return listen->Basic.WskControlSocket(socket, WskSetOption, SO_CONDITIONAL_ACCEPT, SOL_SOCKET, 0, nullptr,
                                              0, nullptr, nullptr, nullptr);
    });
    check_call(s, fake, close_socket_tag, [&] { return listen->Basic.WskCloseSocket(socket, nullptr); });
    check_call(s, fake, bind_tag, [&] { return listen->WskBind(socket, sa, 0, nullptr); });
    check_call(s, fake, accept_tag,
               [&] { return listen->WskAccept(socket, 0, nullptr, nullptr, sa, nullptr, nullptr); });
    check_call(s, fake, inspect_complete_tag,
               [&] { return listen->WskInspectComplete(socket, &inspect_id, WskInspectReject, nullptr); });
    check_call(s, fake, get_local_address_tag, [&] { return listen->WskGetLocalAddress(socket, sa, nullptr); });

    fake.socket.Dispatch = &datagram_dispatch;
    auto *datagram = static_cast<const WSK_PROVIDER_DATAGRAM_DISPATCH *>(socket->Dispatch);
    check_call(s, fake, control_socket_tag, [&] {
        return datagram->Basic.WskControlSocket(socket, WskIoctl, SIO_WSK_SET_SENDTO_ADDRESS, 0, sizeof(address),
                                                &address, 0, nullptr, nullptr, nullptr);
    });
    check_call(s, fake, close_socket_tag, [&] { return datagram->Basic.WskCloseSocket(socket, nullptr); });
    check_call(s, fake, bind_tag, [&] { return datagram->WskBind(socket, sa, 0, nullptr); });
    check_call(s, fake, send_to_tag, [&] { return datagram->WskSendTo(socket, &buffer, 0, sa, 0, nullptr, nullptr); });
    check_call(s, fake, receive_from_tag, [&] {
        return datagram->WskReceiveFrom(socket, &buffer, 0, sa, &control_length, nullptr, &control_flags, nullptr);
    });
    check_call(s, fake, release_datagram_tag, [&] { return datagram->WskRelease(socket, &datagram_indication); });
    check_call(s, fake, get_local_address_tag, [&] { return datagram->WskGetLocalAddress(socket, sa, nullptr); });
    check_call(s, fake, send_messages_tag,
               [&] { return datagram->WskSendMessages(socket, &buffer_list, 0, nullptr, 0, nullptr, nullptr); });

    fake.socket.Dispatch = &connection_dispatch;
    auto *connection = static_cast<const WSK_PROVIDER_CONNECTION_DISPATCH *>(socket->Dispatch);
    check_call(s, fake, control_socket_tag, [&] {
        return connection->Basic.WskControlSocket(socket, WskGetOption, TCP_NODELAY, IPPROTO_TCP, 0, nullptr, 0,
                                                  nullptr, nullptr, nullptr);
    });
    check_call(s, fake, close_socket_tag, [&] { return connection->Basic.WskCloseSocket(socket, nullptr); });
    check_call(s, fake, bind_tag, [&] { return connection->WskBind(socket, sa, 0, nullptr); });
    check_call(s, fake, connect_tag, [&] { return connection->WskConnect(socket, sa, 0, nullptr); });
    check_call(s, fake, get_local_address_tag, [&] { return connection->WskGetLocalAddress(socket, sa, nullptr); });
    check_call(s, fake, get_remote_address_tag, [&] { return connection->WskGetRemoteAddress(socket, sa, nullptr); });
    check_call(s, fake, send_tag, [&] { return connection->WskSend(socket, &buffer, 0, nullptr); });
    check_call(s, fake, receive_tag, [&] { return connection->WskReceive(socket, &buffer, 0, nullptr); });
    check_call(s, fake, disconnect_tag, [&] { return connection->WskDisconnect(socket, nullptr, 0, nullptr); });
    check_call(s, fake, release_data_tag, [&] { return connection->WskRelease(socket, &data_indication); });
    check_call(s, fake, connect_ex_tag, [&] { return connection->WskConnectEx(socket, sa, &buffer, 0, nullptr); });
    check_call(s, fake, send_ex_tag, [&] { return connection->WskSendEx(socket, &buffer, 0, 0, nullptr, nullptr); });
    check_call(s, fake, receive_ex_tag, [&] {
        return connection->WskReceiveEx(socket, &buffer, 0, &control_length, nullptr, nullptr, nullptr);
    });

    fake.socket.Dispatch = &stream_dispatch;
    auto *stream = static_cast<const WSK_PROVIDER_STREAM_DISPATCH *>(socket->Dispatch);
    check_call(s, fake, control_socket_tag, [&] {
        return stream->Basic.WskControlSocket(socket, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET, 0, nullptr,
                                              0, nullptr, nullptr, nullptr);
    });
    check_call(s, fake, close_socket_tag, [&] { return stream->Basic.WskCloseSocket(socket, nullptr); });
    check_call(s, fake, bind_tag, [&] { return stream->WskBind(socket, sa, 0, nullptr); });
    check_call(s, fake, accept_tag,
               [&] { return stream->WskAccept(socket, 0, nullptr, nullptr, nullptr, nullptr, nullptr); });
    check_call(s, fake, connect_tag, [&] { return stream->WskConnect(socket, sa, 0, nullptr); });
    check_call(s, fake, listen_tag, [&] { return stream->WskListen(socket, nullptr); });
    check_call(s, fake, send_tag, [&] { return stream->WskSend(socket, &buffer, 0, nullptr); });
    check_call(s, fake, receive_tag, [&] { return stream->WskReceive(socket, &buffer, 0, nullptr); });
    check_call(s, fake, disconnect_tag, [&] { return stream->WskDisconnect(socket, nullptr, 0, nullptr); });
    check_call(s, fake, release_data_tag, [&] { return stream->WskRelease(socket, &data_indication); });
    check_call(s, fake, get_local_address_tag, [&] { return stream->WskGetLocalAddress(socket, sa, nullptr); });
    check_call(s, fake, get_remote_address_tag, [&] { return stream->WskGetRemoteAddress(socket, sa, nullptr); });
    check_call(s, fake, connect_ex_tag, [&] { return stream->WskConnectEx(socket, sa, nullptr, 0, nullptr); });
    check_call(s, fake, send_ex_tag, [&] { return stream->WskSendEx(socket, &buffer, 0, 0, nullptr, nullptr); });
    check_call(s, fake, receive_ex_tag,
               [&] { return stream->WskReceiveEx(socket, &buffer, 0, nullptr, nullptr, nullptr, nullptr); });

    // The KSOCKET habit: shared members called through another table type.
    fake.socket.Dispatch = &connection_dispatch;
    check_call(s, fake, bind_tag, [&] {
        return static_cast<const WSK_PROVIDER_LISTEN_DISPATCH *>(socket->Dispatch)->WskBind(socket, sa, 0, nullptr);
    });
    check_call(s, fake, close_socket_tag, [&] {
        return static_cast<const WSK_PROVIDER_BASIC_DISPATCH *>(socket->Dispatch)->WskCloseSocket(socket, nullptr);
    });

    s.check(fake.calls == 52);
}

void call_client_tables(check_state &s)
{
    fake_socket fake{};
    SOCKADDR_IN local{};
    SOCKADDR_IN remote{};
    auto *local_sa = reinterpret_cast<PSOCKADDR>(&local);
    auto *remote_sa = reinterpret_cast<PSOCKADDR>(&remote);
    WSK_INSPECT_ID inspect_id{0x1234, 7};
    WSK_DATA_INDICATION data{};
    WSK_DATAGRAM_INDICATION datagram{};
    PVOID accept_context = nullptr;
    const WSK_CLIENT_CONNECTION_DISPATCH *accept_dispatch = &client_connection_dispatch;
    SIZE_T accepted = 0;

    WSK_CLIENT_NPI npi{&fake, &client_dispatch};
    check_call(s, fake, client_event_tag,
               [&] { return npi.Dispatch->WskClientEvent(npi.ClientContext, 0, nullptr, 0); });
    check_call(s, fake, accept_event_tag, [&] {
        return client_stream_dispatch.Listen->WskAcceptEvent(&fake, WSK_FLAG_AT_DISPATCH_LEVEL, local_sa, remote_sa,
                                                             &fake.socket, &accept_context, &accept_dispatch);
    });
    s.check(accept_context == &fake && accept_dispatch == nullptr);
    fake.last_tag = 0;
    s.check(client_listen_dispatch.WskInspectEvent(&fake, local_sa, remote_sa, &inspect_id) == WskInspectPend &&
            fake.last_tag == inspect_event_tag);
    check_call(s, fake, abort_event_tag, [&] { return client_listen_dispatch.WskAbortEvent(&fake, &inspect_id); });
    check_call(s, fake, receive_from_event_tag,
               [&] { return client_datagram_dispatch.WskReceiveFromEvent(&fake, MSG_MCAST, &datagram); });
    check_call(s, fake, receive_event_tag, [&] {
        return client_stream_dispatch.Connect->WskReceiveEvent(&fake, WSK_FLAG_RELEASE_ASAP, &data, 11, &accepted);
    });
    s.check(accepted == 11);
    check_call(s, fake, disconnect_event_tag,
               [&] { return client_connection_dispatch.WskDisconnectEvent(&fake, 0); });
    check_call(s, fake, send_backlog_event_tag,
               [&] { return client_connection_dispatch.WskSendBacklogEvent(&fake, 8192); });
    PFN_WSK_RECEIVE_EX_EVENT receive_ex = context_fake<receive_ex_event_tag>;
    check_call(s, fake, receive_ex_event_tag, [&] { return receive_ex(&fake, 0, &data, nullptr, 0, 3, &accepted); });
}

void fill_indications(check_state &s)
{
    MDL mdls[2]{};
    mdls[0].Next = &mdls[1];
    WSK_DATA_INDICATION second{nullptr, {&mdls[1], 0, 28}};
    WSK_DATA_INDICATION first{&second, {&mdls[0], 16, 100}};
    SIZE_T total = 0;
    for (const WSK_DATA_INDICATION *d = &first; d != nullptr; d = d->Next) {
        total += d->Buffer.Length;
    }
    s.check(total == 128);

    WSK_BUF_LIST list_tail{nullptr, first.Buffer};
    WSK_BUF_LIST list_head{&list_tail, second.Buffer};
    total = 0;
    for (const WSK_BUF_LIST *b = &list_head; b != nullptr; b = b->Next) {
        total += b->Buffer.Length;
    }
    s.check(total == 128);

    // An IPV6_PKTINFO control message in front of a datagram from [::1]:80.
    union {
        CMSGHDR header;
        UCHAR bytes[64];
    } control{};
    auto *cmsg = &control.header;
    cmsg->cmsg_len = WSA_CMSG_LEN(sizeof(IN6_PKTINFO));
    cmsg->cmsg_level = IPPROTO_IPV6;
    cmsg->cmsg_type = IPV6_PKTINFO;
    auto *info = reinterpret_cast<PIN6_PKTINFO>(WSA_CMSG_DATA(cmsg));
    IN6_SET_ADDR_LOOPBACK(&info->ipi6_addr);
    info->ipi6_ifindex = 3;

    SOCKADDR_IN6 from{};
    IN6ADDR_SETLOOPBACK(&from);
    from.sin6_port = 0x5000; // 80 in network order on little-endian
    WSK_DATAGRAM_INDICATION datagram{nullptr, {&mdls[0], 0, 42}, cmsg,
                                     static_cast<ULONG>(WSA_CMSG_SPACE(sizeof(IN6_PKTINFO))),
                                     reinterpret_cast<PSOCKADDR>(&from)};
    auto *source = reinterpret_cast<const SOCKADDR_IN6 *>(datagram.RemoteAddress);
    auto *received = reinterpret_cast<const IN6_PKTINFO *>(WSA_CMSG_DATA(datagram.ControlInfo));
    s.check(source->sin6_family == AF_INET6 && IN6ADDR_ISLOOPBACK(source) && received->ipi6_ifindex == 3 &&
            IN6_IS_ADDR_LOOPBACK(&received->ipi6_addr));

    WSAMSG msg{};
    msg.Control.buf = reinterpret_cast<CHAR *>(control.bytes);
    msg.Control.len = datagram.ControlInfoLength;
    ULONG count = 0;
    for (PCMSGHDR c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        count += c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO;
    }
    s.check(count == 1);
}

void touch_types_and_constants(check_state &s)
{
    static constexpr SIZE_T sizes[] = {
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
        sizeof(IP_MREQ), sizeof(IPV6_MREQ), sizeof(LINGER), sizeof(tcp_keepalive),
    };
    for (SIZE_T size : sizes) {
        s.check(size > 0);
    }

    static constexpr ULONG flags[] = {
        WSK_FLAG_AT_DISPATCH_LEVEL, WSK_FLAG_RELEASE_ASAP,  WSK_FLAG_ENTIRE_MESSAGE,    WSK_FLAG_ABORTIVE,
        WSK_FLAG_BASIC_SOCKET,      WSK_FLAG_LISTEN_SOCKET, WSK_FLAG_CONNECTION_SOCKET, WSK_FLAG_DATAGRAM_SOCKET,
        WSK_FLAG_STREAM_SOCKET,     WSK_FLAG_OOB,           WSK_FLAG_NODELAY,           WSK_FLAG_WAITALL,
        WSK_FLAG_DRAIN,             WSK_EVENT_RECEIVE_FROM, WSK_EVENT_ACCEPT,           WSK_EVENT_SEND_BACKLOG,
        WSK_EVENT_RECEIVE,          WSK_EVENT_DISCONNECT,   WSK_EVENT_DISABLE,
    };
    ULONG union_of_flags = 0;
    for (ULONG flag : flags) {
        union_of_flags |= flag;
    }
    s.check(union_of_flags == 0x800003DF);
    s.check(WSK_NO_WAIT == 0 && WSK_INFINITE_WAIT == 0xffffffff && WSK_TDI_BEHAVIOR_BYPASS_TDI == 1);

    static constexpr ULONG codes[] = {
        SO_WSK_SECURITY,          SO_WSK_EVENT_CALLBACK,         SIO_WSK_SET_REMOTE_ADDRESS,
        SIO_WSK_REGISTER_EXTENSION, SIO_WSK_QUERY_IDEAL_SEND_BACKLOG, SIO_WSK_QUERY_RECEIVE_BACKLOG,
        SIO_WSK_QUERY_INSPECT_ID, SIO_WSK_SET_SENDTO_ADDRESS,    SIO_WSK_SET_TCP_SILENT_MODE,
        SIO_WSK_SET_RECEIVE_EX_CALLBACK, WSK_TRANSPORT_LIST_QUERY, WSK_TRANSPORT_LIST_CHANGE,
        WSK_CACHE_SD,             WSK_RELEASE_SD,                WSK_TDI_DEVICENAME_MAPPING,
        WSK_SET_STATIC_EVENT_CALLBACKS, WSK_TDI_BEHAVIOR,        SIO_KEEPALIVE_VALS,
    };
    for (ULONG code : codes) {
        s.check(code != 0);
    }

    s.check(WskSetOption == 0 && WskGetOption == 1 && WskIoctl == 2 && WskControlMax == 3);
    s.check(WskInspectReject == 0 && WskInspectAccept == 1 && WskInspectPend == 2 && WskInspectMax == 3);

    static const WSK_TDI_MAP tdi_map[] = {{SOCK_DGRAM, AF_INET6, IPPROTO_UDP, L"\\Device\\Udp6"}};
    WSK_TDI_MAP_INFO tdi_map_info{1, tdi_map};
    NPIID extension_id{0x2227E803, 0x8D8B, 0x11D4, {0xAB, 0xAD, 0x00, 0x90, 0x27, 0x71, 0x9E, 0x09}};
    WSK_EVENT_CALLBACK_CONTROL event_control{&extension_id, WSK_EVENT_ACCEPT};
    WSK_EXTENSION_CONTROL_IN extension_in{&extension_id, nullptr, &client_listen_dispatch};
    WSK_EXTENSION_CONTROL_OUT extension_out{nullptr, &listen_dispatch};
    WSK_PROVIDER_CHARACTERISTICS characteristics{MAKE_WSK_VERSION(1, 1), MAKE_WSK_VERSION(1, 0)};
    WSK_TRANSPORT transport{MAKE_WSK_VERSION(1, 0), SOCK_STREAM, IPPROTO_TCP, AF_INET, extension_id};
    WSK_REGISTRATION registration{1, &registration, 0};

    s.check(tdi_map_info.ElementCount == 1 && tdi_map_info.Map[0].AddressFamily == AF_INET6);
    s.check(IsEqualGUID(&transport.ProviderId, event_control.NpiId));
    s.check(extension_in.ClientDispatch == &client_listen_dispatch &&
            extension_out.ProviderDispatch == &listen_dispatch);
    s.check(WSK_MAJOR_VERSION(characteristics.HighestVersion) == 1 &&
            WSK_MINOR_VERSION(characteristics.HighestVersion) == 1);
    s.check(registration.ReservedRegistrationContext == &registration);
}

} // namespace

// ---- entry points for tests/kernel/wsk_layout_test.cpp ---------------------

// Runs every check above; returns how many failed and stores how many ran.
extern "C" ULONG wsk_types_driver_cpp_touch_all(ULONG *checks_run)
{
    check_state state;
    check_provider_tables(state);
    call_provider_tables(state);
    call_client_tables(state);
    fill_indications(state);
    touch_types_and_constants(state);
    *checks_run = state.run;
    return state.failed;
}

// Same list, same order as wsk_types_driver_layout() in the C driver, but
// spelled the C++ way (Basic.WskCloseSocket).
extern "C" SIZE_T wsk_types_driver_cpp_layout(SIZE_T *values, SIZE_T capacity)
{
    SIZE_T n = 0;
    auto put = [&](SIZE_T v) {
        if (n < capacity) {
            values[n] = v;
        }
        ++n;
    };
    put(sizeof(WSK_PROVIDER_LISTEN_DISPATCH));
    put(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, Basic.WskControlSocket));
    put(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, Basic.WskCloseSocket));
    put(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, WskBind));
    put(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, WskAccept));
    put(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, WskInspectComplete));
    put(offsetof(WSK_PROVIDER_LISTEN_DISPATCH, WskGetLocalAddress));

    put(sizeof(WSK_PROVIDER_DATAGRAM_DISPATCH));
    put(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, Basic.WskControlSocket));
    put(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, Basic.WskCloseSocket));
    put(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskBind));
    put(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskSendTo));
    put(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskReceiveFrom));
    put(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskRelease));
    put(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskGetLocalAddress));
    put(offsetof(WSK_PROVIDER_DATAGRAM_DISPATCH, WskSendMessages));

    put(sizeof(WSK_PROVIDER_CONNECTION_DISPATCH));
    put(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, Basic.WskControlSocket));
    put(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, Basic.WskCloseSocket));
    put(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskBind));
    put(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskConnect));
    put(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskGetLocalAddress));
    put(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskGetRemoteAddress));
    put(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskSend));
    put(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskReceive));
    put(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskDisconnect));
    put(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskRelease));
    put(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskConnectEx));
    put(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskSendEx));
    put(offsetof(WSK_PROVIDER_CONNECTION_DISPATCH, WskReceiveEx));

    put(sizeof(WSK_PROVIDER_STREAM_DISPATCH));
    put(offsetof(WSK_PROVIDER_STREAM_DISPATCH, Basic.WskControlSocket));
    put(offsetof(WSK_PROVIDER_STREAM_DISPATCH, Basic.WskCloseSocket));
    put(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskBind));
    put(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskAccept));
    put(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskConnect));
    put(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskListen));
    put(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskSend));
    put(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskReceive));
    put(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskDisconnect));
    put(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskRelease));
    put(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskGetLocalAddress));
    put(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskGetRemoteAddress));
    put(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskConnectEx));
    put(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskSendEx));
    put(offsetof(WSK_PROVIDER_STREAM_DISPATCH, WskReceiveEx));

    put(sizeof(WSK_BUF));
    put(offsetof(WSK_BUF, Offset));
    put(offsetof(WSK_BUF, Length));
    put(sizeof(WSK_DATAGRAM_INDICATION));
    put(offsetof(WSK_DATAGRAM_INDICATION, Buffer));
    put(offsetof(WSK_DATAGRAM_INDICATION, ControlInfo));
    put(offsetof(WSK_DATAGRAM_INDICATION, ControlInfoLength));
    put(offsetof(WSK_DATAGRAM_INDICATION, RemoteAddress));
    put(sizeof(WSK_REGISTRATION));
    put(sizeof(SOCKADDR_IN6));
    put(sizeof(SOCKADDR_STORAGE));
    put(sizeof(CMSGHDR));
    put(offsetof(ADDRINFOEXW, ai_next));
    return n;
}
