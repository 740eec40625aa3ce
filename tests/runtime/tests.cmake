# The runtime kernels against naive double-precision loops, conversions, weights helpers.
kiln_add_unit_test(test_runtime_kernels ${CMAKE_CURRENT_LIST_DIR}/test_runtime_kernels.c)
# CPU detection, KILN_ISA forcing and each kernel table's GEMM tile (krt_isa.h).
kiln_add_unit_test(test_runtime_isa ${CMAKE_CURRENT_LIST_DIR}/test_runtime_isa.c)
# The thread pool and the Linear kernels (one row, a few, many; odd sizes) on 1, 2 and 3 threads,
# on every kernel table this CPU runs.
kiln_add_unit_test(test_runtime_threads ${CMAKE_CURRENT_LIST_DIR}/test_runtime_threads.c)
# The host API (krt_model.h) against hand-written model tables: weights, workspace and argument
# checks, create from a file, and a decoder's prefill/decode bookkeeping.
kiln_add_unit_test(test_krt_model ${CMAKE_CURRENT_LIST_DIR}/test_krt_model.c)
# Two threads on two contexts of one model (plain and decoder), under ThreadSanitizer.
kiln_add_script_test(runtime_tsan_contexts ${CMAKE_CURRENT_LIST_DIR}/test_tsan_contexts.sh)
# test_runtime_threads.c under ThreadSanitizer, built by the test itself (cc -fsanitize=thread).
kiln_add_script_test(runtime_tsan ${CMAKE_CURRENT_LIST_DIR}/test_tsan.sh)
