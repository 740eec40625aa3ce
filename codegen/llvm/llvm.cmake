# The LLVM backend (codegen/llvm/, docs/llvm.md): kiln links LLVM 14's C API (llvm-14-dev,
# found through llvm-config-14), and the runtime kernels are compiled to LLVM bitcode here, at
# kiln's build time, with clang-14, joined into one module with llvm-link-14 and embedded in
# kiln (cgl_runtime_bitcode), so `--target llvm` needs no C compiler when it runs.
find_program(KILN_LLVM_CONFIG llvm-config-14 REQUIRED)
find_program(KILN_CLANG14 clang-14 REQUIRED)
find_program(KILN_LLVM_LINK14 llvm-link-14 REQUIRED)
execute_process(COMMAND ${KILN_LLVM_CONFIG} --includedir OUTPUT_VARIABLE KILN_LLVM_INCLUDE
                OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${KILN_LLVM_CONFIG} --libdir OUTPUT_VARIABLE KILN_LLVM_LIBDIR
                OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
find_library(KILN_LLVM_LIBRARY NAMES LLVM-14 PATHS ${KILN_LLVM_LIBDIR} NO_DEFAULT_PATH REQUIRED)

# The runtime as the generated libraries get it: every runtime/*.c plus the call adapters of
# codegen/llvm/rt/ (uniform entry points the renderer calls). Optimizations are left to the
# model's compile (-disable-llvm-optzns keeps the functions optimizable, not optnone), which
# runs them for the chosen CPU after linking the model in.
file(GLOB KILN_LLVM_RT_EXTRA CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/codegen/llvm/rt/*.c)
set(KILN_LLVM_BC_DIR ${CMAKE_BINARY_DIR}/llvm_rt)
set(KILN_LLVM_BCS "")
foreach(src ${KILN_RUNTIME_SOURCES} ${KILN_LLVM_RT_EXTRA})
  get_filename_component(stem ${src} NAME_WE)
  set(bc ${KILN_LLVM_BC_DIR}/${stem}.bc)
  add_custom_command(
    OUTPUT ${bc}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${KILN_LLVM_BC_DIR}
    COMMAND ${KILN_CLANG14} -std=c11 -Wall -Wextra -Werror -O2 -Xclang -disable-llvm-optzns
            -fPIC -fno-stack-protector -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
            -I${CMAKE_SOURCE_DIR}/runtime -I${CMAKE_SOURCE_DIR}/include/kiln
            -c -emit-llvm -o ${bc} ${src}
    DEPENDS ${src} ${KILN_RUNTIME_HEADERS} ${CMAKE_SOURCE_DIR}/include/kiln/kiln_model.h
    COMMENT "Runtime bitcode ${stem}.bc"
    VERBATIM)
  list(APPEND KILN_LLVM_BCS ${bc})
endforeach()
add_custom_command(
  OUTPUT ${KILN_LLVM_BC_DIR}/krt_runtime.bc
  COMMAND ${KILN_LLVM_LINK14} -o ${KILN_LLVM_BC_DIR}/krt_runtime.bc ${KILN_LLVM_BCS}
  DEPENDS ${KILN_LLVM_BCS}
  COMMENT "Linking the runtime bitcode"
  VERBATIM)
add_custom_command(
  OUTPUT ${CMAKE_BINARY_DIR}/llvm_runtime_bitcode.c
  COMMAND ${CMAKE_COMMAND} -DFILES=${KILN_LLVM_BC_DIR}/krt_runtime.bc -DTABLE=cgl_runtime_bitcode
          -DCOUNT=cgl_runtime_bitcode_count -DOUT=${CMAKE_BINARY_DIR}/llvm_runtime_bitcode.c
          -P ${CMAKE_SOURCE_DIR}/scripts/embed_files.cmake
  DEPENDS ${KILN_LLVM_BC_DIR}/krt_runtime.bc ${CMAKE_SOURCE_DIR}/scripts/embed_files.cmake
  COMMENT "Embedding the runtime bitcode"
  VERBATIM)

file(GLOB KILN_LLVM_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/codegen/llvm/*.c)
target_sources(kilncore PRIVATE ${KILN_LLVM_SOURCES} ${CMAKE_BINARY_DIR}/llvm_runtime_bitcode.c)
# The LLVM headers only for the backend's own files; the rest of kiln never sees them.
set_source_files_properties(${KILN_LLVM_SOURCES} PROPERTIES INCLUDE_DIRECTORIES ${KILN_LLVM_INCLUDE})
target_link_libraries(kilncore PUBLIC ${KILN_LLVM_LIBRARY})
