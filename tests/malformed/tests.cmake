# Malformed inputs: one case folder per way a model can be wrong, run through `kiln compile`.
kiln_add_script_test(malformed_inputs ${CMAKE_CURRENT_LIST_DIR}/run.sh)
