// wskemu: facts about the host the network layer runs on.
#include "host.hpp"

#if defined(_WIN32)
#include <windows.h>
#endif

namespace wskemu::net {

bool running_under_wine() noexcept {
#if defined(_WIN32)
    HMODULE ntdll = GetModuleHandleA("ntdll.dll");
    return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
#else
    return false;
#endif
}

}  // namespace wskemu::net
