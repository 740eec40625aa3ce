# `kiln serve` on loopback with the tiny gpt2 of tests/hf/models: the official openai client
# (pip-installed into the build folder's serve-venv on first use; skipped without pip), and
# fault tests with raw sockets (docs/serve.md).
foreach(t openai faults)
  add_test(NAME serve_${t} COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/test_serve_${t}.py)
  set_tests_properties(serve_${t} PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77 ENVIRONMENT
    "KILN_SOURCE_DIR=${CMAKE_SOURCE_DIR};KILN_BINARY_DIR=${CMAKE_BINARY_DIR};KILN=$<TARGET_FILE:kiln>")
endforeach()
