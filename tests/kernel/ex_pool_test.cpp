// Tests of the executive pool and lookaside lists (src/kernel/ex_pool.cpp).
#include <gtest/gtest.h>

#include <wdm.h>

#include <wskemu/bug_check.hpp>

#include <cstring>

#include "kernel/ex_pool.hpp"
#include "support/kernel_fixture.hpp"

namespace {

using PoolTest = wskemu::test::kernel_test;

constexpr ULONG test_tag = 'tseT';

TEST_F(PoolTest, ExAllocatePool2ZeroesUnlessAskedNotTo) {
    auto* zeroed = static_cast<unsigned char*>(ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, test_tag));
    ASSERT_NE(zeroed, nullptr);
    for (int i = 0; i < 64; ++i) {
        ASSERT_EQ(zeroed[i], 0);
    }
    auto* raw = static_cast<unsigned char*>(ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_UNINITIALIZED, 64, test_tag));
    ASSERT_NE(raw, nullptr);
    EXPECT_EQ(raw[0], 0xCD) << "uninitialised pool is filled so that reading it shows";
    EXPECT_EQ(reinterpret_cast<ULONG_PTR>(raw) % 16, 0u);
    ExFreePoolWithTag(zeroed, test_tag);
    ExFreePoolWithTag(raw, test_tag);
}

TEST_F(PoolTest, ExAllocatePool2RejectsAZeroTagOrNoPoolKind) {
    EXPECT_EQ(ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, 0), nullptr);
    EXPECT_EQ(ExAllocatePool2(POOL_FLAG_UNINITIALIZED, 16, test_tag), nullptr);
    EXPECT_EQ(ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_PAGED, 16, test_tag), nullptr);
}

TEST_F(PoolTest, OlderAllocatorsWork) {
    PVOID a = ExAllocatePoolWithTag(NonPagedPoolNx, 10, test_tag);
    PVOID b = ExAllocatePoolZero(NonPagedPoolNx, 10, test_tag);
    PVOID c = ExAllocatePool(NonPagedPool, 10);
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(static_cast<unsigned char*>(b)[9], 0);
    ExFreePoolWithTag(a, test_tag);
    ExFreePool(b);
    ExFreePool(c);
}

TEST_F(PoolTest, FreeingWithTheWrongTagIsBadPoolCaller) {
    PVOID block = ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, test_tag);
    try {
        wskemu::catch_bug_check([&] { ExFreePoolWithTag(block, 'gnrW'); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), static_cast<std::uint32_t>(BAD_POOL_CALLER));
        EXPECT_EQ(e.parameters()[0], 0xAu);
        EXPECT_EQ(e.parameters()[2], test_tag);
        EXPECT_NE(std::string(e.what()).find("'Test'"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("'Wrng'"), std::string::npos) << e.what();
    }
    ExFreePoolWithTag(block, test_tag);
}

TEST_F(PoolTest, DoubleFreeAndUnknownAddressAreBadPoolCaller) {
    PVOID block = ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, test_tag);
    ExFreePool(block);
    try {
        wskemu::catch_bug_check([&] { ExFreePool(block); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.parameters()[0], 0x7u);
    }
    int not_pool = 0;
    try {
        wskemu::catch_bug_check([&] { ExFreePool(&not_pool); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.parameters()[0], 0x46u);
    }
}

TEST_F(PoolTest, LiveBlocksNameTagSizeAndSite) {
    const auto mark = wskemu::kernel::next_block_serial();
    PVOID block = ExAllocatePool2(POOL_FLAG_PAGED, 123, 'kaeL');
    bool found = false;
    for (const auto& info : wskemu::kernel::live_blocks()) {
        if (info.serial >= mark && info.address == block) {
            found = true;
            EXPECT_EQ(info.tag, static_cast<ULONG>('kaeL'));
            EXPECT_EQ(info.size, 123u);
            EXPECT_NE(info.allocation_site, nullptr);
            EXPECT_EQ(wskemu::kernel::tag_text(info.tag), "'Leak'");
        }
    }
    EXPECT_TRUE(found);
    ExFreePoolWithTag(block, 'kaeL');
}

TEST_F(PoolTest, ProviderFilledBlocksAreTrackedButNotFilledOrQuarantined) {
    namespace kernel = wskemu::kernel;
    void* block = kernel::tracked_allocate_unfilled(1000, test_tag, nullptr);
    ASSERT_NE(block, nullptr);
    const kernel::block_history live = kernel::block_history_of(block);
    EXPECT_EQ(live.state, kernel::block_state::live) << "counted for leaks like any block";
    EXPECT_EQ(live.info.kind, kernel::block_kind::pool);
    EXPECT_EQ(live.info.size, 1000u);
    EXPECT_TRUE(live.info.stack.empty()) << "its stack would show only the provider";
    kernel::tracked_free(block, kernel::block_kind::pool, test_tag, true, "test");
    EXPECT_EQ(kernel::block_history_of(block).state, kernel::block_state::unknown)
        << "back to the C runtime at once, not quarantined";
    // A quarantined block, for contrast.
    PVOID pool = ExAllocatePool2(POOL_FLAG_NON_PAGED, 1000, test_tag);
    ExFreePoolWithTag(pool, test_tag);
    EXPECT_EQ(kernel::block_history_of(pool).state, kernel::block_state::freed);
}

TEST_F(PoolTest, LookasideListsAllocateWithTheirTag) {
    NPAGED_LOOKASIDE_LIST list;
    ExInitializeNPagedLookasideList(&list, nullptr, nullptr, 0, 48, test_tag, 0);
    PVOID a = ExAllocateFromNPagedLookasideList(&list);
    PVOID b = ExAllocateFromNPagedLookasideList(&list);
    ASSERT_TRUE(a && b);
    EXPECT_NE(a, b);
    std::memset(a, 1, 48);
    ExFreeToNPagedLookasideList(&list, a);
    ExFreeToNPagedLookasideList(&list, b);
    ExDeleteNPagedLookasideList(&list);

    LOOKASIDE_LIST_EX ex;
    ASSERT_EQ(ExInitializeLookasideListEx(&ex, nullptr, nullptr, NonPagedPoolNx, 0, 64, test_tag, 0), STATUS_SUCCESS);
    PVOID c = ExAllocateFromLookasideListEx(&ex);
    ASSERT_NE(c, nullptr);
    ExFreeToLookasideListEx(&ex, c);
    ExDeleteLookasideListEx(&ex);
}

}  // namespace
