/* Running a model in-process: the object file the llvm backend emits (<prefix>.o, runtime
 * included) loaded into LLVM's ORC LLJIT, its libc/libm/pthread references resolved from the
 * running kiln, and its `kiln_model` descriptor (include/kiln/kiln_model.h) looked up; no
 * shared library is linked or written (docs/llvm.md). Implemented in codegen/llvm/cgl_jit.c. */
#ifndef KILN_JIT_H
#define KILN_JIT_H

#include "../ir/diag.h"

typedef struct CgJit CgJit;

/* Loads object_path into a fresh JIT; *model gets the address of its kiln_model. False with a
 * message naming the file when the object does not load or has no kiln_model. */
bool cg_jit_open(const char *object_path, CgJit **out, const void **model, Diag *d);
/* Frees the JIT and the code it holds; NULL is a no-op. */
void cg_jit_close(CgJit *j);

#endif
