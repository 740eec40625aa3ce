# The "quant" op family: interpreter results against hand-computed values (rounding,
# saturation, zero points), and the C backend against the interpreter, bit for bit.
kiln_add_unit_test(test_quant_interp ${CMAKE_CURRENT_LIST_DIR}/test_quant_interp.c
  ${KILN_TEST_DIR}/interp/interp_test.c)
kiln_add_unit_test(test_quant_codegen ${CMAKE_CURRENT_LIST_DIR}/test_quant_codegen.c
  ${KILN_TEST_DIR}/codegen/cg_harness.c)
set_tests_properties(test_quant_codegen PROPERTIES TIMEOUT 300)
kiln_add_unit_test(test_quant_kernels ${CMAKE_CURRENT_LIST_DIR}/test_quant_kernels.c)
