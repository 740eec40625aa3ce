# The runtime kernels against naive double-precision loops, conversions, weights helpers.
kiln_add_unit_test(test_runtime_kernels ${CMAKE_CURRENT_LIST_DIR}/test_runtime_kernels.c)
# The thread pool and the Linear kernels (one row, a few, many; odd sizes) on 1, 2 and 3 threads.
kiln_add_unit_test(test_runtime_threads ${CMAKE_CURRENT_LIST_DIR}/test_runtime_threads.c)
# The host API (krt_model.h) against hand-written model tables: weights, workspace and argument
# checks, create from a file, and a decoder's prefill/decode bookkeeping.
kiln_add_unit_test(test_krt_model ${CMAKE_CURRENT_LIST_DIR}/test_krt_model.c)
# Two threads on two contexts of one model (plain and decoder), under ThreadSanitizer.
kiln_add_script_test(runtime_tsan_contexts ${CMAKE_CURRENT_LIST_DIR}/test_tsan_contexts.sh)
