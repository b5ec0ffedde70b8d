# The version is written in three places: project() in CMakeLists.txt (which
# the package config version file reports), vcpkg.json and the vcpkg port.
# Fails if the manifests disagree with the project.
foreach(manifest vcpkg.json ports/wskemu/vcpkg.json)
  file(READ ${WSKEMU_SOURCE_DIR}/${manifest} text)
  string(JSON version GET "${text}" version)
  if(NOT version STREQUAL WSKEMU_VERSION)
    message(FATAL_ERROR "${manifest} says version ${version}, CMakeLists.txt says ${WSKEMU_VERSION}")
  endif()
endforeach()
