/* wskemu: a stand-in for the Windows SDK's winsock.h, which driver code never
 * includes. It is found instead of the SDK's because include/wdk comes first on
 * the include path of every file that links wskemu::wskemu; there the SDK's
 * definitions would collide with the WDK's (docs/windows.md). */
#error "wskemu: the Windows SDK headers (<windows.h>, <winsock2.h>) and the WDK headers of wskemu (include/wdk) must not meet in one translation unit; keep host-side code in its own source file (docs/windows.md)"
