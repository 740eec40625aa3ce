# The runtime kernels against naive double-precision loops, conversions, weights helpers.
kiln_add_unit_test(test_runtime_kernels ${CMAKE_CURRENT_LIST_DIR}/test_runtime_kernels.c)
