# The backends: tests of the generated API, weights handling, hostile names and the
# no-mutable-globals rule (each graph is emitted, built into a shared library with the system
# compiler and loaded).
set(KILN_CG_HARNESS ${CMAKE_CURRENT_LIST_DIR}/cg_harness.c)
kiln_add_unit_test(test_codegen_api ${CMAKE_CURRENT_LIST_DIR}/test_codegen_api.c ${KILN_CG_HARNESS})
set_tests_properties(test_codegen_api PROPERTIES TIMEOUT 300)
# The differential test of every op against the interpreter on every registered backend: one
# case per op, in a table built from the op list (cg_cases.h), so an op without a case fails to
# link. The cases are grouped by op family, one file each (cases_<family>.c).
kiln_add_unit_test(test_codegen_every_op ${CMAKE_CURRENT_LIST_DIR}/test_codegen_every_op.c
  ${CMAKE_CURRENT_LIST_DIR}/cases_core.c ${CMAKE_CURRENT_LIST_DIR}/cases_math.c
  ${CMAKE_CURRENT_LIST_DIR}/cases_cnn.c ${CMAKE_CURRENT_LIST_DIR}/cases_quant.c
  ${CMAKE_CURRENT_LIST_DIR}/cases_index.c ${CMAKE_CURRENT_LIST_DIR}/cases_fused.c
  ${CMAKE_CURRENT_LIST_DIR}/cases_llm.c ${KILN_CG_HARNESS})
set_tests_properties(test_codegen_every_op PROPERTIES TIMEOUT 600)
# Every row of the scalar-function table (ir/scalar.h): its C template against its reference.
kiln_add_unit_test(test_scalar_table ${CMAKE_CURRENT_LIST_DIR}/test_scalar_table.c ${KILN_CG_HARNESS})
set_tests_properties(test_scalar_table PROPERTIES TIMEOUT 300)
# The kernel records of the lowered module (codegen/lower_kernels*.c), and the list of ops
# without one in docs/architecture.md.
kiln_add_unit_test(test_lower_kernels ${CMAKE_CURRENT_LIST_DIR}/test_lower_kernels.c ${KILN_CG_HARNESS})
