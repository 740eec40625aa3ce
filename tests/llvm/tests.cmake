# The llvm backend (codegen/llvm/, docs/llvm.md) through the kiln command: the examples against
# the C backend and the interpreter, embedded weights, no C compiler, llvm-ir, aarch64 objects,
# refusals; and the tiny Hugging Face decoders through `kiln generate`. The differential test of
# every op on every backend (tests/codegen, test_codegen_every_op) covers it per op.
kiln_add_script_test(llvm_examples ${CMAKE_CURRENT_LIST_DIR}/test_llvm.sh $<TARGET_FILE:npy_tool>)
kiln_add_script_test(llvm_decoders ${CMAKE_CURRENT_LIST_DIR}/test_llvm_decoders.sh)
set_tests_properties(llvm_examples llvm_decoders PROPERTIES TIMEOUT 600)
# The ONNX exports of tests/onnx_models that the llvm backend renders whole (bert_int8 needs the
# quantized kernels), through the same
# script and tolerance as the C backend's tests, with KILN_ONNX_TARGET=llvm.
foreach(spec "gpt2_ts;b2s8;b1s13" "gpt2_dynamo;b2s8;b1s13" "resnet;b1;b2" "bert;b2s8;b1s13")
  list(GET spec 0 model)
  list(SUBLIST spec 1 -1 tags)
  kiln_add_script_test(llvm_onnx_${model} ${KILN_TEST_DIR}/onnx_models/test_onnx_model.sh
    $<TARGET_FILE:npy_tool> ${model} 1e-4 ${tags})
  set_property(TEST llvm_onnx_${model} APPEND PROPERTY ENVIRONMENT "KILN_ONNX_TARGET=llvm")
  set_tests_properties(llvm_onnx_${model} PROPERTIES TIMEOUT 300)
endforeach()
