/* Reading whole model files into memory, with a size cap, for the text-based frontends. */
#ifndef KILN_FE_FILE_H
#define KILN_FE_FILE_H

#include <stddef.h>

#include "../ir/diag.h"

/* Reads the regular file at `path` into a malloc'd buffer with a NUL appended (the caller
 * frees it) and stores its length, without the NUL, in *len. Refuses files larger than
 * max_bytes. On error records "PATH: cannot open: <reason>" (or a size / not-a-file message)
 * and returns NULL. */
char *fe_file_read(const char *path, size_t max_bytes, size_t *len, Diag *d);

#endif
