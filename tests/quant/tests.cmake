# The "quant" op family: interpreter results against hand-computed values (rounding,
# saturation, zero points), and the runtime's kernels. The backends are compared with the
# interpreter, bit for bit, in tests/codegen/cases_quant.c.
kiln_add_unit_test(test_quant_interp ${CMAKE_CURRENT_LIST_DIR}/test_quant_interp.c
  ${KILN_TEST_DIR}/interp/interp_test.c)
kiln_add_unit_test(test_quant_kernels ${CMAKE_CURRENT_LIST_DIR}/test_quant_kernels.c)
