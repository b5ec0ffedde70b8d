// wskemu tests: a fixture that fails a test which leaves kernel objects behind.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>

#include <wdm.h>

#include <wskemu/runtime.hpp>
#include <wskemu/verifier_gtest.hpp>

#include "kernel/ex_pool.hpp"
#include "kernel/irql.hpp"

namespace wskemu::test {

/// Resets the runtime (test control) and the verifier's reports and records
/// the allocation serial at SetUp; TearDown fails the test on the verifier's
/// fail-mode reports, if any pool block, IRP or MDL allocated since is still
/// alive, or if the test thread is not back at PASSIVE_LEVEL, then resets the
/// runtime again.
class kernel_test : public ::testing::Test {
protected:
    void SetUp() override {
        runtime::instance().reset();
        wskemu::verifier::clear();
        mark_ = kernel::next_block_serial();
    }

    void TearDown() override {
        if (runtime::instance().deterministic()) {
            runtime::instance().run_until_idle(std::chrono::seconds(1));
        }
        wskemu::verifier::fail_on_reports();
        EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL) << "the test left the IRQL raised";
        kernel::set_current_irql(PASSIVE_LEVEL);
        for (const auto& block : kernel::live_blocks()) {
            if (block.serial >= mark_) {
                ADD_FAILURE() << "leaked " << kind_name(block.kind) << " at " << block.address << ", "
                              << block.size << " bytes, tag " << kernel::tag_text(block.tag);
            }
        }
        if (HasFailure()) {
            std::cout << "[ wskemu   ] test control: " << runtime::instance().describe() << "\n";
        }
        runtime::instance().reset();
    }

    /// The allocation serial at SetUp: objects at or above it are the test's.
    std::uint64_t allocation_mark() const noexcept { return mark_; }

private:
    static const char* kind_name(kernel::block_kind kind) {
        switch (kind) {
        case kernel::block_kind::pool: return "pool block";
        case kernel::block_kind::irp: return "IRP";
        case kernel::block_kind::mdl: return "MDL";
        case kernel::block_kind::page_run: return "page run";
        }
        return "block";
    }

    std::uint64_t mark_ = 0;
};

}  // namespace wskemu::test
