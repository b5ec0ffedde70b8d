# wskemu as a vcpkg overlay port. It builds the wskemu checkout it lives in
# (this file is <checkout>/ports/wskemu/portfile.cmake), so
#   vcpkg install wskemu --overlay-ports=<checkout>/ports
# or "overlay-ports" in a project's vcpkg-configuration.json installs exactly
# that tree (docs/windows.md). The library is static only.
get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)

vcpkg_check_linkage(ONLY_STATIC_LIBRARY)

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        -DWSKEMU_BUILD_TESTS=OFF
        -DWSKEMU_BUILD_EXAMPLES=OFF
        -DWSKEMU_BUILD_BENCH=OFF
        -DWSKEMU_WERROR=OFF
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(CONFIG_PATH lib/cmake/wskemu)

# Headers are installed once, by the release build.
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug/include" "${CURRENT_PACKAGES_DIR}/debug/share")

if(EXISTS "${SOURCE_PATH}/LICENSE")
    vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
else()
    file(WRITE "${CURRENT_PACKAGES_DIR}/share/${PORT}/copyright"
         "wskemu ${VERSION}: the checkout this port was built from has no LICENSE file; see its README.md.\n")
endif()
