# The runtime kernels against naive double-precision loops, conversions, weights helpers.
kiln_add_unit_test(test_runtime_kernels ${CMAKE_CURRENT_LIST_DIR}/test_runtime_kernels.c)
# The thread pool and the Linear kernels (one row, a few, many; odd sizes) on 1, 2 and 3 threads.
kiln_add_unit_test(test_runtime_threads ${CMAKE_CURRENT_LIST_DIR}/test_runtime_threads.c)
