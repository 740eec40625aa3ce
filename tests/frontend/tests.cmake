# Frontend unit tests: safetensors validation, path safety, JSON model loading.
kiln_add_unit_test(frontend_safetensors ${CMAKE_CURRENT_LIST_DIR}/test_safetensors.c
  ${CMAKE_CURRENT_LIST_DIR}/fe_test_files.c)
kiln_add_unit_test(frontend_path ${CMAKE_CURRENT_LIST_DIR}/test_path.c
  ${CMAKE_CURRENT_LIST_DIR}/fe_test_files.c)
kiln_add_unit_test(frontend_json_model ${CMAKE_CURRENT_LIST_DIR}/test_json_model.c
  ${CMAKE_CURRENT_LIST_DIR}/fe_test_files.c)
