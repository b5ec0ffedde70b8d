# Warning flags for project code: -Wall -Wextra everywhere, -Werror when
# WSKEMU_WERROR is on (the default for a top-level build).
function(wskemu_set_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4 $<$<BOOL:${WSKEMU_WERROR}>:/WX>)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra $<$<BOOL:${WSKEMU_WERROR}>:-Werror>)
  endif()
endfunction()
