/* The runtime's source files, embedded into kiln at build time (scripts/embed_files.cmake), so
 * `kiln compile` can copy them next to the generated code wherever kiln is installed. */
#ifndef KILN_RUNTIME_FILES_H
#define KILN_RUNTIME_FILES_H

#include <stddef.h>

typedef struct CgEmbeddedFile {
    const char *name; /* file name, e.g. "kiln_rt.c" */
    const unsigned char *data;
    size_t size;
} CgEmbeddedFile;

extern const CgEmbeddedFile cg_runtime_files[];
extern const int cg_runtime_file_count;

/* The GPU runtime (runtime/cuda/) that the cuda target writes next to its models: the host
 * part (krt_cuda.c, krt_cuda.h) and the device header NVRTC compiles with each model. */
extern const CgEmbeddedFile cg_cuda_runtime_files[];
extern const int cg_cuda_runtime_file_count;

#endif
