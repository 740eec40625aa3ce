# The "quant" op family: interpreter results against hand-computed values (rounding,
# saturation, zero points), and the runtime's kernels. The backends are compared with the
# interpreter, bit for bit, in tests/codegen/cases_quant.c.
kiln_add_unit_test(test_quant_interp ${CMAKE_CURRENT_LIST_DIR}/test_quant_interp.c
  ${KILN_TEST_DIR}/interp/interp_test.c)
kiln_add_unit_test(test_quant_kernels ${CMAKE_CURRENT_LIST_DIR}/test_quant_kernels.c)
# Weight formats (docs/quantization.md): the layout table, round trips, the portable kernels,
# the verifier's rule and the text form.
kiln_add_unit_test(test_wformat ${CMAKE_CURRENT_LIST_DIR}/test_wformat.c)
# Every weight format compiled by every backend against the interpreter, and the quantize pass.
kiln_add_unit_test(test_wformat_codegen ${CMAKE_CURRENT_LIST_DIR}/test_wformat_codegen.c
  ${KILN_TEST_DIR}/codegen/cg_harness.c)
set_tests_properties(test_wformat_codegen PROPERTIES TIMEOUT 600)
# The Hugging Face test checkpoints at bf16, i8 and int4 against transformers' logits, within
# the measured bounds (tests/quant/test_hf_quant.sh).
kiln_add_script_test(hf_quant ${CMAKE_CURRENT_LIST_DIR}/test_hf_quant.sh
  $<TARGET_FILE:hf_decoder_check>)
set_tests_properties(hf_quant PROPERTIES TIMEOUT 600)
# Every format's bytes and dequantization against a numpy reference (numpy pip-installed into
# the build folder's quant-venv on first use; skipped without pip).
add_test(NAME wformat_numpy COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/test_wformat_numpy.py)
set_tests_properties(wformat_numpy PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77 ENVIRONMENT
  "KILN_SOURCE_DIR=${CMAKE_SOURCE_DIR};KILN_BINARY_DIR=${CMAKE_BINARY_DIR};KILN=$<TARGET_FILE:kiln>")
