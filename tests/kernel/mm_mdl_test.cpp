// Tests of MDL allocation, locking, mapping and partial MDLs (src/kernel/mm_mdl.cpp).
#include <gtest/gtest.h>

#include <wdm.h>

#include <wskemu/bug_check.hpp>

#include <vector>

#include "kernel/mm_mdl.hpp"
#include "support/kernel_fixture.hpp"

namespace {

using MdlTest = wskemu::test::kernel_test;

TEST_F(MdlTest, LayoutMatchesX64) {
    EXPECT_EQ(sizeof(MDL), 0x30u);
    EXPECT_EQ(offsetof(MDL, Size), 0x8u);
    EXPECT_EQ(offsetof(MDL, MdlFlags), 0xAu);
    EXPECT_EQ(offsetof(MDL, Process), 0x10u);
    EXPECT_EQ(offsetof(MDL, MappedSystemVa), 0x18u);
    EXPECT_EQ(offsetof(MDL, StartVa), 0x20u);
    EXPECT_EQ(offsetof(MDL, ByteCount), 0x28u);
    EXPECT_EQ(offsetof(MDL, ByteOffset), 0x2Cu);
}

TEST_F(MdlTest, IoAllocateMdlDescribesTheBuffer) {
    std::vector<unsigned char> buffer(3 * PAGE_SIZE);
    unsigned char* start = buffer.data() + 100;
    PMDL mdl = IoAllocateMdl(start, 2 * PAGE_SIZE, FALSE, FALSE, nullptr);
    ASSERT_NE(mdl, nullptr);
    EXPECT_EQ(mdl->Next, nullptr);
    EXPECT_EQ(mdl->StartVa, PAGE_ALIGN(start));
    EXPECT_EQ(mdl->ByteOffset, BYTE_OFFSET(start));
    EXPECT_EQ(mdl->ByteCount, 2u * PAGE_SIZE);
    EXPECT_EQ(MmGetMdlVirtualAddress(mdl), start);
    EXPECT_EQ(MmGetMdlByteCount(mdl), 2u * PAGE_SIZE);
    const ULONG pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(start, 2 * PAGE_SIZE);
    EXPECT_EQ(static_cast<SIZE_T>(mdl->Size), sizeof(MDL) + pages * sizeof(PFN_NUMBER));
    EXPECT_EQ(MmSizeOfMdl(start, 2 * PAGE_SIZE), static_cast<SIZE_T>(mdl->Size));
    EXPECT_EQ(mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL), 0);
    IoFreeMdl(mdl);
}

TEST_F(MdlTest, IoAllocateMdlChainsOnTheIrp) {
    char buffer[64];
    PIRP irp = IoAllocateIrp(1, FALSE);
    PMDL first = IoAllocateMdl(buffer, 16, FALSE, FALSE, irp);
    PMDL second = IoAllocateMdl(buffer + 16, 16, TRUE, FALSE, irp);
    PMDL third = IoAllocateMdl(buffer + 32, 16, TRUE, FALSE, irp);
    EXPECT_EQ(irp->MdlAddress, first);
    EXPECT_EQ(first->Next, second);
    EXPECT_EQ(second->Next, third);
    EXPECT_EQ(third->Next, nullptr);
    IoFreeMdl(third);
    IoFreeMdl(second);
    IoFreeMdl(first);
    IoFreeIrp(irp);
}

TEST_F(MdlTest, IoAllocateMdlRejectsLengthsOverTheLimit) {
    char byte = 0;
    EXPECT_EQ(IoAllocateMdl(&byte, 0xFFFFFFFFu, FALSE, FALSE, nullptr), nullptr);
}

TEST_F(MdlTest, MmBuildMdlForNonPagedPoolMapsTheBuffer) {
    std::vector<unsigned char> buffer(PAGE_SIZE * 2);
    PMDL mdl = IoAllocateMdl(buffer.data() + 10, PAGE_SIZE, FALSE, FALSE, nullptr);
    MmBuildMdlForNonPagedPool(mdl);
    EXPECT_TRUE(mdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL);
    EXPECT_EQ(mdl->MappedSystemVa, buffer.data() + 10);
    EXPECT_EQ(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority), buffer.data() + 10);
    EXPECT_EQ(MmGetMdlPfnArray(mdl)[0], reinterpret_cast<ULONG_PTR>(PAGE_ALIGN(buffer.data() + 10)) >> PAGE_SHIFT);
    IoFreeMdl(mdl);
}

TEST_F(MdlTest, ProbeLockMapUnlock) {
    std::vector<unsigned char> buffer(100, 7);
    PMDL mdl = IoAllocateMdl(buffer.data(), 100, FALSE, FALSE, nullptr);
    MmProbeAndLockPages(mdl, KernelMode, IoWriteAccess);
    EXPECT_TRUE(mdl->MdlFlags & MDL_PAGES_LOCKED);
    EXPECT_EQ(wskemu::kernel::locked_mdls().size(), 1u);
    auto* mapped = static_cast<unsigned char*>(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority | MdlMappingNoExecute));
    ASSERT_EQ(mapped, buffer.data());
    EXPECT_TRUE(mdl->MdlFlags & MDL_MAPPED_TO_SYSTEM_VA);
    mapped[3] = 9;
    EXPECT_EQ(buffer[3], 9);
    MmUnlockPages(mdl);
    EXPECT_EQ(mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA), 0);
    EXPECT_TRUE(wskemu::kernel::locked_mdls().empty());
    IoFreeMdl(mdl);
}

TEST_F(MdlTest, MmUnlockPagesOfAnUnlockedMdlIsABugCheck) {
    char buffer[8];
    PMDL mdl = IoAllocateMdl(buffer, sizeof buffer, FALSE, FALSE, nullptr);
    try {
        wskemu::catch_bug_check([&] { MmUnlockPages(mdl); });
        ADD_FAILURE() << "no bug check";
    } catch (const wskemu::bug_check_error& e) {
        EXPECT_EQ(e.code(), static_cast<std::uint32_t>(PFN_LIST_CORRUPT));
    }
    IoFreeMdl(mdl);
}

TEST_F(MdlTest, IoBuildPartialMdlDescribesASubrange) {
    std::vector<unsigned char> buffer(4 * PAGE_SIZE);
    PMDL source = IoAllocateMdl(buffer.data() + 3, 3 * PAGE_SIZE, FALSE, FALSE, nullptr);
    MmBuildMdlForNonPagedPool(source);
    unsigned char* sub = buffer.data() + 3 + PAGE_SIZE + 5;
    PMDL target = IoAllocateMdl(sub, 100, FALSE, FALSE, nullptr);
    IoBuildPartialMdl(source, target, sub, 100);
    EXPECT_TRUE(target->MdlFlags & MDL_PARTIAL);
    EXPECT_EQ(MmGetMdlVirtualAddress(target), sub);
    EXPECT_EQ(target->ByteCount, 100u);
    EXPECT_EQ(MmGetSystemAddressForMdlSafe(target, NormalPagePriority), sub);
    EXPECT_EQ(MmGetMdlPfnArray(target)[0], reinterpret_cast<ULONG_PTR>(PAGE_ALIGN(sub)) >> PAGE_SHIFT);
    IoFreeMdl(target);
    IoFreeMdl(source);
}

TEST_F(MdlTest, IoBuildPartialMdlWithZeroLengthTakesTheRest) {
    std::vector<unsigned char> buffer(PAGE_SIZE);
    PMDL source = IoAllocateMdl(buffer.data(), 1000, FALSE, FALSE, nullptr);
    MmProbeAndLockPages(source, KernelMode, IoReadAccess);
    PMDL target = IoAllocateMdl(buffer.data(), 1000, FALSE, FALSE, nullptr);
    IoBuildPartialMdl(source, target, buffer.data() + 400, 0);
    EXPECT_EQ(target->ByteCount, 600u);
    auto* mapped = MmGetSystemAddressForMdlSafe(target, NormalPagePriority);
    EXPECT_EQ(mapped, buffer.data() + 400);
    EXPECT_TRUE(target->MdlFlags & MDL_PARTIAL_HAS_BEEN_MAPPED);
    MmPrepareMdlForReuse(target);
    EXPECT_FALSE(target->MdlFlags & MDL_PARTIAL_HAS_BEEN_MAPPED);
    IoFreeMdl(target);
    MmUnlockPages(source);
    IoFreeMdl(source);
}

TEST_F(MdlTest, IoBuildPartialMdlOutsideTheSourceIsABugCheck) {
    std::vector<unsigned char> buffer(200);
    PMDL source = IoAllocateMdl(buffer.data(), 100, FALSE, FALSE, nullptr);
    PMDL target = IoAllocateMdl(buffer.data(), 200, FALSE, FALSE, nullptr);
    EXPECT_THROW(wskemu::catch_bug_check([&] { IoBuildPartialMdl(source, target, buffer.data() + 50, 100); }),
                 wskemu::bug_check_error);
    IoFreeMdl(target);
    IoFreeMdl(source);
}

TEST_F(MdlTest, MmAllocatePagesForMdlGivesMappableZeroedPages) {
    PHYSICAL_ADDRESS low{}, high{}, skip{};
    high.QuadPart = -1;
    PMDL mdl = MmAllocatePagesForMdlEx(low, high, skip, 10000, MmCached, 0);
    ASSERT_NE(mdl, nullptr);
    EXPECT_EQ(mdl->ByteCount, 3u * PAGE_SIZE);
    auto* pages = static_cast<unsigned char*>(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority));
    ASSERT_NE(pages, nullptr);
    EXPECT_EQ(BYTE_OFFSET(pages), 0u);
    for (ULONG i = 0; i < mdl->ByteCount; ++i) {
        ASSERT_EQ(pages[i], 0) << i;
    }
    pages[PAGE_SIZE * 2 + 1] = 1;
    MmFreePagesFromMdl(mdl);
    ExFreePool(mdl);
}

}  // namespace
