kiln_add_unit_test(test_ir_shape ${CMAKE_CURRENT_LIST_DIR}/test_shape.c)
kiln_add_unit_test(test_ir_graph ${CMAKE_CURRENT_LIST_DIR}/test_graph.c)
# The layering rule of docs/architecture.md: no two source files (of the IR, the passes, the
# frontends, code generation or the runtime) call each other, directly or through others.
add_test(NAME no_call_cycles COMMAND python3 ${CMAKE_SOURCE_DIR}/scripts/call_cycles.py
  ir passes frontend codegen runtime WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
