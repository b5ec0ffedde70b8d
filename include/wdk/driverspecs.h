/* wskemu: driver annotations, no-ops like the rest of SAL. */
#include <sal.h>
