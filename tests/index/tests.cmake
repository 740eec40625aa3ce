# The "index" op family (ir/ops_index.h) and integer Div: interpreter results against
# hand-computed values, and run-time index errors in compiled code. The backends are compared
# with the interpreter in tests/codegen/cases_index.c (and cases_core.c for Div).
kiln_add_unit_test(test_index_interp ${CMAKE_CURRENT_LIST_DIR}/test_index_interp.c
  ${KILN_TEST_DIR}/interp/interp_test.c)
kiln_add_unit_test(test_index_codegen ${CMAKE_CURRENT_LIST_DIR}/test_index_codegen.c
  ${KILN_TEST_DIR}/codegen/cg_harness.c)
set_tests_properties(test_index_codegen PROPERTIES TIMEOUT 300)
