# The "cnn" op family: interpreter results against hand-computed values, and the runtime's
# kernels. The backends are compared with the interpreter in tests/codegen/cases_cnn.c.
kiln_add_unit_test(test_cnn_interp ${CMAKE_CURRENT_LIST_DIR}/test_cnn_interp.c
  ${KILN_TEST_DIR}/interp/interp_test.c)
kiln_add_unit_test(test_cnn_kernels ${CMAKE_CURRENT_LIST_DIR}/test_cnn_kernels.c)
