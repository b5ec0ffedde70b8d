# wskemu_add_driver(<name> SOURCES <file>... [CHECKED])
#
# Builds driver code as a module the wskemu host program loads
# (`wskemu run <name>.so` on Linux, `wskemu run <name>.dll` on Windows). The
# sources include only WDK headers (<ntddk.h>, <wsk.h>, ...) and export
# DriverEntry as a WDK driver does; nothing in them names wskemu.
#
#   CHECKED   a checked build: DBG=1, so ASSERT and NT_ASSERT are live even
#             in a release configuration (otherwise DBG follows NDEBUG).
#
# The module links wskemu::runtime, the shared library the host program links
# too: a process holds one emulated kernel, and kernel and WSK symbols resolve
# when the module loads (a Windows DLL cannot leave them undefined). Add more
# sources, include directories or definitions to <name> with the usual target_*
# commands. Works in the wskemu tree, through add_subdirectory(wskemu), and
# after find_package(wskemu). docs/host.md explains the choices.
function(wskemu_add_driver name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "CHECKED" "" "SOURCES")
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "wskemu_add_driver(${name}): SOURCES is required")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "wskemu_add_driver(${name}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()

  add_library(${name} MODULE ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE wskemu::wdk wskemu::runtime)
  # <name>.so / <name>.dll; DriverEntry stays visible even when the project
  # hides symbols by default.
  set_target_properties(${name} PROPERTIES PREFIX "" C_VISIBILITY_PRESET default CXX_VISIBILITY_PRESET default
                                           VISIBILITY_INLINES_HIDDEN OFF)
  if(arg_CHECKED)
    target_compile_definitions(${name} PRIVATE DBG=1)
  endif()
  if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
    # Driver code is written for MSVC, which does not optimise on strict
    # aliasing; casts between SOCKADDR types and CONTAINING_RECORD are common.
    target_compile_options(${name} PRIVATE -fno-strict-aliasing)
  endif()
  if(MINGW)
    # No MinGW runtime DLLs (libgcc, libstdc++, winpthread) to ship beside it.
    target_link_options(${name} PRIVATE -static-libgcc -static-libstdc++ -static)
  endif()
endfunction()
