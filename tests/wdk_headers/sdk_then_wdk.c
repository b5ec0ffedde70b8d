/* Must not compile: the macro <winsock2.h> leaves behind, then a WDK header;
 * ntdef.h stops the compile (docs/windows.md). Hosts without the SDK can only
 * simulate the SDK header. */
#define _WINSOCK2API_
#include <wsk.h>
