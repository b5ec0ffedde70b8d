/* Driver-side code of the consumer: WDK headers only. */
#include <ntddk.h>
#include <wsk.h>

ULONG ConsumerRoundTrip(void) {
    PIRP irp = IoAllocateIrp(1, FALSE);
    ULONG size;
    if (irp == NULL) {
        return 0;
    }
    size = irp->Size;
    IoFreeIrp(irp);
    return size + (ULONG)sizeof(WSK_BUF);
}
