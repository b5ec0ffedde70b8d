// wskemu: the WSK network programming interface id, which netio exports and
// drivers pass in WSK_EVENT_CALLBACK_CONTROL.NpiId.
#include <wsk.h>

/* NPI_WSK_INTERFACE_ID (netio): {2227E803-8D8B-11D4-ABAD-009027719E09} */
extern "C" const NPIID NPI_WSK_INTERFACE_ID = {0x2227E803, 0x8D8B, 0x11D4,
                                               {0xAB, 0xAD, 0x00, 0x90, 0x27, 0x71, 0x9E, 0x09}};
