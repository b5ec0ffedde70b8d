# wskemu_discover_tests(<target>): registers a GoogleTest executable's cases
# with ctest. In a cross build they are listed when the tests run (under the
# emulator, Wine), not during the build.
include(GoogleTest)

function(wskemu_discover_tests target)
  if(CMAKE_CROSSCOMPILING)
    gtest_discover_tests(${target} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 120 PROPERTIES TIMEOUT 120)
  else()
    gtest_discover_tests(${target} PROPERTIES TIMEOUT 120)
  endif()
endfunction()
