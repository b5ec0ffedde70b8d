// Layout of the WDM structures drivers touch, checked from C++ (the C side is
// tests/drivers/wdm_layout_driver.c).
#include <gtest/gtest.h>

#include <wdm.h>

#include "drivers/wdm_layout_driver.h"

static_assert(sizeof(ULONG) == 4 && sizeof(LONG) == 4 && sizeof(USHORT) == 2 && sizeof(BOOLEAN) == 1);
static_assert(sizeof(SIZE_T) == sizeof(void*) && sizeof(ULONG_PTR) == sizeof(void*));
static_assert(sizeof(IRP) == 0xD0);
static_assert(offsetof(IRP, IoStatus) == 0x30);
static_assert(offsetof(IRP, PendingReturned) == 0x41);
static_assert(offsetof(IRP, Cancel) == 0x44);
static_assert(offsetof(IRP, CancelRoutine) == 0x68);
static_assert(offsetof(IRP, Tail.Overlay.CurrentStackLocation) == 0xB8);
static_assert(sizeof(IO_STACK_LOCATION) == 0x48);
static_assert(offsetof(IO_STACK_LOCATION, CompletionRoutine) == 0x38);
static_assert(sizeof(MDL) == 0x30);
static_assert(offsetof(MDL, ByteOffset) == 0x2C);
static_assert(sizeof(KEVENT) == 24);

TEST(WdmLayout, CDriverSeesTheIrpAsCppDoes) {
    PIRP irp = IoAllocateIrp(3, FALSE);
    ASSERT_NE(irp, nullptr);
    // Type 6, StackCount 3, CurrentLocation 4, both location checks true.
    EXPECT_EQ(WdmLayoutDriverReadIrp(irp), 6u + 30u + 400u + 1000u + 10000u);
    IoFreeIrp(irp);
}
