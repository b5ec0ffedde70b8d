# Installs the wskemu build into a scratch prefix, then configures, builds and
# runs tests/consumer against it with find_package(wskemu CONFIG).
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${WSKEMU_BINARY_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "cmake --install failed: ${result}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${WSKEMU_CONSUMER_DIR} -B ${WORK_DIR}/build -G ${CMAKE_GENERATOR}
                        -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_C_COMPILER=${C_COMPILER}
                        -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
                RESULT_VARIABLE result)
if(result)
  message(FATAL_ERROR "configuring the consumer failed: ${result}")
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
