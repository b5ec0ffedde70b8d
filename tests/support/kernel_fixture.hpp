// wskemu tests: a fixture that fails a test which leaves kernel objects behind.
#pragma once

#include <gtest/gtest.h>

#include <wdm.h>

#include <wskemu/verifier_gtest.hpp>

#include "kernel/ex_pool.hpp"
#include "kernel/irql.hpp"

namespace wskemu::test {

/// Records the allocation serial at SetUp; TearDown fails the test on the
/// verifier's fail-mode reports, if any pool block, IRP or MDL allocated
/// since is still alive, or if the test thread is not back at PASSIVE_LEVEL.
class kernel_test : public ::testing::Test {
protected:
    void SetUp() override {
        wskemu::verifier::clear();
        mark_ = kernel::next_block_serial();
    }

    void TearDown() override {
        wskemu::verifier::fail_on_reports();
        EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL) << "the test left the IRQL raised";
        kernel::set_current_irql(PASSIVE_LEVEL);
        for (const auto& block : kernel::live_blocks()) {
            if (block.serial >= mark_) {
                ADD_FAILURE() << "leaked " << kind_name(block.kind) << " at " << block.address << ", "
                              << block.size << " bytes, tag " << kernel::tag_text(block.tag);
            }
        }
    }

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
