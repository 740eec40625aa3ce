# The C backend: differential tests of every op against the interpreter (each graph is emitted,
# built into a shared library with the system compiler and loaded), and tests of the generated
# API, weights handling, hostile names and the no-mutable-globals rule.
set(KILN_CG_HARNESS ${CMAKE_CURRENT_LIST_DIR}/cg_harness.c)
kiln_add_unit_test(test_codegen_ops ${CMAKE_CURRENT_LIST_DIR}/test_codegen_ops.c ${KILN_CG_HARNESS})
kiln_add_unit_test(test_codegen_api ${CMAKE_CURRENT_LIST_DIR}/test_codegen_api.c ${KILN_CG_HARNESS})
set_tests_properties(test_codegen_ops test_codegen_api PROPERTIES TIMEOUT 300)
kiln_add_unit_test(test_scalar_table ${CMAKE_CURRENT_LIST_DIR}/test_scalar_table.c ${KILN_CG_HARNESS})
set_tests_properties(test_scalar_table PROPERTIES TIMEOUT 300)
