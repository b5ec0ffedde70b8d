# Installation and the wskemu::wskemu package for find_package(wskemu CONFIG).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(WSKEMU_INSTALLED_TARGETS wskemu)
set(WSKEMU_PACKAGE_HAS_GTEST_MAIN OFF)
if(TARGET wskemu_gtest_main)
  list(APPEND WSKEMU_INSTALLED_TARGETS wskemu_gtest_main)
  set(WSKEMU_PACKAGE_HAS_GTEST_MAIN ON)
endif()
install(TARGETS ${WSKEMU_INSTALLED_TARGETS} EXPORT wskemuTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wskemu/wdk ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/wdk/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wskemu/wdk)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/wskemu/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/wskemu)
install(EXPORT wskemuTargets NAMESPACE wskemu:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wskemu)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/wskemuConfig.cmake.in
  ${PROJECT_BINARY_DIR}/wskemuConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wskemu)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/wskemuConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/wskemuConfig.cmake ${PROJECT_BINARY_DIR}/wskemuConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wskemu)
