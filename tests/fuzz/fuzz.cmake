# Coverage-guided fuzz targets (docs/reliability.md): one libFuzzer program per reader, built
# only with -DKILN_FUZZ=ON and clang. The whole of kiln is compiled with coverage
# instrumentation and ASan+UBSan (the top-level CMakeLists.txt adds those flags); here each
# target links libFuzzer's main. scripts/fuzz.sh builds and runs them.
set(KILN_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})
set(KILN_FUZZ_TARGETS json_model safetensors onnx kir hf_config tokenizer npy pipeline
  serve_request)
foreach(target ${KILN_FUZZ_TARGETS})
  add_executable(fuzz_${target} ${KILN_FUZZ_DIR}/fuzz_${target}.c ${KILN_FUZZ_DIR}/fuzz_util.c)
  target_include_directories(fuzz_${target} PRIVATE ${KILN_FUZZ_DIR})
  target_link_libraries(fuzz_${target} PRIVATE kilntools)
  target_link_options(fuzz_${target} PRIVATE -fsanitize=fuzzer)
  target_compile_definitions(fuzz_${target} PRIVATE KILN_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
endforeach()
add_custom_target(fuzz_all)
foreach(target ${KILN_FUZZ_TARGETS})
  add_dependencies(fuzz_all fuzz_${target})
endforeach()
