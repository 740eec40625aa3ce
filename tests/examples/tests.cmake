# The example models' weights are generated (deterministically) at build time into
# examples/<name>/model.safetensors, and the embedding example is built and checked.
find_program(KILN_PYTHON3 python3 REQUIRED)
add_custom_target(example_weights ALL
  COMMAND ${KILN_PYTHON3} ${CMAKE_SOURCE_DIR}/scripts/make_example_weights.py ${CMAKE_SOURCE_DIR}
  COMMENT "Generating the example models' weights"
  VERBATIM)

kiln_add_script_test(examples_embed ${CMAKE_CURRENT_LIST_DIR}/test_embed.sh
  $<TARGET_FILE:npy_tool>)
