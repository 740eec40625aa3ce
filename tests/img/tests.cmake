# Images for vision-language models: `kiln preprocess` against Pillow's resize and a Python
# statement of the GLM-4.1V image processor (numpy and pillow pip-installed into img-venv).
add_test(NAME img_preprocess COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/test_preprocess.py)
set_tests_properties(img_preprocess PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77 ENVIRONMENT
  "KILN_SOURCE_DIR=${CMAKE_SOURCE_DIR};KILN_BINARY_DIR=${CMAKE_BINARY_DIR};KILN=$<TARGET_FILE:kiln>")
