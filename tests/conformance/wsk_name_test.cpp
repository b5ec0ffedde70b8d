// Conformance tests of WSK name resolution (src/wsk/wsk_names.cpp):
// WskGetAddressInfo, WskFreeAddressInfo, WskGetNameInfo, offline: numeric
// hosts, localhost, the hosts file, and names reserved never to resolve
// (RFC 6761 ".invalid"). Reference §2, §8; Wine's netio tests for what
// Windows was observed to do.
#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/bug_check.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "kernel/irql.hpp"
#include "net/host.hpp"
#include "support/kernel_fixture.hpp"
#include "support/wsk_test_support.hpp"
#include "wsk/wsk_address.hpp"
#include "wsk/wsk_names.hpp"

namespace {

using namespace wskemu::test;
using wskemu::net::address_family;
using wskemu::net::endpoint;

class name_test : public client_test<registered_client> {
protected:
    // WskGetAddressInfo, waited for; *result gets the list (or NULL).
    NTSTATUS get_address_info(const wchar_t* node, const wchar_t* service, PADDRINFOEXW hints, PADDRINFOEXW* result,
                              ULONG name_space = NS_ALL) {
        UNICODE_STRING node_name;
        UNICODE_STRING service_name;
        if (node != nullptr) {
            RtlInitUnicodeString(&node_name, node);
        }
        if (service != nullptr) {
            RtlInitUnicodeString(&service_name, service);
        }
        irp_call call;
        const NTSTATUS returned = provider_.Dispatch->WskGetAddressInfo(
            provider_.Client, node != nullptr ? &node_name : nullptr, service != nullptr ? &service_name : nullptr,
            name_space, nullptr, hints, result, nullptr, nullptr, call.irp);
        EXPECT_EQ(returned, STATUS_PENDING) << "resolution always runs on the resolver threads";
        const NTSTATUS status = call.result(returned);
        EXPECT_EQ(call.information, 0u) << "Information is 0, as observed on Windows";
        EXPECT_TRUE(call.pending_returned);
        EXPECT_EQ(call.irql, DISPATCH_LEVEL);
        return status;
    }

    // WskGetNameInfo, waited for.
    NTSTATUS get_name_info(const endpoint& address, ULONG flags, UNICODE_STRING* node, UNICODE_STRING* service) {
        SOCKADDR_STORAGE storage = sockaddr_of(address);
        const ULONG length = address.family == address_family::ipv4 ? sizeof(SOCKADDR_IN) : sizeof(SOCKADDR_IN6);
        irp_call call;
        return call.result(provider_.Dispatch->WskGetNameInfo(provider_.Client, reinterpret_cast<PSOCKADDR>(&storage),
                                                              length, node, service, flags, nullptr, nullptr,
                                                              call.irp));
    }

    void free_list(PADDRINFOEXW list) { provider_.Dispatch->WskFreeAddressInfo(provider_.Client, list); }

    static std::vector<endpoint> addresses(PADDRINFOEXW list) {
        std::vector<endpoint> out;
        for (PADDRINFOEXW a = list; a != nullptr; a = a->ai_next) {
            endpoint ep;
            EXPECT_EQ(wskemu::wsk::from_sockaddr(a->ai_addr, ep), STATUS_SUCCESS);
            out.push_back(ep);
        }
        return out;
    }
};

using WskGetAddressInfo = name_test;
using WskFreeAddressInfo = name_test;
using WskGetNameInfo = name_test;

// A UNICODE_STRING over a buffer of `chars` characters.
struct name_buffer {
    std::vector<WCHAR> chars;
    UNICODE_STRING string{};
    explicit name_buffer(std::size_t count) : chars(count, L'#') {
        string.Buffer = chars.data();
        string.Length = 0;
        string.MaximumLength = static_cast<USHORT>(count * sizeof(WCHAR));
    }
    std::wstring text() const { return std::wstring(string.Buffer, string.Length / sizeof(WCHAR)); }
    bool terminated() const { return chars[string.Length / sizeof(WCHAR)] == L'\0'; }
};

// The first name of the hosts file (other than localhost) with an IPv4 address.
bool hosts_file_entry(std::string& name, endpoint& address) {
    std::string path = "/etc/hosts";
#if defined(_WIN32)
    if (wskemu::net::running_under_wine()) {
        path = "Z:\\etc\\hosts";  // Wine resolves through the Unix host's files
    } else if (const char* root = std::getenv("SystemRoot"); root != nullptr) {
        path = std::string(root) + "\\System32\\drivers\\etc\\hosts";
    }
#endif
    std::ifstream hosts(path);
    std::string line;
    while (std::getline(hosts, line)) {
        line = line.substr(0, line.find('#'));
        std::istringstream words(line);
        std::string ip;
        words >> ip;
        const auto parsed = endpoint::parse(ip);
        if (!parsed || parsed->family != address_family::ipv4) {
            continue;
        }
        std::string host;
        while (words >> host) {
            if (host != "localhost" && host.find("localhost") == std::string::npos) {
                name = host;
                address = *parsed;
                return true;
            }
        }
    }
    return false;
}

// ---- WskGetAddressInfo --------------------------------------------------------------------

TEST_F(WskGetAddressInfo, NullIrpFailsWithInvalidParameterAndTouchesNothing) {
    UNICODE_STRING node;
    RtlInitUnicodeString(&node, L"127.0.0.1");
    auto result = reinterpret_cast<PADDRINFOEXW>(poison_information);
    EXPECT_EQ(provider_.Dispatch->WskGetAddressInfo(provider_.Client, &node, nullptr, NS_ALL, nullptr, nullptr,
                                                    &result, nullptr, nullptr, nullptr),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(result, reinterpret_cast<PADDRINFOEXW>(poison_information));
}

TEST_F(WskGetAddressInfo, IrpWithoutAFreeStackLocationIsRefusedAndNotCompleted) {
    UNICODE_STRING node;
    RtlInitUnicodeString(&node, L"127.0.0.1");
    PADDRINFOEXW result = nullptr;
    irp_call call;
    IoSetNextIrpStackLocation(call.irp);
    EXPECT_EQ(provider_.Dispatch->WskGetAddressInfo(provider_.Client, &node, nullptr, NS_ALL, nullptr, nullptr,
                                                    &result, nullptr, nullptr, call.irp),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(call.calls.load(), 0);
    EXPECT_EQ(call.irp->IoStatus.Status, poison_status);
    expect_verifier_reports({"irp.no_stack_location"});
}

TEST_F(WskGetAddressInfo, ANumericHostAndServiceComeAsOneSockaddrInWithWindowsValues) {
    PADDRINFOEXW result = reinterpret_cast<PADDRINFOEXW>(poison_information);
    ASSERT_EQ(get_address_info(L"127.0.0.1", L"12345", nullptr, &result), STATUS_SUCCESS);
    ASSERT_NE(result, nullptr);
    EXPECT_EQ(result->ai_next, nullptr) << "one entry per address when no socket type is asked for";
    EXPECT_EQ(result->ai_family, AF_INET);
    EXPECT_EQ(result->ai_socktype, 0);
    EXPECT_EQ(result->ai_protocol, 0);
    EXPECT_EQ(result->ai_addrlen, sizeof(SOCKADDR_IN));
    EXPECT_EQ(result->ai_canonname, nullptr);
    EXPECT_EQ(result->ai_blob, nullptr);
    EXPECT_EQ(result->ai_bloblen, 0u);
    const auto* in = reinterpret_cast<const SOCKADDR_IN*>(result->ai_addr);
    EXPECT_EQ(in->sin_family, AF_INET);
    EXPECT_EQ(RtlUshortByteSwap(in->sin_port), 12345);
    EXPECT_EQ(RtlUlongByteSwap(in->sin_addr.s_addr), static_cast<ULONG>(INADDR_LOOPBACK));
    EXPECT_EQ(wskemu::wsk::live_address_info_lists(), 1u);
    free_list(result);
    EXPECT_EQ(wskemu::wsk::live_address_info_lists(), 0u);
}

TEST_F(WskGetAddressInfo, AnIpv6LiteralComesAsSockaddrIn6WithFamily23) {
    PADDRINFOEXW result = nullptr;
    ASSERT_EQ(get_address_info(L"::1", L"53", nullptr, &result), STATUS_SUCCESS);
    ASSERT_NE(result, nullptr);
    EXPECT_EQ(result->ai_family, 23);
    EXPECT_EQ(result->ai_addrlen, sizeof(SOCKADDR_IN6));
    EXPECT_EQ(result->ai_addr->sa_family, AF_INET6);
    EXPECT_EQ(addresses(result).at(0), endpoint::loopback(address_family::ipv6, 53));
    free_list(result);
}

TEST_F(WskGetAddressInfo, HintsChooseTheFamilyTypeAndProtocol) {
    ADDRINFOEXW hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_protocol = IPPROTO_UDP;
    PADDRINFOEXW result = nullptr;
    ASSERT_EQ(get_address_info(L"127.0.0.1", L"7", &hints, &result), STATUS_SUCCESS);
    ASSERT_NE(result, nullptr);
    EXPECT_EQ(result->ai_socktype, SOCK_DGRAM);
    EXPECT_EQ(result->ai_protocol, IPPROTO_UDP);
    free_list(result);
    hints.ai_family = AF_INET6;
    hints.ai_flags = AI_NUMERICHOST;
    result = reinterpret_cast<PADDRINFOEXW>(poison_information);
    const NTSTATUS status = get_address_info(L"127.0.0.1", nullptr, &hints, &result);
    // Wine passes the Unix host's EAI_ADDRFAMILY (-9) through GetAddrInfoW,
    // an error Windows does not have (observed): unmapped, STATUS_UNSUCCESSFUL.
    if (!(wskemu::net::running_under_wine() && status == STATUS_UNSUCCESSFUL)) {
        EXPECT_EQ(status, STATUS_NOT_FOUND) << "an IPv4 literal has no IPv6 address";
    }
    EXPECT_EQ(result, nullptr);
}

TEST_F(WskGetAddressInfo, LocalhostResolvesToLoopbackAddressesInEitherNameSpace) {
    for (ULONG name_space : {ULONG{NS_ALL}, ULONG{NS_DNS}}) {
        PADDRINFOEXW result = nullptr;
        ASSERT_EQ(get_address_info(L"localhost", nullptr, nullptr, &result, name_space), STATUS_SUCCESS);
        const auto found = addresses(result);
        ASSERT_FALSE(found.empty());
        for (const endpoint& ep : found) {
            EXPECT_EQ(ep, endpoint::loopback(ep.family)) << wskemu::net::to_string(ep);
        }
        free_list(result);
    }
}

TEST_F(WskGetAddressInfo, ANameFromTheHostsFileResolvesToItsAddress) {
    std::string name;
    endpoint expected;
    if (!hosts_file_entry(name, expected)) {
        GTEST_SKIP() << "the hosts file has no IPv4 entry besides localhost";
    }
    const std::wstring wide(name.begin(), name.end());
    ADDRINFOEXW hints{};
    hints.ai_family = AF_INET;
    PADDRINFOEXW result = nullptr;
    ASSERT_EQ(get_address_info(wide.c_str(), nullptr, &hints, &result), STATUS_SUCCESS) << name;
    const auto found = addresses(result);
    EXPECT_NE(std::find(found.begin(), found.end(), expected), found.end()) << name;
    free_list(result);
}

TEST_F(WskGetAddressInfo, TheCanonicalNameComesOnTheFirstEntryWhenAsked) {
    ADDRINFOEXW hints{};
    hints.ai_flags = AI_CANONNAME;
    hints.ai_family = AF_INET;
    PADDRINFOEXW result = nullptr;
    ASSERT_EQ(get_address_info(L"localhost", nullptr, &hints, &result), STATUS_SUCCESS);
    ASSERT_NE(result, nullptr);
    ASSERT_NE(result->ai_canonname, nullptr);
    EXPECT_GT(std::wstring(result->ai_canonname).size(), 0u);
    free_list(result);
}

TEST_F(WskGetAddressInfo, PassiveWithoutANodeGivesTheWildcardAddress) {
    ADDRINFOEXW hints{};
    hints.ai_flags = AI_PASSIVE;
    hints.ai_family = AF_INET6;
    PADDRINFOEXW result = nullptr;
    ASSERT_EQ(get_address_info(nullptr, L"4242", &hints, &result), STATUS_SUCCESS);
    EXPECT_EQ(addresses(result).at(0), endpoint::any(address_family::ipv6, 4242));
    free_list(result);
}

TEST_F(WskGetAddressInfo, AServiceNameBecomesItsPort) {
    ADDRINFOEXW hints{};
    hints.ai_socktype = SOCK_STREAM;
    PADDRINFOEXW result = nullptr;
    const NTSTATUS status = get_address_info(L"127.0.0.1", L"http", &hints, &result);
    if (status == STATUS_NOT_FOUND && wskemu::net::running_under_wine()) {
        GTEST_SKIP() << "this Wine prefix has no services database";
    }
    ASSERT_EQ(status, STATUS_SUCCESS);
    EXPECT_EQ(addresses(result).at(0).port, 80);
    free_list(result);
}

TEST_F(WskGetAddressInfo, UnresolvableNamesFailWithNotFound) {
    // Decision: STATUS_NOT_FOUND, what Windows 8 and later report (Windows 7
    // reported STATUS_NO_MATCH; observed by Wine's netio tests).
    ADDRINFOEXW hints{};
    hints.ai_flags = AI_NUMERICHOST;
    PADDRINFOEXW result = reinterpret_cast<PADDRINFOEXW>(poison_information);
    EXPECT_EQ(get_address_info(L"localhost", nullptr, &hints, &result), STATUS_NOT_FOUND) << "not numeric";
    EXPECT_EQ(result, nullptr);
    result = reinterpret_cast<PADDRINFOEXW>(poison_information);
    const NTSTATUS status = get_address_info(L"wskemu-no-such-host.invalid", L"80", nullptr, &result);
    // Offline, a silent name server is a timeout; with one that answers, not found.
    EXPECT_TRUE(status == STATUS_NOT_FOUND || status == STATUS_IO_TIMEOUT) << std::hex << status;
    EXPECT_EQ(result, nullptr);
}

TEST_F(WskGetAddressInfo, BadArgumentsFailWithInvalidParameterAndCompleteTheIrp) {
    UNICODE_STRING node;
    RtlInitUnicodeString(&node, L"127.0.0.1");
    UNICODE_STRING empty{};
    GUID provider = {1, 2, 3, {4, 5, 6, 7, 8, 9, 10, 11}};
    ADDRINFOEXW with_address{};
    with_address.ai_addrlen = sizeof(SOCKADDR_IN);
    ADDRINFOEXW unknown_flag{};
    unknown_flag.ai_flags = 0x40000000;
    ADDRINFOEXW both_names{};
    both_names.ai_flags = AI_CANONNAME | AI_FQDN;
    ADDRINFOEXW unix_family{};
    unix_family.ai_family = AF_UNIX;
    ADDRINFOEXW raw{};
    raw.ai_socktype = SOCK_RAW;
    struct bad {
        PUNICODE_STRING node;
        PUNICODE_STRING service;
        ULONG name_space;
        GUID* provider;
        PADDRINFOEXW hints;
        bool null_result;
    };
    for (const bad& b : {bad{&node, nullptr, NS_ALL, nullptr, nullptr, true},
                         bad{nullptr, nullptr, NS_ALL, nullptr, nullptr, false},
                         bad{&empty, &empty, NS_ALL, nullptr, nullptr, false},
                         bad{&node, nullptr, NS_NIS, nullptr, nullptr, false},
                         bad{&node, nullptr, NS_ALL, &provider, nullptr, false},
                         bad{&node, nullptr, NS_ALL, nullptr, &with_address, false},
                         bad{&node, nullptr, NS_ALL, nullptr, &unknown_flag, false},
                         bad{&node, nullptr, NS_ALL, nullptr, &both_names, false},
                         bad{&node, nullptr, NS_ALL, nullptr, &unix_family, false},
                         bad{&node, nullptr, NS_ALL, nullptr, &raw, false}}) {
        PADDRINFOEXW result = reinterpret_cast<PADDRINFOEXW>(poison_information);
        irp_call call;
        EXPECT_EQ(provider_.Dispatch->WskGetAddressInfo(provider_.Client, b.node, b.service, b.name_space, b.provider,
                                                        b.hints, b.null_result ? nullptr : &result, nullptr, nullptr,
                                                        call.irp),
                  STATUS_INVALID_PARAMETER);
        EXPECT_EQ(call.calls.load(), 1);
        EXPECT_EQ(call.status, STATUS_INVALID_PARAMETER);
        if (!b.null_result) {
            EXPECT_EQ(result, nullptr);
        }
    }
}

TEST_F(WskGetAddressInfo, IoCancelIrpCompletesItExactlyOnce) {
    UNICODE_STRING node;
    RtlInitUnicodeString(&node, L"localhost");
    PADDRINFOEXW result = reinterpret_cast<PADDRINFOEXW>(poison_information);
    irp_call call;
    EXPECT_EQ(provider_.Dispatch->WskGetAddressInfo(provider_.Client, &node, nullptr, NS_ALL, nullptr, nullptr,
                                                    &result, nullptr, nullptr, call.irp),
              STATUS_PENDING);
    IoCancelIrp(call.irp);
    ASSERT_TRUE(call.wait());
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(call.calls.load(), 1);
    if (call.status == STATUS_CANCELLED) {
        EXPECT_EQ(result, nullptr);
    } else {
        EXPECT_EQ(call.status, STATUS_SUCCESS) << "the lookup won the race";
        free_list(result);
    }
}

TEST_F(WskGetAddressInfo, ManyLookupsAtOnceAllComplete) {
    constexpr int count = 24;
    std::vector<std::unique_ptr<irp_call>> calls;
    std::vector<PADDRINFOEXW> results(count, nullptr);
    std::vector<std::wstring> names;
    std::vector<UNICODE_STRING> strings(count);
    for (int i = 0; i < count; ++i) {
        names.push_back(L"127.0.0." + std::to_wstring(i + 1));
    }
    for (int i = 0; i < count; ++i) {
        RtlInitUnicodeString(&strings[i], names[i].c_str());
        calls.push_back(std::make_unique<irp_call>());
        EXPECT_EQ(provider_.Dispatch->WskGetAddressInfo(provider_.Client, &strings[i], nullptr, NS_ALL, nullptr,
                                                        nullptr, &results[i], nullptr, nullptr, calls.back()->irp),
                  STATUS_PENDING);
    }
    for (int i = 0; i < count; ++i) {
        ASSERT_EQ(calls[i]->result(STATUS_PENDING), STATUS_SUCCESS);
        EXPECT_EQ(addresses(results[i]).at(0).address[3], i + 1);
        free_list(results[i]);
    }
}

TEST_F(WskGetAddressInfo, AbovePassiveLevelIsABugCheck) {
    UNICODE_STRING node;
    RtlInitUnicodeString(&node, L"127.0.0.1");
    PADDRINFOEXW result = nullptr;
    irp_call call;
    EXPECT_THROW(wskemu::catch_bug_check([&] {
                     wskemu::kernel::irql_scope raised(APC_LEVEL, "test");
                     provider_.Dispatch->WskGetAddressInfo(provider_.Client, &node, nullptr, NS_ALL, nullptr, nullptr,
                                                           &result, nullptr, nullptr, call.irp);
                 }),
                 wskemu::bug_check_error);
    EXPECT_EQ(call.calls.load(), 0);
}

// ---- WskFreeAddressInfo ---------------------------------------------------------------------

TEST_F(WskFreeAddressInfo, NullIsIgnored) {
    free_list(nullptr);
    SUCCEED();
}

TEST_F(WskFreeAddressInfo, AListNotFromWskGetAddressInfoOrFreedTwiceIsAVerifierBugCheck) {
    ADDRINFOEXW mine{};
    try {
        wskemu::catch_bug_check([&] { free_list(&mine); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), static_cast<std::uint32_t>(DRIVER_VERIFIER_DETECTED_VIOLATION));
        EXPECT_EQ(e.parameters()[0], wskemu::wsk::address_info_not_ours);
    }
    PADDRINFOEXW result = nullptr;
    ASSERT_EQ(get_address_info(L"127.0.0.1", nullptr, nullptr, &result), STATUS_SUCCESS);
    free_list(result);
    EXPECT_THROW(wskemu::catch_bug_check([&] { free_list(result); }), wskemu::bug_check_error);
}

// ---- WskGetNameInfo --------------------------------------------------------------------------

TEST_F(WskGetNameInfo, NullIrpFailsWithInvalidParameterAndTouchesNothing) {
    SOCKADDR_STORAGE address = sockaddr_of(endpoint::loopback(address_family::ipv4, 80));
    name_buffer node(64);
    EXPECT_EQ(provider_.Dispatch->WskGetNameInfo(provider_.Client, reinterpret_cast<PSOCKADDR>(&address),
                                                 sizeof(SOCKADDR_IN), &node.string, nullptr, NI_NUMERICHOST, nullptr,
                                                 nullptr, nullptr),
              STATUS_INVALID_PARAMETER);
    EXPECT_EQ(node.chars[0], L'#');
    EXPECT_EQ(node.string.Length, 0u);
}

TEST_F(WskGetNameInfo, NumericFlagsGiveTheAddressAndPortAsTerminatedText) {
    name_buffer node(NI_MAXHOST);
    name_buffer service(NI_MAXSERV);
    ASSERT_EQ(get_name_info(endpoint::loopback(address_family::ipv4, 8080), NI_NUMERICHOST | NI_NUMERICSERV,
                            &node.string, &service.string),
              STATUS_SUCCESS);
    EXPECT_EQ(node.text(), L"127.0.0.1");
    EXPECT_EQ(node.string.Length, 9 * sizeof(WCHAR));
    EXPECT_TRUE(node.terminated());
    EXPECT_EQ(service.text(), L"8080");
    EXPECT_TRUE(service.terminated());
    ASSERT_EQ(get_name_info(endpoint::loopback(address_family::ipv6, 53), NI_NUMERICHOST | NI_NUMERICSERV,
                            &node.string, &service.string),
              STATUS_SUCCESS);
    EXPECT_EQ(node.text(), L"::1");
    EXPECT_EQ(service.text(), L"53");
}

TEST_F(WskGetNameInfo, TheLoopbackAddressHasAHostsFileNameThatResolvesBack) {
    name_buffer node(NI_MAXHOST);
    ASSERT_EQ(get_name_info(endpoint::loopback(address_family::ipv4, 0), NI_NAMEREQD, &node.string, nullptr),
              STATUS_SUCCESS);
    const std::wstring name = node.text();
    ASSERT_FALSE(name.empty());
    ADDRINFOEXW hints{};
    hints.ai_family = AF_INET;
    PADDRINFOEXW result = nullptr;
    ASSERT_EQ(get_address_info(name.c_str(), nullptr, &hints, &result), STATUS_SUCCESS);
    EXPECT_EQ(addresses(result).at(0).address, endpoint::loopback(address_family::ipv4).address);
    free_list(result);
}

TEST_F(WskGetNameInfo, OnlyTheServiceWhenNoNodeBufferIsGiven) {
    name_buffer service(NI_MAXSERV);
    ASSERT_EQ(get_name_info(endpoint::loopback(address_family::ipv4, 53), NI_DGRAM, nullptr, &service.string),
              STATUS_SUCCESS);
    // "domain" from the services database; a host without one answers the number.
    EXPECT_TRUE(service.text() == L"domain" || service.text() == L"53");
    EXPECT_TRUE(service.terminated());
}

TEST_F(WskGetNameInfo, ABufferTooSmallFailsWithBufferTooSmallAndWritesNothing) {
    name_buffer node(9);  // "127.0.0.1" without room for the terminator
    name_buffer service(NI_MAXSERV);
    EXPECT_EQ(get_name_info(endpoint::loopback(address_family::ipv4, 80), NI_NUMERICHOST | NI_NUMERICSERV,
                            &node.string, &service.string),
              STATUS_BUFFER_TOO_SMALL);
    EXPECT_EQ(node.chars[0], L'#');
    EXPECT_EQ(service.chars[0], L'#');
    EXPECT_EQ(node.string.Length, 0u);
}

TEST_F(WskGetNameInfo, BadArgumentsFailWithInvalidParameterAndCompleteTheIrp) {
    SOCKADDR_STORAGE in = sockaddr_of(endpoint::loopback(address_family::ipv4, 80));
    SOCKADDR_STORAGE in6 = sockaddr_of(endpoint::loopback(address_family::ipv6, 80));
    SOCKADDR_STORAGE other{};
    other.ss_family = AF_UNIX;
    name_buffer node(64);
    UNICODE_STRING no_buffer{0, 64, nullptr};
    struct bad {
        SOCKADDR_STORAGE* address;
        ULONG length;
        PUNICODE_STRING node;
        PUNICODE_STRING service;
        ULONG flags;
    };
    for (const bad& b : {bad{nullptr, sizeof(SOCKADDR_IN), &node.string, nullptr, 0},
                         bad{&in, sizeof(SOCKADDR_IN), nullptr, nullptr, 0},
                         bad{&in, sizeof(SOCKADDR_STORAGE) + 1, &node.string, nullptr, 0},
                         bad{&in, sizeof(SOCKADDR_IN) - 1, &node.string, nullptr, 0},
                         bad{&in6, sizeof(SOCKADDR_IN), &node.string, nullptr, 0},
                         bad{&other, sizeof(SOCKADDR_STORAGE), &node.string, nullptr, 0},
                         bad{&in, sizeof(SOCKADDR_IN), &no_buffer, nullptr, 0},
                         bad{&in, sizeof(SOCKADDR_IN), &node.string, nullptr, 0x100}}) {
        irp_call call;
        EXPECT_EQ(provider_.Dispatch->WskGetNameInfo(provider_.Client, reinterpret_cast<PSOCKADDR>(b.address),
                                                     b.length, b.node, b.service, b.flags, nullptr, nullptr,
                                                     call.irp),
                  STATUS_INVALID_PARAMETER);
        EXPECT_EQ(call.calls.load(), 1);
    }
    EXPECT_EQ(node.chars[0], L'#');
}

TEST_F(WskGetNameInfo, NameRequiredForAnAddressWithoutANameFails) {
    // 192.0.2.1 (TEST-NET-1) is in no hosts file and no name server knows it.
    name_buffer node(NI_MAXHOST);
    const NTSTATUS status =
        get_name_info(*endpoint::parse("192.0.2.1"), NI_NAMEREQD, &node.string, nullptr);
    // Offline, a silent name server is a timeout; with one that answers, not found.
    EXPECT_TRUE(status == STATUS_NOT_FOUND || status == STATUS_IO_TIMEOUT) << std::hex << status;
    EXPECT_EQ(node.chars[0], L'#');
}

}  // namespace
