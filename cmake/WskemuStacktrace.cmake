# The backend behind src/common/stack_trace.cpp (verifier reports' call
# stacks). WSKEMU_STACKTRACE: auto (default), backtrace, addr2line, basic or
# none. auto picks libbacktrace where GCC ships it (file and line, in
# process, no extra package), else Boost's basic backend (function names
# where the platform can tell them, module and address elsewhere).
set(WSKEMU_STACKTRACE "auto" CACHE STRING "Call stack backend for verifier reports: auto, backtrace, addr2line, basic, none")

function(wskemu_find_libbacktrace include_out library_out)
  set(${include_out} "" PARENT_SCOPE)
  set(${library_out} "" PARENT_SCOPE)
  if(WIN32)
    return()
  endif()
  # GCC's own copy: backtrace.h in its private include directory and
  # libbacktrace.a beside libgcc. Clang uses the same files.
  find_program(WSKEMU_GCC_FOR_BACKTRACE NAMES gcc)
  if(NOT WSKEMU_GCC_FOR_BACKTRACE)
    return()
  endif()
  execute_process(COMMAND ${WSKEMU_GCC_FOR_BACKTRACE} -print-file-name=include OUTPUT_VARIABLE include_dir
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  execute_process(COMMAND ${WSKEMU_GCC_FOR_BACKTRACE} -print-file-name=libbacktrace.a OUTPUT_VARIABLE library
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(EXISTS "${include_dir}/backtrace.h" AND EXISTS "${library}")
    set(${include_out} "${include_dir}" PARENT_SCOPE)
    set(${library_out} "${library}" PARENT_SCOPE)
  endif()
endfunction()

# Configures the object library that compiles stack_trace.cpp and the
# libraries that link it (the arguments after it).
function(wskemu_stacktrace_backend objects)
  set(backend "${WSKEMU_STACKTRACE}")
  if(backend STREQUAL "auto" OR backend STREQUAL "backtrace")
    wskemu_find_libbacktrace(bt_include bt_library)
    if(bt_library)
      set(backend "backtrace")
    elseif(backend STREQUAL "backtrace")
      message(FATAL_ERROR "WSKEMU_STACKTRACE=backtrace, but GCC's libbacktrace was not found")
    else()
      set(backend "basic")
    endif()
  endif()
  if(backend STREQUAL "backtrace")
    # backtrace.h by its full name: GCC's private include directory also
    # holds GCC's own copies of standard headers, which must not shadow
    # Clang's.
    target_compile_definitions(${objects} PRIVATE WSKEMU_STACKTRACE_BACKTRACE
                               "BOOST_STACKTRACE_BACKTRACE_INCLUDE_FILE=\"${bt_include}/backtrace.h\"")
    foreach(library ${ARGN})
      target_link_libraries(${library} PRIVATE "${bt_library}")
    endforeach()
  elseif(backend STREQUAL "addr2line")
    target_compile_definitions(${objects} PRIVATE WSKEMU_STACKTRACE_ADDR2LINE)
  elseif(backend STREQUAL "none")
    target_compile_definitions(${objects} PRIVATE WSKEMU_STACKTRACE_NONE)
  elseif(NOT backend STREQUAL "basic")
    message(FATAL_ERROR "WSKEMU_STACKTRACE must be auto, backtrace, addr2line, basic or none, not '${backend}'")
  endif()
  if(NOT WIN32)
    foreach(library ${ARGN})
      target_link_libraries(${library} PRIVATE ${CMAKE_DL_LIBS})
    endforeach()
  endif()
  message(STATUS "wskemu: verifier call stacks use the '${backend}' backend")
endfunction()
