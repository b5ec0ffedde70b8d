# Runs the wskemu host program and checks its exit status and output.
#   -DPROGRAM=path         the program
#   -DEMULATOR=a~~b        what runs it (Wine in the cross build), if anything
#   -DARGS=a~~b~~c         its arguments, separated by ~~
#   -DEXIT=n               the exit status expected
#   -DEXPECT=re~~re        regular expressions the output (stdout and stderr) must match
#   -DREJECT=re~~re        regular expressions it must not match
foreach(list EMULATOR ARGS EXPECT REJECT)
  string(REPLACE "~~" ";" ${list} "${${list}}")
endforeach()
execute_process(COMMAND ${EMULATOR} ${PROGRAM} ${ARGS}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE status TIMEOUT 60)
set(output "${out}${err}")
set(failed "")
if(NOT "${status}" STREQUAL "${EXIT}")
  string(APPEND failed "exit status ${status}, expected ${EXIT}\n")
endif()
foreach(re IN LISTS EXPECT)
  if(NOT output MATCHES "${re}")
    string(APPEND failed "output does not match: ${re}\n")
  endif()
endforeach()
foreach(re IN LISTS REJECT)
  if(output MATCHES "${re}")
    string(APPEND failed "output matches what it must not: ${re}\n")
  endif()
endforeach()
if(failed)
  string(JOIN " " command ${PROGRAM} ${ARGS})
  message(FATAL_ERROR "${command}\n${failed}--- stdout\n${out}--- stderr\n${err}")
endif()
message(STATUS "${out}${err}")
