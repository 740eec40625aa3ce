kiln_add_unit_test(test_ir_shape ${CMAKE_CURRENT_LIST_DIR}/test_shape.c)
kiln_add_unit_test(test_ir_graph ${CMAKE_CURRENT_LIST_DIR}/test_graph.c)
