// Conformance tests of the client-level provider functions
// (src/wsk/wsk_provider.cpp): WskControlClient (reference §5, client control
// codes) and the socket and name-resolution stubs, which must honour the IRP
// rules (reference §6) while they are not implemented.
#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/bug_check.hpp>

#include <array>
#include <cstring>
#include <set>
#include <tuple>

#include "support/kernel_fixture.hpp"
#include "wsk/wsk_provider.hpp"
#include "wsk/wsk_registration.hpp"

namespace {

const WSK_CLIENT_DISPATCH client_dispatch = {MAKE_WSK_VERSION(1, 0), 0, nullptr};
constexpr NTSTATUS poison_status = static_cast<NTSTATUS>(0xDEADBEEF);
constexpr ULONG_PTR poison_information = 0xDEADBEEF;
constexpr SIZE_T poison_size = 0xDEADBEEF;

// Counts completion-routine calls and what the IRP held at that moment.
struct completion_record {
    int calls = 0;
    NTSTATUS status = 0;
    ULONG_PTR information = 0;
};

NTSTATUS NTAPI record_completion(PDEVICE_OBJECT device, PIRP irp, PVOID context) {
    (void)device;
    auto* record = static_cast<completion_record*>(context);
    ++record->calls;
    record->status = irp->IoStatus.Status;
    record->information = irp->IoStatus.Information;
    return STATUS_MORE_PROCESSING_REQUIRED;  // the test frees the IRP
}

// An IRP as drivers allocate it for WSK: one location, a completion routine
// on every outcome, IoStatus poisoned.
PIRP make_irp(completion_record* record) {
    PIRP irp = IoAllocateIrp(1, FALSE);
    IoSetCompletionRoutine(irp, record_completion, record, TRUE, TRUE, TRUE);
    irp->IoStatus.Status = poison_status;
    irp->IoStatus.Information = poison_information;
    return irp;
}

// A registered client with a captured provider NPI, released and
// deregistered at TearDown (after which the leak check runs).
class provider_test : public wskemu::test::kernel_test {
protected:
    void SetUp() override {
        kernel_test::SetUp();
        WSK_CLIENT_NPI npi{nullptr, &client_dispatch};
        ASSERT_EQ(WskRegister(&npi, &block_), STATUS_SUCCESS);
        ASSERT_EQ(WskCaptureProviderNPI(&block_, WSK_NO_WAIT, &provider_), STATUS_SUCCESS);
        client_ = provider_.Client;
        dispatch_ = provider_.Dispatch;
    }

    void TearDown() override {
        if (dispatch_ != nullptr) {
            WskReleaseProviderNPI(&block_);
        }
        if (wskemu::wsk::find_registration(&block_) != nullptr) {
            WskDeregister(&block_);
        }
        kernel_test::TearDown();
    }

    NTSTATUS control(ULONG code, SIZE_T input_size, PVOID input, SIZE_T output_size, PVOID output,
                     SIZE_T* returned, PIRP irp = nullptr) {
        return dispatch_->WskControlClient(client_, code, input_size, input, output_size, output, returned, irp);
    }

    wskemu::wsk::registration_state& registration() { return *wskemu::wsk::find_registration(&block_); }

    WSK_REGISTRATION block_{};
    WSK_PROVIDER_NPI provider_{};
    PWSK_CLIENT client_ = nullptr;
    const WSK_PROVIDER_DISPATCH* dispatch_ = nullptr;
};

using WskControlClientTest = provider_test;
using WskSocketTest = provider_test;

constexpr SIZE_T transport_list_size = 4 * sizeof(WSK_TRANSPORT);

// ---- WSK_TRANSPORT_LIST_QUERY -------------------------------------------------

TEST_F(WskControlClientTest, TransportListQueryTwoCallPattern) {
    SIZE_T required = poison_size;
    ASSERT_EQ(control(WSK_TRANSPORT_LIST_QUERY, 0, nullptr, 0, nullptr, &required), STATUS_BUFFER_OVERFLOW);
    ASSERT_EQ(required, transport_list_size);

    std::array<WSK_TRANSPORT, 4> list;
    std::memset(list.data(), 0xCC, sizeof(list));
    SIZE_T returned = poison_size;
    ASSERT_EQ(control(WSK_TRANSPORT_LIST_QUERY, 0, nullptr, required, list.data(), &returned), STATUS_SUCCESS);
    EXPECT_EQ(returned, transport_list_size);

    // {57534B45-4D55-4000-8000-544350495000}, documented in docs/semantics.md.
    const GUID documented_provider_id = {0x57534B45, 0x4D55, 0x4000, {0x80, 0x00, 0x54, 0x43, 0x50, 0x49, 0x50, 0x00}};
    std::set<std::tuple<USHORT, ULONG, ADDRESS_FAMILY>> seen;
    for (const WSK_TRANSPORT& transport : list) {
        EXPECT_EQ(transport.Version, MAKE_WSK_VERSION(1, 0));
        EXPECT_EQ(std::memcmp(&transport.ProviderId, &documented_provider_id, sizeof(GUID)), 0);
        seen.emplace(transport.SocketType, transport.Protocol, transport.AddressFamily);
    }
    const std::set<std::tuple<USHORT, ULONG, ADDRESS_FAMILY>> expected = {
        {SOCK_STREAM, IPPROTO_TCP, AF_INET},
        {SOCK_DGRAM, IPPROTO_UDP, AF_INET},
        {SOCK_STREAM, IPPROTO_TCP, AF_INET6},
        {SOCK_DGRAM, IPPROTO_UDP, AF_INET6},
    };
    EXPECT_EQ(seen, expected);
}

TEST_F(WskControlClientTest, TransportListQueryBufferTooSmallReturnsOnlyTheSize) {
    std::array<WSK_TRANSPORT, 4> list;
    std::memset(list.data(), 0xCC, sizeof(list));
    const auto untouched = list;
    SIZE_T returned = poison_size;
    EXPECT_EQ(control(WSK_TRANSPORT_LIST_QUERY, 0, nullptr, transport_list_size - 1, list.data(), &returned),
              STATUS_BUFFER_OVERFLOW);
    EXPECT_EQ(returned, transport_list_size);
    EXPECT_EQ(std::memcmp(list.data(), untouched.data(), sizeof(list)), 0) << "no partial list is written";
}

TEST_F(WskControlClientTest, TransportListQueryWritesNothingPastTheList) {
    std::array<unsigned char, transport_list_size + 16> buffer;
    buffer.fill(0xCC);
    SIZE_T returned = poison_size;
    ASSERT_EQ(control(WSK_TRANSPORT_LIST_QUERY, 0, nullptr, buffer.size(), buffer.data(), &returned),
              STATUS_SUCCESS);
    EXPECT_EQ(returned, transport_list_size);
    for (std::size_t i = transport_list_size; i < buffer.size(); ++i) {
        EXPECT_EQ(buffer[i], 0xCC) << "byte " << i;
    }
}

TEST_F(WskControlClientTest, TransportListQueryInvalidArguments) {
    std::array<WSK_TRANSPORT, 4> list;
    SIZE_T returned = poison_size;
    EXPECT_EQ(control(WSK_TRANSPORT_LIST_QUERY, 0, nullptr, sizeof(list), list.data(), nullptr),
              STATUS_INVALID_PARAMETER)
        << "OutputSizeReturned is required";
    EXPECT_EQ(control(WSK_TRANSPORT_LIST_QUERY, 0, nullptr, sizeof(list), nullptr, &returned),
              STATUS_INVALID_PARAMETER)
        << "a size without a buffer";
    EXPECT_EQ(returned, poison_size);
}

TEST_F(WskControlClientTest, TransportListQueryWithAnIrpIsRejectedAndTheIrpCompletedOnce) {
    completion_record record;
    PIRP irp = make_irp(&record);
    std::array<WSK_TRANSPORT, 4> list;
    SIZE_T returned = poison_size;
    EXPECT_EQ(control(WSK_TRANSPORT_LIST_QUERY, 0, nullptr, sizeof(list), list.data(), &returned, irp),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(record.calls, 1);
    EXPECT_EQ(record.status, STATUS_INVALID_PARAMETER);
    EXPECT_EQ(record.information, 0u);
    EXPECT_EQ(returned, poison_size);
    IoFreeIrp(irp);
}

TEST_F(WskControlClientTest, UnknownControlCodesFailWithInvalidParameter) {
    for (ULONG code : {0u, 1u, 9u, 0x7FFFFFFFu, 0xFFFFFFFFu}) {
        SIZE_T returned = poison_size;
        EXPECT_EQ(control(code, 0, nullptr, 0, nullptr, &returned), STATUS_INVALID_PARAMETER) << "code " << code;
        EXPECT_EQ(returned, poison_size);
    }
}

TEST_F(WskControlClientTest, TransportListChangeIsNotImplementedAndCompletesItsIrp) {
    EXPECT_EQ(control(WSK_TRANSPORT_LIST_CHANGE, 0, nullptr, 0, nullptr, nullptr), STATUS_NOT_IMPLEMENTED);
    completion_record record;
    PIRP irp = make_irp(&record);
    EXPECT_EQ(control(WSK_TRANSPORT_LIST_CHANGE, 0, nullptr, 0, nullptr, nullptr, irp), STATUS_NOT_IMPLEMENTED);
    EXPECT_EQ(record.calls, 1);
    EXPECT_EQ(record.status, STATUS_NOT_IMPLEMENTED);
    IoFreeIrp(irp);
}

// ---- WSK_SET_STATIC_EVENT_CALLBACKS -----------------------------------------

TEST_F(WskControlClientTest, StaticEventCallbacksAreStoredBeforeAnySocket) {
    WSK_EVENT_CALLBACK_CONTROL callbacks{const_cast<PNPIID>(&NPI_WSK_INTERFACE_ID),
                                         WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT};
    SIZE_T returned = poison_size;
    ASSERT_EQ(control(WSK_SET_STATIC_EVENT_CALLBACKS, sizeof(callbacks), &callbacks, 0, nullptr, &returned),
              STATUS_SUCCESS);
    EXPECT_EQ(returned, 0u);
    EXPECT_TRUE(registration().has_static_event_callbacks());
    EXPECT_EQ(registration().static_event_mask(), static_cast<ULONG>(WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT));
}

TEST_F(WskControlClientTest, StaticEventCallbacksFailOnceASocketExists) {
    EXPECT_FALSE(registration().has_static_event_callbacks());
    WSK_EVENT_CALLBACK_CONTROL callbacks{const_cast<PNPIID>(&NPI_WSK_INTERFACE_ID), WSK_EVENT_ACCEPT};
    registration().socket_opened();
    EXPECT_EQ(control(WSK_SET_STATIC_EVENT_CALLBACKS, sizeof(callbacks), &callbacks, 0, nullptr, nullptr),
              STATUS_INVALID_DEVICE_STATE);
    registration().socket_closed();
    // "Before it creates any sockets": a socket that came and went counts.
    EXPECT_EQ(control(WSK_SET_STATIC_EVENT_CALLBACKS, sizeof(callbacks), &callbacks, 0, nullptr, nullptr),
              STATUS_INVALID_DEVICE_STATE);
    EXPECT_FALSE(registration().has_static_event_callbacks());
}

TEST_F(WskControlClientTest, StaticEventCallbacksValidateTheirInput) {
    const NPIID other_npi = {0x12345678, 0x1234, 0x1234, {1, 2, 3, 4, 5, 6, 7, 8}};
    WSK_EVENT_CALLBACK_CONTROL wrong_npi{const_cast<PNPIID>(&other_npi), WSK_EVENT_RECEIVE};
    WSK_EVENT_CALLBACK_CONTROL no_npi{nullptr, WSK_EVENT_RECEIVE};
    WSK_EVENT_CALLBACK_CONTROL disable{const_cast<PNPIID>(&NPI_WSK_INTERFACE_ID),
                                       WSK_EVENT_DISABLE | WSK_EVENT_RECEIVE};
    WSK_EVENT_CALLBACK_CONTROL unknown_bit{const_cast<PNPIID>(&NPI_WSK_INTERFACE_ID), 0x1};
    WSK_EVENT_CALLBACK_CONTROL good{const_cast<PNPIID>(&NPI_WSK_INTERFACE_ID), WSK_EVENT_RECEIVE};
    for (auto* input : {&wrong_npi, &no_npi, &disable, &unknown_bit}) {
        EXPECT_EQ(control(WSK_SET_STATIC_EVENT_CALLBACKS, sizeof(*input), input, 0, nullptr, nullptr),
                  STATUS_INVALID_PARAMETER)
            << "mask " << input->EventMask;
    }
    EXPECT_EQ(control(WSK_SET_STATIC_EVENT_CALLBACKS, sizeof(good) - 1, &good, 0, nullptr, nullptr),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(control(WSK_SET_STATIC_EVENT_CALLBACKS, sizeof(good), nullptr, 0, nullptr, nullptr),
              STATUS_INVALID_PARAMETER);
    EXPECT_FALSE(registration().has_static_event_callbacks());
}

// ---- WSK_CACHE_SD, WSK_RELEASE_SD, WSK_TDI_BEHAVIOR ---------------------------

TEST_F(WskControlClientTest, CacheSdReturnsTheDescriptorAndReleaseSdAcceptsIt) {
    unsigned char descriptor_bytes[20] = {1};
    PSECURITY_DESCRIPTOR descriptor = descriptor_bytes;
    PSECURITY_DESCRIPTOR cached = reinterpret_cast<PSECURITY_DESCRIPTOR>(poison_information);
    SIZE_T returned = poison_size;
    ASSERT_EQ(control(WSK_CACHE_SD, sizeof(descriptor), &descriptor, sizeof(cached), &cached, &returned),
              STATUS_SUCCESS);
    EXPECT_EQ(cached, descriptor);
    EXPECT_EQ(returned, sizeof(PSECURITY_DESCRIPTOR));
    EXPECT_EQ(control(WSK_RELEASE_SD, sizeof(cached), &cached, 0, nullptr, nullptr), STATUS_SUCCESS);

    PSECURITY_DESCRIPTOR null_descriptor = nullptr;
    EXPECT_EQ(control(WSK_CACHE_SD, sizeof(null_descriptor), &null_descriptor, sizeof(cached), &cached, nullptr),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(control(WSK_CACHE_SD, sizeof(descriptor), &descriptor, 0, nullptr, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(control(WSK_RELEASE_SD, 0, nullptr, 0, nullptr, nullptr), STATUS_INVALID_PARAMETER);
}

TEST_F(WskControlClientTest, TdiBehaviorAcceptsBypassTdiOnly) {
    ULONG flags = WSK_TDI_BEHAVIOR_BYPASS_TDI;
    EXPECT_EQ(control(WSK_TDI_BEHAVIOR, sizeof(flags), &flags, 0, nullptr, nullptr), STATUS_SUCCESS);
    flags = 0;
    EXPECT_EQ(control(WSK_TDI_BEHAVIOR, sizeof(flags), &flags, 0, nullptr, nullptr), STATUS_SUCCESS);
    flags = 0x2;
    EXPECT_EQ(control(WSK_TDI_BEHAVIOR, sizeof(flags), &flags, 0, nullptr, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(control(WSK_TDI_BEHAVIOR, 0, nullptr, 0, nullptr, nullptr), STATUS_INVALID_PARAMETER);
}

TEST_F(WskControlClientTest, UnknownClientIsAVerifierBugCheck) {
    int not_a_client = 0;
    SIZE_T returned = 0;
    try {
        wskemu::catch_bug_check([&] {
            dispatch_->WskControlClient(&not_a_client, WSK_TRANSPORT_LIST_QUERY, 0, nullptr, 0, nullptr, &returned,
                                        nullptr);
        });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& error) {
        EXPECT_EQ(error.code(), static_cast<std::uint32_t>(DRIVER_VERIFIER_DETECTED_VIOLATION));
        EXPECT_EQ(error.parameters()[0], wskemu::wsk::unknown_client);
        EXPECT_EQ(error.parameters()[1], reinterpret_cast<std::uintptr_t>(&not_a_client));
    }
}

TEST_F(WskControlClientTest, ClientOfADeregisteredRegistrationIsAVerifierBugCheck) {
    WskReleaseProviderNPI(&block_);
    WskDeregister(&block_);
    dispatch_ = nullptr;  // nothing left for TearDown
    SIZE_T returned = 0;
    EXPECT_THROW(wskemu::catch_bug_check([&] {
                     provider_.Dispatch->WskControlClient(client_, WSK_TRANSPORT_LIST_QUERY, 0, nullptr, 0, nullptr,
                                                          &returned, nullptr);
                 }),
                 wskemu::bug_check_error);
}

// ---- the stubs ---------------------------------------------------------------

// Calls one stub with the given IRP.
using stub_call = NTSTATUS (*)(const WSK_PROVIDER_DISPATCH*, PWSK_CLIENT, PIRP);

NTSTATUS call_wsk_socket(const WSK_PROVIDER_DISPATCH* dispatch, PWSK_CLIENT client, PIRP irp) {
    // A basic socket: the other categories are implemented (wsk_connection_test.cpp, ...).
    return dispatch->WskSocket(client, AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_BASIC_SOCKET, nullptr,
                               nullptr, nullptr, nullptr, nullptr, irp);
}

struct stub_case {
    const char* name;
    stub_call call;
};

class provider_stub_test : public provider_test, public ::testing::WithParamInterface<stub_case> {};

TEST_P(provider_stub_test, CompletesTheIrpOnceWithNotImplemented) {
    completion_record record;
    PIRP irp = make_irp(&record);
    EXPECT_EQ(GetParam().call(dispatch_, client_, irp), STATUS_NOT_IMPLEMENTED);
    EXPECT_EQ(record.calls, 1);
    EXPECT_EQ(record.status, STATUS_NOT_IMPLEMENTED);
    EXPECT_EQ(record.information, 0u);
    IoFreeIrp(irp);
    // Twice: the log-once path must not change the result.
    completion_record again;
    irp = make_irp(&again);
    EXPECT_EQ(GetParam().call(dispatch_, client_, irp), STATUS_NOT_IMPLEMENTED);
    EXPECT_EQ(again.calls, 1);
    IoFreeIrp(irp);
}

TEST_P(provider_stub_test, WithoutAnIrpFailsWithInvalidParameter) {
    EXPECT_EQ(GetParam().call(dispatch_, client_, nullptr), STATUS_INVALID_PARAMETER);
}

TEST_P(provider_stub_test, IrpWithoutAFreeStackLocationIsRefusedAndNotCompleted) {
    completion_record record;
    PIRP irp = make_irp(&record);
    IoSetNextIrpStackLocation(irp);  // the only location is now in use
    EXPECT_EQ(GetParam().call(dispatch_, client_, irp), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(record.calls, 0);
    EXPECT_EQ(irp->IoStatus.Status, poison_status);
    const auto reports = wskemu::verifier::take_reports();
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].rule, "irp.no_stack_location");
    EXPECT_EQ(reports[0].function, GetParam().name);
    EXPECT_EQ(reports[0].object, irp);
    IoFreeIrp(irp);
}

INSTANTIATE_TEST_SUITE_P(WskProviderDispatch, provider_stub_test,
                         ::testing::Values(stub_case{"WskSocket", call_wsk_socket}),
                         [](const ::testing::TestParamInfo<stub_case>& info) { return info.param.name; });

TEST_F(WskSocketTest, ProviderDispatchTableIsVersionOneZeroInWdkOrder) {
    const WSK_PROVIDER_DISPATCH& table = wskemu::wsk::provider_dispatch();
    EXPECT_EQ(dispatch_, &table);
    EXPECT_EQ(table.Version, MAKE_WSK_VERSION(1, 0));
    EXPECT_EQ(table.Reserved, 0);
    // Each member reaches the function of its name: the control client
    // answers a transport query, the others ask for an IRP.
    SIZE_T returned = 0;
    EXPECT_EQ(table.WskControlClient(client_, WSK_TRANSPORT_LIST_QUERY, 0, nullptr, 0, nullptr, &returned, nullptr),
              STATUS_BUFFER_OVERFLOW);
    EXPECT_EQ(call_wsk_socket(&table, client_, nullptr), STATUS_INVALID_PARAMETER);
}

}  // namespace
