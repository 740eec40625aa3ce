# The ONNX frontend: C code generated from frontend/onnx/onnx.proto by protoc-c, compiled into
# kilncore and linked with libprotobuf-c. Included by the top-level CMakeLists.txt.
find_program(KILN_PROTOC_C protoc-c REQUIRED)
find_path(PROTOBUF_C_INCLUDE_DIR protobuf-c/protobuf-c.h REQUIRED)
find_library(PROTOBUF_C_LIBRARY protobuf-c REQUIRED)

set(KILN_ONNX_GEN_DIR ${CMAKE_BINARY_DIR}/onnx_gen)
add_custom_command(
  OUTPUT ${KILN_ONNX_GEN_DIR}/onnx.pb-c.c ${KILN_ONNX_GEN_DIR}/onnx.pb-c.h
  COMMAND ${CMAKE_COMMAND} -E make_directory ${KILN_ONNX_GEN_DIR}
  COMMAND ${KILN_PROTOC_C} --proto_path=${CMAKE_SOURCE_DIR}/frontend/onnx
          --c_out=${KILN_ONNX_GEN_DIR} ${CMAKE_SOURCE_DIR}/frontend/onnx/onnx.proto
  DEPENDS ${CMAKE_SOURCE_DIR}/frontend/onnx/onnx.proto
  COMMENT "Generating C from onnx.proto"
  VERBATIM)
target_sources(kilncore PRIVATE ${KILN_ONNX_GEN_DIR}/onnx.pb-c.c)
# Generated code is not ours to keep warning-free.
set_source_files_properties(${KILN_ONNX_GEN_DIR}/onnx.pb-c.c PROPERTIES COMPILE_OPTIONS "-w")
target_include_directories(kilncore PUBLIC ${KILN_ONNX_GEN_DIR} ${PROTOBUF_C_INCLUDE_DIR})
target_link_libraries(kilncore PUBLIC ${PROTOBUF_C_LIBRARY})
