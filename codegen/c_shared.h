/* What another backend reuses of the C backend (codegen/c/): the public header <prefix>.h, which
 * describes the same exported API whatever renders the library (the llvm backend exports exactly
 * the C backend's <prefix>_* functions and kiln_model), and the weights bytes (a file, or the
 * blob an object embeds). Defined in codegen/c/cgc_shared.c and cgc_weights.c; these call only
 * down into the C backend's writers, never into another backend. */
#ifndef KILN_C_SHARED_H
#define KILN_C_SHARED_H

#include <stdio.h>

#include "backend.h"
#include "module.h"

/* Writes <prefix>.h for module m (the C backend's header, plain model or decoder). */
void cg_c_write_header(FILE *f, const CgModule *m, const CgOptions *opt);
/* Writes the weights file (64-byte header + payload) to path. */
bool cg_c_write_weights_file(const CgModule *m, const char *path, Diag *d);
/* The same bytes in memory (malloc-owned, cg_weights_file_bytes of them into *bytes). */
unsigned char *cg_c_weights_blob(const CgModule *m, size_t *bytes);

#endif
