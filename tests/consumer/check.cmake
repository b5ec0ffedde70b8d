# Installs the wskemu build into a scratch prefix, then configures, builds and
# runs tests/consumer against it with find_package(wskemu 0.1 CONFIG); checks
# the package reports WSKEMU_VERSION and refuses a request for the next minor
# version (SameMinorVersion compatibility).
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${WSKEMU_BINARY_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "cmake --install failed: ${result}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${WSKEMU_CONSUMER_DIR} -B ${WORK_DIR}/build -G ${CMAKE_GENERATOR}
                        -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_C_COMPILER=${C_COMPILER}
                        -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
                RESULT_VARIABLE result OUTPUT_VARIABLE output)
if(result)
  message(FATAL_ERROR "configuring the consumer failed: ${result}\n${output}")
endif()
if(NOT output MATCHES "found wskemu ${WSKEMU_VERSION}\n")
  message(FATAL_ERROR "the installed package does not report version ${WSKEMU_VERSION}:\n${output}")
endif()
string(REPLACE "." ";" parts ${WSKEMU_VERSION})
list(GET parts 0 major)
list(GET parts 1 minor)
math(EXPR next_minor "${minor} + 1")
execute_process(COMMAND ${CMAKE_COMMAND} -S ${WSKEMU_CONSUMER_DIR} -B ${WORK_DIR}/build-newer -G ${CMAKE_GENERATOR}
                        -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_C_COMPILER=${C_COMPILER}
                        -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DWSKEMU_CONSUMER_REQUIRES=${major}.${next_minor}
                RESULT_VARIABLE result OUTPUT_QUIET ERROR_QUIET)
if(NOT result)
  message(FATAL_ERROR "find_package(wskemu ${major}.${next_minor}) accepted version ${WSKEMU_VERSION}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "building the consumer failed: ${result}")
endif()
execute_process(COMMAND ${WORK_DIR}/build/consumer RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "the consumer failed: ${result}")
endif()
# The installed host program runs the consumer's driver module.
execute_process(COMMAND ${WORK_DIR}/prefix/bin/wskemu run ${WORK_DIR}/build/consumer_driver${MODULE_SUFFIX} --for 0
                RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE errors)
if(result OR NOT output MATCHES "DriverUnload +called" OR NOT errors MATCHES "consumer driver: unloaded")
  message(FATAL_ERROR "wskemu run consumer_driver failed (${result}):\n${output}${errors}")
endif()
