/* wskemu: the WDK's netioddk.h, reduced to what WSK clients use: the Network
 * Programming Interface identifier types. NMR registration itself (NmrRegister*)
 * is not emulated. Valid C11 and C++20. */
#ifndef _NETIODDK_
#define _NETIODDK_

#include <ntdef.h>

EXTERN_C_START

/* An NPI is named by a GUID (for WSK, NPI_WSK_INTERFACE_ID in wsk.h). */
typedef GUID NPIID;
typedef NPIID *PNPIID;
typedef const NPIID *PCNPIID;

/* Network module identifier (netiodef.h in the WDK). */
typedef enum _NPI_MODULEID_TYPE { MIT_GUID = 1, MIT_IF_LUID } NPI_MODULEID_TYPE;

typedef struct _NPI_MODULEID {
    USHORT Length;
    NPI_MODULEID_TYPE Type;
    union {
        GUID Guid;
        LUID IfLuid;
    };
} NPI_MODULEID;
typedef const NPI_MODULEID *PNPI_MODULEID;

C_ASSERT(sizeof(NPIID) == 16);

EXTERN_C_END

#endif /* _NETIODDK_ */
