# The math op family (ir/ops_math.h): interpreter results against hand-computed values. The
# backends are compared with the interpreter in tests/codegen/cases_math.c.
kiln_add_unit_test(test_math_interp ${CMAKE_CURRENT_LIST_DIR}/test_math_interp.c
  ${KILN_TEST_DIR}/interp/interp_test.c)
