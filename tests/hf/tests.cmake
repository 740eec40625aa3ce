# Decoder LLMs from Hugging Face folders (frontend/hf, docs/llm.md).
add_executable(hf_decoder_check ${CMAKE_CURRENT_LIST_DIR}/hf_decoder_check.c)
target_include_directories(hf_decoder_check PRIVATE ${CMAKE_SOURCE_DIR}/include)
target_link_libraries(hf_decoder_check PRIVATE ${CMAKE_DL_LIBS} m)
foreach(model glm glm4 llama qwen2 gpt2)
  kiln_add_script_test(hf_model_${model} ${CMAKE_CURRENT_LIST_DIR}/test_hf_model.sh ${model}
    $<TARGET_FILE:hf_decoder_check>)
endforeach()
kiln_add_script_test(hf_malformed ${CMAKE_CURRENT_LIST_DIR}/test_hf_malformed.sh)
# bos/eos ids outside the vocabulary: a warning, the id ignored.
kiln_add_script_test(hf_token_ids ${CMAKE_CURRENT_LIST_DIR}/test_hf_token_ids.sh)
# The interpreter's decoder entry on the same graphs (one-shot, split prefill + decode, full cache).
kiln_add_unit_test(hf_interp ${CMAKE_CURRENT_LIST_DIR}/test_hf_interp.c)
# `kiln run` on decoders: compiled libraries, folders (compiled and --interp), error cases.
kiln_add_script_test(hf_run ${CMAKE_CURRENT_LIST_DIR}/test_hf_run.sh $<TARGET_FILE:npy_tool>)
# glm4v folders (text decoder): both config layouts give glm4's reference; config errors.
kiln_add_script_test(hf_glm4v_text ${CMAKE_CURRENT_LIST_DIR}/test_hf_glm4v_text.sh
  $<TARGET_FILE:hf_decoder_check>)
