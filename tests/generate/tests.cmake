# `kiln generate` end to end on tests/hf/models, the samplers of runtime/krt_sample.h, and a
# smoke run of `kiln bench` on a tiny model (the real benchmark is not a test: docs/performance.md).
kiln_add_script_test(generate_hf ${CMAKE_CURRENT_LIST_DIR}/test_generate.sh)
kiln_add_script_test(generate_bench_smoke ${CMAKE_CURRENT_LIST_DIR}/test_bench_smoke.sh)
kiln_add_unit_test(generate_sample ${CMAKE_CURRENT_LIST_DIR}/test_sample.c)
set_tests_properties(generate_hf PROPERTIES TIMEOUT 600)
# `kiln perplexity` against transformers' logits of the five test models, and its errors.
add_test(NAME generate_perplexity COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/test_perplexity.py)
set_tests_properties(generate_perplexity PROPERTIES TIMEOUT 600 ENVIRONMENT
  "KILN=$<TARGET_FILE:kiln>;KILN_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
