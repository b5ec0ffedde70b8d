// Conformance tests of WSK registration (src/wsk/wsk_registration.cpp):
// WskRegister, WskCaptureProviderNPI, WskReleaseProviderNPI,
// WskQueryProviderCharacteristics, WskDeregister (reference §1), and the C
// test driver tests/drivers/wsk_registration_driver.c.
#include <gtest/gtest.h>

#include <wsk.h>

#include <wskemu/bug_check.hpp>

#include <spdlog/sinks/ostream_sink.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <sstream>
#include <thread>
#include <vector>

#include "drivers/wsk_registration_driver.h"
#include "kernel/log.hpp"
#include "support/kernel_fixture.hpp"
#include "wsk/wsk_provider.hpp"
#include "wsk/wsk_registration.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// How long a test waits for something that must happen; only reached when
// the code under test is broken.
constexpr auto must_happen = 5s;
// How long a test watches something that must not happen (a blocked call
// staying blocked).
constexpr auto must_not_happen = 150ms;

const WSK_CLIENT_DISPATCH client_dispatch_1_0 = {MAKE_WSK_VERSION(1, 0), 0, nullptr};

// Waits (polling, with a deadline) until @p condition holds.
template <typename Condition>
bool eventually(Condition condition) {
    const auto deadline = clock_type::now() + must_happen;
    while (!condition()) {
        if (clock_type::now() > deadline) {
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

// Runs a call on its own thread; the destructor joins it.
template <typename Result>
class background {
public:
    template <typename Body>
    explicit background(Body body) {
        std::packaged_task<Result()> task(std::move(body));
        future_ = task.get_future();
        thread_ = std::thread(std::move(task));
    }
    background(const background&) = delete;
    background& operator=(const background&) = delete;
    ~background() {
        // A call that never returns (the code under test is broken, or an
        // assertion skipped the step that would release it) must not hang
        // the run; the thread uses the test's stack, so it cannot be left.
        if (future_.valid() && future_.wait_for(10s) != std::future_status::ready) {
            std::fprintf(stderr, "a background WSK call never returned; aborting\n");
            std::abort();
        }
        thread_.join();
    }

    bool finishes_within(std::chrono::milliseconds limit) { return future_.wait_for(limit) == std::future_status::ready; }
    Result get() { return future_.get(); }

private:
    std::future<Result> future_;
    std::thread thread_;
};

class registration_test : public wskemu::test::kernel_test {
protected:
    void SetUp() override {
        kernel_test::SetUp();
        std::memset(&provider_, 0xCC, sizeof(provider_));
        std::memset(&block_, 0, sizeof(block_));
    }

    void TearDown() override {
        // A failed test must not leave the next one without a provider.
        wskemu::wsk::set_provider_available(true);
        kernel_test::TearDown();
    }

    NTSTATUS register_block(PWSK_REGISTRATION block, const WSK_CLIENT_DISPATCH* dispatch = &client_dispatch_1_0) {
        WSK_CLIENT_NPI npi{&client_context_, dispatch};
        return WskRegister(&npi, block);
    }

    static bool is_zero(const WSK_REGISTRATION& block) {
        const WSK_REGISTRATION zero{};
        return std::memcmp(&block, &zero, sizeof(block)) == 0;
    }

    int client_context_ = 0;
    WSK_REGISTRATION block_;
    WSK_PROVIDER_NPI provider_;
};

using WskRegisterTest = registration_test;
using WskCaptureProviderNPITest = registration_test;
using WskReleaseProviderNPITest = registration_test;
using WskQueryProviderCharacteristicsTest = registration_test;
using WskDeregisterTest = registration_test;
using WskRegistrationDriverTest = registration_test;

// ---- WskRegister -----------------------------------------------------------

TEST_F(WskRegisterTest, RegisterCaptureQueryReleaseDeregister) {
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    ASSERT_EQ(WskCaptureProviderNPI(&block_, WSK_INFINITE_WAIT, &provider_), STATUS_SUCCESS);
    EXPECT_EQ(provider_.Dispatch, &wskemu::wsk::provider_dispatch());
    ASSERT_NE(provider_.Dispatch, nullptr);
    EXPECT_EQ(provider_.Dispatch->Version, MAKE_WSK_VERSION(1, 0));
    EXPECT_EQ(provider_.Dispatch->Reserved, 0);
    EXPECT_NE(provider_.Dispatch->WskSocket, nullptr);
    EXPECT_NE(provider_.Dispatch->WskSocketConnect, nullptr);
    EXPECT_NE(provider_.Dispatch->WskControlClient, nullptr);
    EXPECT_NE(provider_.Dispatch->WskGetAddressInfo, nullptr);
    EXPECT_NE(provider_.Dispatch->WskFreeAddressInfo, nullptr);
    EXPECT_NE(provider_.Dispatch->WskGetNameInfo, nullptr);

    // The client handle maps back to this registration and its client NPI.
    wskemu::wsk::registration_state* state = wskemu::wsk::find_registration(&block_);
    ASSERT_NE(state, nullptr);
    EXPECT_EQ(provider_.Client, state->client());
    EXPECT_EQ(state->client_context(), &client_context_);
    EXPECT_EQ(state->client_dispatch(), &client_dispatch_1_0);
    EXPECT_EQ(state->captures(), 1u);

    WSK_PROVIDER_CHARACTERISTICS characteristics;
    std::memset(&characteristics, 0xCC, sizeof(characteristics));
    ASSERT_EQ(WskQueryProviderCharacteristics(&block_, &characteristics), STATUS_SUCCESS);
    EXPECT_EQ(characteristics.HighestVersion, MAKE_WSK_VERSION(1, 0));
    EXPECT_EQ(characteristics.LowestVersion, MAKE_WSK_VERSION(1, 0));

    WskReleaseProviderNPI(&block_);
    EXPECT_EQ(state->captures(), 0u);
    WskDeregister(&block_);
    EXPECT_TRUE(is_zero(block_)) << "WskDeregister leaves the block cleared for reuse";
    EXPECT_EQ(wskemu::wsk::find_registration(&block_), nullptr);
}

TEST_F(WskRegisterTest, InvalidArgumentsFailWithInvalidParameter) {
    WSK_CLIENT_NPI npi{nullptr, &client_dispatch_1_0};
    EXPECT_EQ(WskRegister(nullptr, &block_), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(WskRegister(&npi, nullptr), STATUS_INVALID_PARAMETER);
    WSK_CLIENT_NPI no_dispatch{nullptr, nullptr};
    EXPECT_EQ(WskRegister(&no_dispatch, &block_), STATUS_INVALID_PARAMETER);
    const WSK_CLIENT_DISPATCH reserved_set = {MAKE_WSK_VERSION(1, 0), 1, nullptr};
    EXPECT_EQ(register_block(&block_, &reserved_set), STATUS_INVALID_PARAMETER);
    EXPECT_TRUE(is_zero(block_)) << "a failed WskRegister leaves the block alone";
    EXPECT_EQ(wskemu::wsk::find_registration(&block_), nullptr);
}

TEST_F(WskRegisterTest, TwoRegistrationsAreIndependent) {
    WSK_REGISTRATION second{};
    WSK_PROVIDER_NPI second_provider;
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    ASSERT_EQ(register_block(&second), STATUS_SUCCESS);
    ASSERT_EQ(WskCaptureProviderNPI(&block_, WSK_NO_WAIT, &provider_), STATUS_SUCCESS);
    ASSERT_EQ(WskCaptureProviderNPI(&second, WSK_NO_WAIT, &second_provider), STATUS_SUCCESS);
    EXPECT_NE(provider_.Client, second_provider.Client) << "each registration has its own client handle";
    EXPECT_EQ(provider_.Dispatch, second_provider.Dispatch);

    // The first goes away while the second keeps its capture.
    WskReleaseProviderNPI(&block_);
    background<int> deregister([&] {
        WskDeregister(&block_);
        return 0;
    });
    EXPECT_TRUE(deregister.finishes_within(must_happen)) << "WskDeregister waited for another registration";
    EXPECT_EQ(wskemu::wsk::find_registration(&second)->captures(), 1u);
    WSK_PROVIDER_CHARACTERISTICS characteristics;
    EXPECT_EQ(WskQueryProviderCharacteristics(&second, &characteristics), STATUS_SUCCESS);

    WskReleaseProviderNPI(&second);
    WskDeregister(&second);
}

TEST_F(WskRegisterTest, SameBlockTwiceIsAVerifierBugCheck) {
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    try {
        wskemu::catch_bug_check([&] { register_block(&block_); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& error) {
        EXPECT_EQ(error.code(), static_cast<std::uint32_t>(DRIVER_VERIFIER_DETECTED_VIOLATION));
        EXPECT_EQ(error.parameters()[0], wskemu::wsk::registered_twice);
        EXPECT_EQ(error.parameters()[1], reinterpret_cast<std::uintptr_t>(&block_));
        EXPECT_NE(std::string(error.what()).find("WskRegister"), std::string::npos) << error.what();
    }
    WskDeregister(&block_);  // the first registration is intact
}

TEST_F(WskRegisterTest, BlockCanBeRegisteredAgainAfterDeregister) {
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    WskDeregister(&block_);
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    EXPECT_EQ(WskCaptureProviderNPI(&block_, WSK_NO_WAIT, &provider_), STATUS_SUCCESS);
    WskReleaseProviderNPI(&block_);
    WskDeregister(&block_);
}

TEST_F(WskRegisterTest, GarbageInAFreshBlockIsNotTakenForARegistration) {
    std::memset(&block_, 0xCD, sizeof(block_));  // uninitialised pool
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    WskDeregister(&block_);
}

TEST_F(WskRegisterTest, AbovePassiveLevelIsABugCheck) {
    KIRQL old_irql;
    KeRaiseIrql(APC_LEVEL, &old_irql);
    try {
        wskemu::catch_bug_check([&] { register_block(&block_); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& error) {
        EXPECT_EQ(error.code(), static_cast<std::uint32_t>(IRQL_NOT_LESS_OR_EQUAL));
        EXPECT_EQ(error.parameters()[1], static_cast<std::uintptr_t>(APC_LEVEL));
    }
    KeLowerIrql(old_irql);
    EXPECT_EQ(wskemu::wsk::find_registration(&block_), nullptr);
}

// ---- WskCaptureProviderNPI -------------------------------------------------

TEST_F(WskCaptureProviderNPITest, NoWaitWhileUnavailableFailsAtOnce) {
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    wskemu::wsk::set_provider_available(false);
    const WSK_PROVIDER_NPI poison = provider_;
    const auto start = clock_type::now();
    EXPECT_EQ(WskCaptureProviderNPI(&block_, WSK_NO_WAIT, &provider_), STATUS_DEVICE_NOT_READY);
    EXPECT_LT(clock_type::now() - start, 1s);
    EXPECT_EQ(std::memcmp(&provider_, &poison, sizeof(poison)), 0) << "a failed capture leaves the NPI alone";
    WSK_PROVIDER_CHARACTERISTICS characteristics;
    EXPECT_EQ(WskQueryProviderCharacteristics(&block_, &characteristics), STATUS_DEVICE_NOT_READY);
    WskDeregister(&block_);
}

TEST_F(WskCaptureProviderNPITest, FiniteTimeoutWaitsThatLongThenFails) {
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    wskemu::wsk::set_provider_available(false);
    constexpr ULONG timeout_ms = 150;
    const auto start = clock_type::now();
    EXPECT_EQ(WskCaptureProviderNPI(&block_, timeout_ms, &provider_), STATUS_DEVICE_NOT_READY);
    const auto elapsed = clock_type::now() - start;
    EXPECT_GE(elapsed, std::chrono::milliseconds(timeout_ms - 5));
    EXPECT_LT(elapsed, 3s);
    WskDeregister(&block_);
}

TEST_F(WskCaptureProviderNPITest, FiniteTimeoutSucceedsWhenTheProviderArrivesDuringTheWait) {
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    wskemu::wsk::set_provider_available(false);
    const auto start = clock_type::now();
    background<NTSTATUS> capture([&] { return WskCaptureProviderNPI(&block_, 30000, &provider_); });
    ASSERT_TRUE(eventually([] { return wskemu::wsk::blocked_captures() == 1; }));
    wskemu::wsk::set_provider_available(true);
    ASSERT_TRUE(capture.finishes_within(must_happen));
    EXPECT_EQ(capture.get(), STATUS_SUCCESS);
    EXPECT_LT(clock_type::now() - start, 30s);
    EXPECT_EQ(provider_.Dispatch, &wskemu::wsk::provider_dispatch());
    WskReleaseProviderNPI(&block_);
    WskDeregister(&block_);
}

TEST_F(WskCaptureProviderNPITest, InfiniteWaitSucceedsWhenTheProviderBecomesAvailable) {
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    wskemu::wsk::set_provider_available(false);
    background<NTSTATUS> capture([&] { return WskCaptureProviderNPI(&block_, WSK_INFINITE_WAIT, &provider_); });
    ASSERT_TRUE(eventually([] { return wskemu::wsk::blocked_captures() == 1; }));
    EXPECT_FALSE(capture.finishes_within(must_not_happen));
    wskemu::wsk::set_provider_available(true);
    ASSERT_TRUE(capture.finishes_within(must_happen));
    EXPECT_EQ(capture.get(), STATUS_SUCCESS);
    EXPECT_EQ(provider_.Client, wskemu::wsk::find_registration(&block_)->client());
    WskReleaseProviderNPI(&block_);
    WskDeregister(&block_);
}

TEST_F(WskCaptureProviderNPITest, InfiniteWaitReturnsDeviceNotReadyWhenDeregistered) {
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    wskemu::wsk::set_provider_available(false);
    const WSK_PROVIDER_NPI poison = provider_;
    background<NTSTATUS> capture([&] { return WskCaptureProviderNPI(&block_, WSK_INFINITE_WAIT, &provider_); });
    ASSERT_TRUE(eventually([] { return wskemu::wsk::blocked_captures() == 1; }));
    background<int> deregister([&] {
        WskDeregister(&block_);
        return 0;
    });
    ASSERT_TRUE(capture.finishes_within(must_happen)) << "WskDeregister did not wake the blocked capture";
    EXPECT_EQ(capture.get(), STATUS_DEVICE_NOT_READY);
    EXPECT_TRUE(deregister.finishes_within(must_happen));
    EXPECT_EQ(std::memcmp(&provider_, &poison, sizeof(poison)), 0);
    EXPECT_TRUE(is_zero(block_));
}

TEST_F(WskCaptureProviderNPITest, CaptureAfterDeregistrationBeganFailsWithDeviceNotReady) {
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    ASSERT_EQ(WskCaptureProviderNPI(&block_, WSK_NO_WAIT, &provider_), STATUS_SUCCESS);
    background<int> deregister([&] {
        WskDeregister(&block_);
        return 0;
    });
    ASSERT_TRUE(eventually([&] { return wskemu::wsk::deregistration_begun(&block_); }));
    WSK_PROVIDER_NPI second;
    EXPECT_EQ(WskCaptureProviderNPI(&block_, WSK_NO_WAIT, &second), STATUS_DEVICE_NOT_READY);
    EXPECT_EQ(WskCaptureProviderNPI(&block_, WSK_INFINITE_WAIT, &second), STATUS_DEVICE_NOT_READY);
    WSK_PROVIDER_CHARACTERISTICS characteristics;
    EXPECT_EQ(WskQueryProviderCharacteristics(&block_, &characteristics), STATUS_DEVICE_NOT_READY);
    WskReleaseProviderNPI(&block_);
    EXPECT_TRUE(deregister.finishes_within(must_happen));
}

TEST_F(WskCaptureProviderNPITest, UnsupportedMajorVersionFailsWithNoInterface) {
    const WSK_CLIENT_DISPATCH version_2_0 = {MAKE_WSK_VERSION(2, 0), 0, nullptr};
    const WSK_CLIENT_DISPATCH version_0_1 = {MAKE_WSK_VERSION(0, 1), 0, nullptr};
    WSK_REGISTRATION old_block{};
    ASSERT_EQ(register_block(&block_, &version_2_0), STATUS_SUCCESS);
    ASSERT_EQ(register_block(&old_block, &version_0_1), STATUS_SUCCESS);
    const WSK_PROVIDER_NPI poison = provider_;
    EXPECT_EQ(WskCaptureProviderNPI(&block_, WSK_INFINITE_WAIT, &provider_), STATUS_NOINTERFACE);
    EXPECT_EQ(WskCaptureProviderNPI(&old_block, WSK_NO_WAIT, &provider_), STATUS_NOINTERFACE);
    EXPECT_EQ(std::memcmp(&provider_, &poison, sizeof(poison)), 0);
    // What a client does next: ask which versions there are.
    WSK_PROVIDER_CHARACTERISTICS characteristics;
    ASSERT_EQ(WskQueryProviderCharacteristics(&block_, &characteristics), STATUS_SUCCESS);
    EXPECT_EQ(characteristics.HighestVersion, MAKE_WSK_VERSION(1, 0));
    EXPECT_EQ(characteristics.LowestVersion, MAKE_WSK_VERSION(1, 0));
    WskDeregister(&old_block);
    WskDeregister(&block_);  // nothing captured: returns at once
}

TEST_F(WskCaptureProviderNPITest, HigherMinorVersionGetsTheOneZeroTable) {
    const WSK_CLIENT_DISPATCH version_1_5 = {MAKE_WSK_VERSION(1, 5), 0, nullptr};
    ASSERT_EQ(register_block(&block_, &version_1_5), STATUS_SUCCESS);
    ASSERT_EQ(WskCaptureProviderNPI(&block_, WSK_NO_WAIT, &provider_), STATUS_SUCCESS);
    EXPECT_EQ(provider_.Dispatch->Version, MAKE_WSK_VERSION(1, 0));
    WskReleaseProviderNPI(&block_);
    WskDeregister(&block_);
}

TEST_F(WskCaptureProviderNPITest, WaitAbovePassiveLevelIsABugCheck) {
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    for (ULONG timeout : {ULONG{1000}, ULONG{WSK_INFINITE_WAIT}}) {
        KIRQL old_irql;
        KeRaiseIrql(DISPATCH_LEVEL, &old_irql);
        try {
            wskemu::catch_bug_check([&] { WskCaptureProviderNPI(&block_, timeout, &provider_); });
            ADD_FAILURE() << "no bug check for timeout " << timeout;
        } catch (const wskemu::bug_check_error& error) {
            EXPECT_EQ(error.code(), static_cast<std::uint32_t>(IRQL_NOT_LESS_OR_EQUAL));
            EXPECT_EQ(error.parameters()[1], static_cast<std::uintptr_t>(DISPATCH_LEVEL));
            EXPECT_NE(std::string(error.what()).find("WskCaptureProviderNPI"), std::string::npos) << error.what();
        }
        KeLowerIrql(old_irql);
    }
    EXPECT_EQ(wskemu::wsk::find_registration(&block_)->captures(), 0u);
    WskDeregister(&block_);
}

TEST_F(WskCaptureProviderNPITest, NoWaitAtDispatchLevelSucceeds) {
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    KIRQL old_irql;
    KeRaiseIrql(DISPATCH_LEVEL, &old_irql);
    const NTSTATUS status = WskCaptureProviderNPI(&block_, WSK_NO_WAIT, &provider_);
    if (NT_SUCCESS(status)) {
        WskReleaseProviderNPI(&block_);  // also allowed at DISPATCH_LEVEL
    }
    KeLowerIrql(old_irql);
    EXPECT_EQ(status, STATUS_SUCCESS);
    WskDeregister(&block_);
}

TEST_F(WskCaptureProviderNPITest, UnregisteredBlockIsAVerifierBugCheck) {
    try {
        wskemu::catch_bug_check([&] { WskCaptureProviderNPI(&block_, WSK_NO_WAIT, &provider_); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& error) {
        EXPECT_EQ(error.code(), static_cast<std::uint32_t>(DRIVER_VERIFIER_DETECTED_VIOLATION));
        EXPECT_EQ(error.parameters()[0], wskemu::wsk::block_not_registered);
    }
}

TEST_F(WskCaptureProviderNPITest, NullArgumentsFailWithInvalidParameter) {
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    EXPECT_EQ(WskCaptureProviderNPI(nullptr, WSK_NO_WAIT, &provider_), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(WskCaptureProviderNPI(&block_, WSK_NO_WAIT, nullptr), STATUS_INVALID_PARAMETER);
    EXPECT_EQ(wskemu::wsk::find_registration(&block_)->captures(), 0u);
    WskDeregister(&block_);
}

TEST_F(WskCaptureProviderNPITest, ConcurrentCapturesAndReleasesBalance) {
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    constexpr int threads = 4;
    constexpr int rounds = 500;
    std::vector<std::thread> workers;
    std::atomic<int> failures{0};
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (int i = 0; i < rounds; ++i) {
                WSK_PROVIDER_NPI npi;
                if (WskCaptureProviderNPI(&block_, WSK_INFINITE_WAIT, &npi) != STATUS_SUCCESS) {
                    ++failures;
                    continue;
                }
                WskReleaseProviderNPI(&block_);
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(wskemu::wsk::find_registration(&block_)->captures(), 0u);
    WskDeregister(&block_);
}

// ---- WskReleaseProviderNPI -------------------------------------------------

TEST_F(WskReleaseProviderNPITest, MoreThanCapturedIsAVerifierBugCheck) {
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    ASSERT_EQ(WskCaptureProviderNPI(&block_, WSK_NO_WAIT, &provider_), STATUS_SUCCESS);
    WskReleaseProviderNPI(&block_);
    try {
        wskemu::catch_bug_check([&] { WskReleaseProviderNPI(&block_); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& error) {
        EXPECT_EQ(error.code(), static_cast<std::uint32_t>(DRIVER_VERIFIER_DETECTED_VIOLATION));
        EXPECT_EQ(error.parameters()[0], wskemu::wsk::released_more_than_captured);
        EXPECT_NE(std::string(error.what()).find("WskReleaseProviderNPI"), std::string::npos) << error.what();
    }
    WskDeregister(&block_);
}

// ---- WskDeregister ---------------------------------------------------------

TEST_F(WskDeregisterTest, BlocksWhileACaptureIsOutstanding) {
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    ASSERT_EQ(WskCaptureProviderNPI(&block_, WSK_NO_WAIT, &provider_), STATUS_SUCCESS);
    background<int> deregister([&] {
        WskDeregister(&block_);
        return 0;
    });
    EXPECT_FALSE(deregister.finishes_within(must_not_happen)) << "WskDeregister returned with a capture held";
    EXPECT_TRUE(wskemu::wsk::deregistration_begun(&block_));
    WskReleaseProviderNPI(&block_);
    EXPECT_TRUE(deregister.finishes_within(must_happen));
    EXPECT_TRUE(is_zero(block_));
}

TEST_F(WskDeregisterTest, BlocksWhileASocketIsOpen) {
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    wskemu::wsk::registration_state* state = wskemu::wsk::find_registration(&block_);
    ASSERT_NE(state, nullptr);
    state->socket_opened();  // as WskSocket will
    EXPECT_EQ(state->open_sockets(), 1u);
    background<int> deregister([&] {
        WskDeregister(&block_);
        return 0;
    });
    EXPECT_FALSE(deregister.finishes_within(must_not_happen)) << "WskDeregister returned with a socket open";
    state->socket_closed();  // as WskCloseSocket will; the state may be gone after this
    EXPECT_TRUE(deregister.finishes_within(must_happen));
    EXPECT_TRUE(is_zero(block_));
}

TEST_F(WskDeregisterTest, LogsWhatItWaitsFor) {
    auto& logger = wskemu::kernel::log();
    if (!logger.should_log(spdlog::level::warn)) {
        GTEST_SKIP() << "WSKEMU_LOG hides warnings";
    }
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    ASSERT_EQ(WskCaptureProviderNPI(&block_, WSK_NO_WAIT, &provider_), STATUS_SUCCESS);
    wskemu::wsk::find_registration(&block_)->socket_opened();
    std::ostringstream text;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text);
    logger.sinks().push_back(sink);
    const auto previous = wskemu::wsk::set_deregister_report_interval(20ms);
    {
        background<int> deregister([&] {
            WskDeregister(&block_);
            return 0;
        });
        // Blocked for 100 ms at a 20 ms interval: a few reports.
        EXPECT_FALSE(deregister.finishes_within(100ms));
        wskemu::wsk::registration_state* state = wskemu::wsk::find_registration(&block_);
        WskReleaseProviderNPI(&block_);
        state->socket_closed();
        EXPECT_TRUE(deregister.finishes_within(must_happen));
    }
    wskemu::wsk::set_deregister_report_interval(previous);
    logger.sinks().pop_back();
    const std::string logged = text.str();
    EXPECT_NE(logged.find("WskDeregister"), std::string::npos) << logged;
    EXPECT_NE(logged.find("1 capture(s)"), std::string::npos) << logged;
    EXPECT_NE(logged.find("1 socket(s)"), std::string::npos) << logged;
}

TEST_F(WskDeregisterTest, UnregisteredBlockIsAVerifierBugCheck) {
    try {
        wskemu::catch_bug_check([&] { WskDeregister(&block_); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& error) {
        EXPECT_EQ(error.code(), static_cast<std::uint32_t>(DRIVER_VERIFIER_DETECTED_VIOLATION));
        EXPECT_EQ(error.parameters()[0], wskemu::wsk::block_not_registered);
        EXPECT_NE(std::string(error.what()).find("WskDeregister"), std::string::npos) << error.what();
    }
    // Deregistering twice is the same mistake.
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    WskDeregister(&block_);
    EXPECT_THROW(wskemu::catch_bug_check([&] { WskDeregister(&block_); }), wskemu::bug_check_error);
}

TEST_F(WskDeregisterTest, ConcurrentSecondDeregisterIsAVerifierBugCheck) {
    ASSERT_EQ(register_block(&block_), STATUS_SUCCESS);
    ASSERT_EQ(WskCaptureProviderNPI(&block_, WSK_NO_WAIT, &provider_), STATUS_SUCCESS);
    background<int> deregister([&] {
        WskDeregister(&block_);
        return 0;
    });
    ASSERT_TRUE(eventually([&] { return wskemu::wsk::deregistration_begun(&block_); }));
    try {
        wskemu::catch_bug_check([&] { WskDeregister(&block_); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& error) {
        EXPECT_EQ(error.parameters()[0], wskemu::wsk::deregistered_twice);
    }
    WskReleaseProviderNPI(&block_);
    EXPECT_TRUE(deregister.finishes_within(must_happen));
}

// ---- the C test driver -----------------------------------------------------

TEST_F(WskRegistrationDriverTest, DriverEntryRegistersCapturesAndListsTransportsUnloadDeregisters) {
    for (int load = 0; load < 2; ++load) {  // the driver's static block is registered again on reload
        DRIVER_OBJECT driver;
        std::memset(&driver, 0, sizeof(driver));
        ASSERT_EQ(WskRegistrationDriverEntry(&driver, nullptr), STATUS_SUCCESS);
        WSK_REGISTRATION_DRIVER_RESULT result;
        std::memset(&result, 0xCC, sizeof(result));
        WskRegistrationDriverGetResult(&result);
        EXPECT_EQ(result.RegisterStatus, STATUS_SUCCESS);
        EXPECT_EQ(result.CaptureStatus, STATUS_SUCCESS);
        EXPECT_EQ(result.ProviderVersion, MAKE_WSK_VERSION(1, 0));
        EXPECT_EQ(result.SizeQueryStatus, STATUS_BUFFER_OVERFLOW);
        EXPECT_EQ(result.RequiredSize, 4 * sizeof(WSK_TRANSPORT));
        EXPECT_EQ(result.ListQueryStatus, STATUS_SUCCESS);
        EXPECT_EQ(result.ListSize, 4 * sizeof(WSK_TRANSPORT));
        ASSERT_EQ(result.TransportCount, 4u);
        EXPECT_EQ(result.Transports[0].SocketType, SOCK_STREAM);
        EXPECT_EQ(result.Transports[0].Protocol, static_cast<ULONG>(IPPROTO_TCP));
        EXPECT_EQ(result.Transports[0].AddressFamily, AF_INET);
        ASSERT_NE(driver.DriverUnload, nullptr);
        driver.DriverUnload(&driver);
    }
}

}  // namespace
