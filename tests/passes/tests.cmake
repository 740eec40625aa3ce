kiln_add_unit_test(test_passes ${CMAKE_CURRENT_LIST_DIR}/test_passes.c)
kiln_add_script_test(passes_numeric ${CMAKE_CURRENT_LIST_DIR}/test_numeric.sh
  $<TARGET_FILE:npy_tool>)
set_tests_properties(passes_numeric PROPERTIES TIMEOUT 600)
kiln_add_unit_test(test_op_flags ${CMAKE_CURRENT_LIST_DIR}/test_op_flags.c)
