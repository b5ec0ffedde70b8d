// wskemu: Rtl memory comparison and byte-order helpers. The copy, move,
// fill and zero routines are macros over the C library in rtl.h.
#include <wdm.h>

namespace wskemu::kernel {
namespace {

// Number of leading bytes that match.
SIZE_T count_matching_bytes(const unsigned char* a, const unsigned char* b, SIZE_T length) noexcept {
    SIZE_T i = 0;
    while (i < length && a[i] == b[i]) {
        ++i;
    }
    return i;
}

}  // namespace
}  // namespace wskemu::kernel

/* RtlCompareMemory (ntoskrnl) */
extern "C" SIZE_T NTAPI RtlCompareMemory(const VOID* Source1, const VOID* Source2, SIZE_T Length) {
    if (Length == 0) {
        return 0;
    }
    return wskemu::kernel::count_matching_bytes(static_cast<const unsigned char*>(Source1),
                                                static_cast<const unsigned char*>(Source2), Length);
}

/* RtlUshortByteSwap (ntoskrnl) */
extern "C" USHORT FASTCALL RtlUshortByteSwap(USHORT Source) {
    return static_cast<USHORT>((Source >> 8) | (Source << 8));
}

/* RtlUlongByteSwap (ntoskrnl) */
extern "C" ULONG FASTCALL RtlUlongByteSwap(ULONG Source) {
    return ((Source & 0x000000FFu) << 24) | ((Source & 0x0000FF00u) << 8) | ((Source & 0x00FF0000u) >> 8) |
           ((Source & 0xFF000000u) >> 24);
}

/* RtlUlonglongByteSwap (ntoskrnl) */
extern "C" ULONGLONG FASTCALL RtlUlonglongByteSwap(ULONGLONG Source) {
    return (static_cast<ULONGLONG>(RtlUlongByteSwap(static_cast<ULONG>(Source))) << 32) |
           RtlUlongByteSwap(static_cast<ULONG>(Source >> 32));
}
