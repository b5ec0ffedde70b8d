// wskemu: GoogleTest integration: a fixture that resets the runtime and
// fails a test that leaves IRPs pending or kernel objects alive, matchers and
// printers for NTSTATUS and IRPs (docs/testing.md).
//
//   class SendPath : public wskemu::testing::driver_test {};
//   TEST_F(SendPath, PendsAndCompletes) {
//       wskemu::runtime::instance().set_policy(wskemu::completion_policy::always_pending);
//       ...
//       EXPECT_THAT(WskSendAndWait(...), wskemu::testing::IsStatus(STATUS_SUCCESS));
//       EXPECT_THAT(irp, wskemu::testing::CompletedWith(STATUS_SUCCESS, 4096));
//   }
//
// Link wskemu::gtest_main instead of GTest::gtest_main to reset the runtime
// before every test (fixture or not), print the seed and settings of a
// failed test, and fail the run on objects still alive at the end.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <wdm.h>

#include <wskemu/describe.hpp>
#include <wskemu/leak_report.hpp>
#include <wskemu/runtime.hpp>
#include <wskemu/status.hpp>
#include <wskemu/verifier_gtest.hpp>

#include <chrono>
#include <ostream>
#include <sstream>
#include <string>

namespace wskemu {

/// @brief Prints a wskemu::ntstatus by name in GoogleTest messages.
inline void PrintTo(ntstatus status, std::ostream* os) { *os << describe_status(status.value); }

namespace testing {

namespace detail {
inline const IRP* irp_of(const IRP* irp) { return irp; }
inline const IRP* irp_of(const IRP& irp) { return &irp; }
}  // namespace detail

/// @brief Matches an NTSTATUS equal to @p expected; messages name both.
MATCHER_P(IsStatus, expected, "is " + ::wskemu::describe_status(static_cast<std::int32_t>(expected))) {
    *result_listener << "which is " << ::wskemu::describe_status(static_cast<std::int32_t>(arg));
    return static_cast<std::int32_t>(arg) == static_cast<std::int32_t>(expected);
}

/// @brief Matches an IRP (PIRP or IRP&) whose IoStatus holds @p status and @p information.
MATCHER_P2(CompletedWith, status, information,
           "completed with " + ::wskemu::describe_status(static_cast<std::int32_t>(status)) + " and Information " +
               std::to_string(static_cast<unsigned long long>(information))) {
    const IRP* irp = ::wskemu::testing::detail::irp_of(arg);
    *result_listener << "which is " << ::wskemu::describe_irp(irp);
    return irp != nullptr && irp->IoStatus.Status == static_cast<NTSTATUS>(status) &&
           irp->IoStatus.Information == static_cast<ULONG_PTR>(information);
}

/// @brief Matches an IRP whose IoStatus.Status is @p status, whatever its Information.
MATCHER_P(CompletedWithStatus, status,
          "completed with " + ::wskemu::describe_status(static_cast<std::int32_t>(status))) {
    const IRP* irp = ::wskemu::testing::detail::irp_of(arg);
    *result_listener << "which is " << ::wskemu::describe_irp(irp);
    return irp != nullptr && irp->IoStatus.Status == static_cast<NTSTATUS>(status);
}

/// @brief The IRPs pending in WSK calls now, one per line ("" when none).
inline std::string describe_pending_irps() {
    std::ostringstream text;
    for (const pending_irp_info& p : runtime::instance().pending_irps()) {
        text << "  " << operation_name(p.op) << " IRP " << p.irp << " on socket " << p.socket << ", pending for "
             << std::chrono::duration_cast<std::chrono::milliseconds>(p.age).count() << " ms"
             << (p.held ? " (held)" : "") << "\n";
    }
    return text.str();
}

/// @brief A fixture for tests of driver code. SetUp resets the runtime to
/// the environment's settings and forgets earlier verifier reports; TearDown
/// lets deterministic work finish, then fails the test on the verifier's
/// reports (fail mode, the default), if an IRP is still pending in a WSK call,
/// if any IRP, MDL or pool block allocated during the test is still alive, or
/// if the test thread's IRQL is not PASSIVE_LEVEL; a failed test's message
/// names the seed and settings that reproduce it.
class driver_test : public ::testing::Test {
protected:
    void SetUp() override {
        runtime::instance().reset();
        verifier::clear();
        mark_ = next_allocation_serial();
    }

    void TearDown() override {
        auto& rt = runtime::instance();
        if (rt.deterministic()) {
            rt.run_until_idle(std::chrono::seconds(1));
        }
        verifier::fail_on_reports();
        if (const std::string pending = describe_pending_irps(); !pending.empty()) {
            ADD_FAILURE() << "IRPs still pending in WSK calls at the end of the test:\n" << pending;
        }
        if (const std::string leaks = format_leak_report(mark_); !leaks.empty()) {
            ADD_FAILURE() << "kernel objects allocated by the test are still alive:\n" << leaks;
        }
        EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL) << "the test left the IRQL raised";
        if (HasFailure()) {
            std::cout << "[ wskemu   ] reproduce with: " << rt.describe() << " (WSKEMU_SEED=" << rt.seed() << ")\n";
        }
        rt.reset();
    }

    /// The allocation serial at SetUp (objects at or above it are the test's).
    std::uint64_t allocation_mark() const noexcept { return mark_; }

private:
    std::uint64_t mark_ = 0;
};

/// @brief Resets the runtime and forgets verifier reports before every test,
/// and prints the settings of a failed one (wskemu::gtest_main installs it).
class runtime_listener : public ::testing::EmptyTestEventListener {
public:
    void OnTestStart(const ::testing::TestInfo&) override {
        runtime::instance().reset();
        verifier::clear();
    }
    void OnTestEnd(const ::testing::TestInfo& info) override {
        if (info.result() != nullptr && info.result()->Failed()) {
            std::cout << "[ wskemu   ] " << info.test_suite_name() << "." << info.name()
                      << " ran with: " << runtime::instance().describe() << "\n";
        }
    }
};

/// @brief Fails the run (as a global failure) on verifier reports left by the
/// last test, and if kernel objects allocated after the environment's SetUp
/// are alive when every test has run.
class leak_environment : public ::testing::Environment {
public:
    void SetUp() override { mark_ = next_allocation_serial(); }
    void TearDown() override {
        verifier::fail_on_reports();
        if (const std::string leaks = format_leak_report(mark_); !leaks.empty()) {
            ADD_FAILURE() << "kernel objects still alive after the last test:\n" << leaks;
        }
    }

private:
    std::uint64_t mark_ = 0;
};

/// @brief Installs runtime_listener and leak_environment (call after
/// ::testing::InitGoogleTest; wskemu::gtest_main does).
inline void install() {
    ::testing::UnitTest::GetInstance()->listeners().Append(new runtime_listener);
    ::testing::AddGlobalTestEnvironment(new leak_environment);
}

}  // namespace testing
}  // namespace wskemu

/// @brief Prints an IRP in GoogleTest messages. (Only IRP&: a PrintTo for
/// PIRP would be an ODR hazard, since any test file that prints a pointer
/// without this header would instantiate GoogleTest's pointer printer for it.
/// The IRP matchers describe the IRP themselves.)
inline void PrintTo(const IRP& irp, std::ostream* os) { *os << ::wskemu::describe_irp(&irp); }
