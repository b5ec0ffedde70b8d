# Installation and the wskemu::wskemu package for find_package(wskemu CONFIG).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# wskemu::wskemu (static), wskemu::wdk (driver headers and options),
# wskemu::runtime (shared, for driver modules), wskemu::host (the program),
# wskemu::gtest_main (main() for driver tests, when GoogleTest was found).
set(WSKEMU_INSTALL_TARGETS wskemu wskemu_wdk wskemu_runtime)
if(TARGET wskemu_host)
  list(APPEND WSKEMU_INSTALL_TARGETS wskemu_host)
endif()
set(WSKEMU_PACKAGE_HAS_GTEST_MAIN OFF)
if(TARGET wskemu_gtest_main)
  list(APPEND WSKEMU_INSTALL_TARGETS wskemu_gtest_main)
  set(WSKEMU_PACKAGE_HAS_GTEST_MAIN ON)
endif()
install(TARGETS ${WSKEMU_INSTALL_TARGETS} EXPORT wskemuTargets
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/wdk/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wskemu/wdk)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/wskemu/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wskemu)
install(EXPORT wskemuTargets NAMESPACE wskemu:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wskemu)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/wskemuConfig.cmake.in
  ${PROJECT_BINARY_DIR}/wskemuConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wskemu)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/wskemuConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/wskemuConfig.cmake ${PROJECT_BINARY_DIR}/wskemuConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/WskemuDriver.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wskemu)
