# Cross compile wskemu for 64-bit Windows with Debian's MinGW-w64 (posix
# threads flavour, so std::thread, std::mutex and thread_local work) and run
# the results under Wine. Used by scripts/windows/run-tests.sh; docs/windows.md
# explains the whole route.
#
#   cmake -S . -B build/mingw -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake \
#         -DWSKEMU_MINGW_DEPS=build/mingw-deps
#
# WSKEMU_MINGW_DEPS is the dependency prefix made by scripts/windows/build-deps.sh
# (GoogleTest built for the target; fmt, spdlog and Boost headers; CMake config
# files with the usual target names). The host's /usr/include is never searched.

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(_wskemu_triple x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${_wskemu_triple}-gcc-posix)
set(CMAKE_CXX_COMPILER ${_wskemu_triple}-g++-posix)
set(CMAKE_RC_COMPILER ${_wskemu_triple}-windres)
set(CMAKE_AR ${_wskemu_triple}-gcc-ar-posix CACHE FILEPATH "")
set(CMAKE_RANLIB ${_wskemu_triple}-gcc-ranlib-posix CACHE FILEPATH "")

# Dependency prefix: a cache variable, forwarded to try_compile projects, which
# re-read this file.
get_filename_component(_wskemu_repo "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
if(NOT WSKEMU_MINGW_DEPS)
  if(DEFINED ENV{WSKEMU_MINGW_DEPS})
    set(WSKEMU_MINGW_DEPS "$ENV{WSKEMU_MINGW_DEPS}")
  else()
    set(WSKEMU_MINGW_DEPS "${_wskemu_repo}/build/mingw-deps")
  endif()
endif()
get_filename_component(WSKEMU_MINGW_DEPS "${WSKEMU_MINGW_DEPS}" ABSOLUTE)
set(WSKEMU_MINGW_DEPS "${WSKEMU_MINGW_DEPS}" CACHE PATH "Dependency prefix for the MinGW-w64 build")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WSKEMU_MINGW_DEPS)

# Look for libraries, headers and packages only in the MinGW sysroot and our
# prefix; programs (tools run at build time) come from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${_wskemu_triple} "${WSKEMU_MINGW_DEPS}")
set(CMAKE_PREFIX_PATH "${WSKEMU_MINGW_DEPS}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Self-contained executables: libgcc, libstdc++ and winpthread linked in, so
# Wine needs no MinGW DLLs on its path. -static covers winpthread (the posix
# libstdc++ depends on it); the two -static-lib* flags make the intent explicit.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")

# Windows SDK macros (_WIN32_WINNT=0x0A00, WIN32_LEAN_AND_MEAN, NOMINMAX) are NOT
# set here: they would reach driver-side code, which compiles against
# include/wdk and must see the same macros as on Linux. src/CMakeLists.txt adds
# them to the host-side target (src/net) only, inside if(WIN32).

# Test programs run under Wine. The wrapper sets WINEPREFIX (under the build
# tree), WINEDEBUG etc. and starts a detached wineserver if none runs yet, so a
# plain `ctest` works too; run-tests.sh keeps the server warm for the whole run.
# The Wine prefix lives in the build tree (<build>/wine-prefix).
set(CMAKE_CROSSCOMPILING_EMULATOR "${_wskemu_repo}/scripts/windows/wine-run.sh;--prefix;${CMAKE_BINARY_DIR}/wine-prefix")
