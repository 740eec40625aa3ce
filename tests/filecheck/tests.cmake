# FileCheck tests of the passes: one ctest per folder (tests/filecheck/<pass>/), each running
# every .kir file's "# RUN:" lines through run_filecheck.sh. Needs LLVM's FileCheck (Debian
# llvm-14-tools); without it the tests are not registered and configure says so.
find_program(KILN_FILECHECK NAMES FileCheck FileCheck-14
  HINTS /usr/lib/llvm-14/bin /usr/lib/llvm-15/bin /usr/lib/llvm-16/bin)
if(KILN_FILECHECK)
  file(GLOB KILN_FILECHECK_DIRS LIST_DIRECTORIES true CONFIGURE_DEPENDS
    ${CMAKE_CURRENT_LIST_DIR}/*)
  foreach(dir ${KILN_FILECHECK_DIRS})
    if(IS_DIRECTORY ${dir})
      get_filename_component(pass ${dir} NAME)
      kiln_add_script_test(filecheck_${pass} ${CMAKE_CURRENT_LIST_DIR}/run_filecheck.sh
        ${KILN_FILECHECK} ${dir})
    endif()
  endforeach()
else()
  message(STATUS "FileCheck not found: tests/filecheck is not registered")
endif()
