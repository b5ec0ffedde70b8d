// wskemu: GoogleTest glue for the verifier: a test fails on the violations
// found while it ran in fail mode (docs/verifier.md, "In tests").
#pragma once

#include <gtest/gtest.h>

#include <wskemu/verifier.hpp>

namespace wskemu::verifier {

/// @brief Takes the kept reports and adds one GoogleTest failure for each
/// that was found in fail mode and did not raise a bug check (a raised bug
/// check already aborted the test, or the test caught it on purpose). Call
/// at the end of a test, e.g. in TearDown.
inline void fail_on_reports() {
    for (const verifier_report& report : take_reports()) {
        if (report.mode == verifier_mode::fail && !report.raised) {
            ADD_FAILURE() << "wskemu verifier: " << format(report);
        }
    }
}

/// @brief A fixture mixin: starts each test with no kept reports and fails
/// it on the reports of fail mode when it ends.
class verifier_test : public ::testing::Test {
protected:
    void SetUp() override { clear(); }
    void TearDown() override { fail_on_reports(); }
};

}  // namespace wskemu::verifier
