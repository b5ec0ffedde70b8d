/* Entry point of the WDM layout test driver. */
#ifndef WSKEMU_TEST_WDM_LAYOUT_DRIVER_H
#define WSKEMU_TEST_WDM_LAYOUT_DRIVER_H
#include <ntddk.h>
EXTERN_C_START
ULONG WdmLayoutDriverReadIrp(PIRP Irp);
EXTERN_C_END
#endif
