# The text IR: print/parse round trips, malformed inputs, and Graphviz output.
kiln_add_unit_test(test_text_roundtrip ${CMAKE_CURRENT_LIST_DIR}/test_text_roundtrip.c
                   ${CMAKE_CURRENT_LIST_DIR}/text_test.c)
kiln_add_unit_test(test_text_errors ${CMAKE_CURRENT_LIST_DIR}/test_text_errors.c
                   ${CMAKE_CURRENT_LIST_DIR}/text_test.c)
kiln_add_unit_test(test_text_dot ${CMAKE_CURRENT_LIST_DIR}/test_text_dot.c
                   ${CMAKE_CURRENT_LIST_DIR}/text_test.c)
