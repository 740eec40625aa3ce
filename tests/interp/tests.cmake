# The reference interpreter: per-op results against hand-computed values, and whole-graph runs
# (symbol binding, input and run-time errors, rounding between ops, a decoder layer).
set(KILN_INTERP_TEST_HELPERS ${CMAKE_CURRENT_LIST_DIR}/interp_test.c)
kiln_add_unit_test(test_interp_math ${CMAKE_CURRENT_LIST_DIR}/test_interp_math.c
  ${KILN_INTERP_TEST_HELPERS})
kiln_add_unit_test(test_interp_data ${CMAKE_CURRENT_LIST_DIR}/test_interp_data.c
  ${KILN_INTERP_TEST_HELPERS})
kiln_add_unit_test(test_interp_run ${CMAKE_CURRENT_LIST_DIR}/test_interp_run.c
  ${KILN_INTERP_TEST_HELPERS})
