kiln_add_unit_test(test_passes ${CMAKE_CURRENT_LIST_DIR}/test_passes.c)
