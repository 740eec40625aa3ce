# The "cnn" op family: interpreter results against hand-computed values, and the C backend
# against the interpreter on random inputs.
kiln_add_unit_test(test_cnn_interp ${CMAKE_CURRENT_LIST_DIR}/test_cnn_interp.c
  ${KILN_TEST_DIR}/interp/interp_test.c)
kiln_add_unit_test(test_cnn_codegen ${CMAKE_CURRENT_LIST_DIR}/test_cnn_codegen.c
  ${KILN_TEST_DIR}/codegen/cg_harness.c)
set_tests_properties(test_cnn_codegen PROPERTIES TIMEOUT 300)
kiln_add_unit_test(test_cnn_kernels ${CMAKE_CURRENT_LIST_DIR}/test_cnn_kernels.c)
