# ONNX frontend tests: malformed models through `kiln compile`, importer unit tests, and ONNX's
# own backend node tests (fetched by scripts/fetch-onnx-tests.sh) through kiln-onnx-test.
kiln_add_script_test(onnx_malformed ${CMAKE_CURRENT_LIST_DIR}/run_malformed.sh)
kiln_add_unit_test(test_onnx_import ${CMAKE_CURRENT_LIST_DIR}/test_onnx_import.c)
# Dropout with training_mode = true: imported as identity with one warning.
kiln_add_script_test(onnx_dropout_training ${CMAKE_CURRENT_LIST_DIR}/test_dropout_training.sh)
if(TARGET kiln-onnx-test)
  if(NOT KILN_SANITIZE)
    kiln_add_script_test(onnx_conformance ${CMAKE_CURRENT_LIST_DIR}/run_conformance.sh
      $<TARGET_FILE:kiln-onnx-test>)
  else()
    # A small subset under the sanitizers: the Add/Mul/Relu/Reshape families.
    kiln_add_script_test(onnx_conformance_subset ${CMAKE_CURRENT_LIST_DIR}/run_conformance.sh
      $<TARGET_FILE:kiln-onnx-test> --filter test_re)
  endif()
endif()
