# The llvm backend (codegen/llvm/, docs/llvm.md) through the kiln command: the examples against
# the C backend and the interpreter, embedded weights, no C compiler, llvm-ir, aarch64 objects,
# refusals; and the tiny Hugging Face decoders through `kiln generate`. The differential test of
# every op on every backend (tests/codegen, test_codegen_every_op) covers it per op.
kiln_add_script_test(llvm_examples ${CMAKE_CURRENT_LIST_DIR}/test_llvm.sh $<TARGET_FILE:npy_tool>)
kiln_add_script_test(llvm_decoders ${CMAKE_CURRENT_LIST_DIR}/test_llvm_decoders.sh)
set_tests_properties(llvm_examples llvm_decoders PROPERTIES TIMEOUT 600)
