# CLI tests: .npy I/O unit tests, a small .npy helper for the shell tests, and the shell tests
# that drive the kiln binary end to end.
kiln_add_unit_test(cli_npy ${CMAKE_CURRENT_LIST_DIR}/test_npy.c)
kiln_add_unit_test(cli_helpers ${CMAKE_CURRENT_LIST_DIR}/test_cli_helpers.c)

add_executable(npy_tool ${CMAKE_CURRENT_LIST_DIR}/npy_tool.c)
target_link_libraries(npy_tool PRIVATE kilntools)

kiln_add_script_test(cli_usage ${CMAKE_CURRENT_LIST_DIR}/test_usage.sh)
kiln_add_script_test(cli_output_dir ${CMAKE_CURRENT_LIST_DIR}/test_output_dir.sh
  $<TARGET_FILE:npy_tool>)
kiln_add_script_test(cli_examples ${CMAKE_CURRENT_LIST_DIR}/test_examples.sh
  $<TARGET_FILE:npy_tool>)
kiln_add_script_test(cli_text_round_trip ${CMAKE_CURRENT_LIST_DIR}/test_text_round_trip.sh
  $<TARGET_FILE:npy_tool>)
kiln_add_script_test(cli_dump_elsewhere ${CMAKE_CURRENT_LIST_DIR}/test_dump_elsewhere.sh
  $<TARGET_FILE:npy_tool>)
kiln_add_script_test(cli_generated_warnings ${CMAKE_CURRENT_LIST_DIR}/test_generated_warnings.sh)
set_tests_properties(cli_examples cli_text_round_trip PROPERTIES TIMEOUT 600)
kiln_add_script_test(cli_target ${CMAKE_CURRENT_LIST_DIR}/test_target.sh)
add_test(NAME cli_interrupt COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/test_interrupt.py)
set_tests_properties(cli_interrupt PROPERTIES ENVIRONMENT "KILN=$<TARGET_FILE:kiln>" TIMEOUT 300)
kiln_add_script_test(cli_no_writable_globals ${CMAKE_CURRENT_LIST_DIR}/test_no_writable_globals.sh)
# KILN_ISA: every kernel table this CPU runs gives the interpreter's outputs; bad values fail.
kiln_add_script_test(cli_isa ${CMAKE_CURRENT_LIST_DIR}/test_isa.sh $<TARGET_FILE:npy_tool>)
