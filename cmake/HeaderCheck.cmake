# Every public header must compile on its own: one generated translation unit per header under
# include/autotask_sync/ (C++) and for capi/autotask_sync.h (as C and as C++), each including its
# header twice (the second time checks the include guard), built with the project's warnings as
# the OBJECT library autotask_sync_header_check. A header that leans on an include its users
# happened to make first fails the build here, not in a host's code.
# The sanitizer presets turn it off: it compiles, it runs nothing.
option(AUTOTASK_SYNC_HEADER_CHECK "Compile every public header on its own" ON)

function(autotask_sync_header_check)
  if(NOT AUTOTASK_SYNC_HEADER_CHECK)
    return()
  endif()
  file(GLOB_RECURSE headers CONFIGURE_DEPENDS RELATIVE ${PROJECT_SOURCE_DIR}/include
       ${PROJECT_SOURCE_DIR}/include/autotask_sync/*.hpp)
  set(dir ${PROJECT_BINARY_DIR}/header_check)
  set(sources "")
  foreach(header IN LISTS headers)
    string(MAKE_C_IDENTIFIER "${header}" name)
    file(CONFIGURE OUTPUT ${dir}/${name}.cpp
         CONTENT "#include <${header}>\n#include <${header}>\n" @ONLY)
    list(APPEND sources ${dir}/${name}.cpp)
  endforeach()
  foreach(language c cpp)
    file(CONFIGURE OUTPUT ${dir}/capi_autotask_sync_h.${language}
         CONTENT "#include \"autotask_sync.h\"\n#include \"autotask_sync.h\"\n" @ONLY)
    list(APPEND sources ${dir}/capi_autotask_sync_h.${language})
  endforeach()
  add_library(autotask_sync_header_check OBJECT ${sources})
  # Only the usage requirements of the library (include paths, definitions), nothing of src/.
  target_link_libraries(autotask_sync_header_check PRIVATE autotask_sync)
  autotask_sync_warnings(autotask_sync_header_check)
endfunction()
