# Real ONNX exports (docs/onnx-models.md): each model in tests/onnx_models/<model>/ is compiled and
# interpreted by kiln for every stored shape, and its outputs compared with onnxruntime's.
#
# kiln_add_onnx_model_test(MODEL TOL TAG...) registers onnx_model_<MODEL>; TOL is the bound of
# npy_tool compare (TOL x max(1, |ref|)): 1e-4 for every model, bert_int8 included (the
# reasoning is in docs/onnx-models.md). A model is registered here only once kiln passes it:
# docs/onnx-models.md lists which ops still block each of them.
function(kiln_add_onnx_model_test model tol)
  kiln_add_script_test(onnx_model_${model} ${KILN_TEST_DIR}/onnx_models/test_onnx_model.sh
    $<TARGET_FILE:npy_tool> ${model} ${tol} ${ARGN})
  set_tests_properties(onnx_model_${model} PROPERTIES TIMEOUT 300)
endfunction()

kiln_add_onnx_model_test(gpt2_ts 1e-4 b2s8 b1s13)
kiln_add_onnx_model_test(resnet 1e-4 b1 b2)
kiln_add_onnx_model_test(bert 1e-4 b2s8 b1s13)
kiln_add_onnx_model_test(gpt2_dynamo 1e-4 b2s8 b1s13)
kiln_add_onnx_model_test(bert_int8 1e-4 b2s8 b1s13)
# Not an export: a hand-built MLP shaped like one of a model left in training mode (Dropout with
# training_mode = true), made by scripts/onnx/make_dropout_training.py.
kiln_add_onnx_model_test(dropout_training 1e-4 b2 b3)
