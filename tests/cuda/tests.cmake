# The CUDA backend on a machine without a GPU (NVRTC compiles, the libraries link, create()
# reports the missing device); skipped where NVRTC is not installed. The GPU checks are
# scripts/gpu-check.sh (docs/cuda.md).
kiln_add_script_test(cuda_ci ${CMAKE_CURRENT_LIST_DIR}/test_cuda_ci.sh)
set_tests_properties(cuda_ci PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)
