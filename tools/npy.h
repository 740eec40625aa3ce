/* NumPy .npy files (format versions 1, 2 and 3) read into and written from IrTensor.
 *
 * Supported element types and their .npy spellings: f32 '<f4', f16 '<f2', f64 '<f8', i8 '|i1',
 * u8 '|u1', i32 '<i4', i64 '<i8', bool '|b1'. Only little-endian, C-ordered (row-major) arrays
 * are accepted; bf16 has no .npy spelling and is refused. Every error is recorded through Diag
 * as "FILE: message". */
#ifndef KILN_NPY_H
#define KILN_NPY_H

#include <stdbool.h>
#include <stddef.h>

#include "ir/diag.h"
#include "ir/interp.h"

/* Caps a header at this many bytes: a real header is under 200 bytes, so anything near this is
 * hostile or corrupt. */
#define NPY_MAX_HEADER_BYTES (1u << 20)

/* Largest .npy file npy_read reads (a model input; far above any real one). */
#define NPY_MAX_FILE_BYTES ((size_t)16 << 30)

/* Parses a whole .npy image held in memory. name labels messages. On success *out holds a
 * freshly allocated tensor (free with ir_tensor_free); on failure *out is zeroed. */
bool npy_parse(const void *buf, size_t len, const char *name, IrTensor *out, Diag *d);

/* Reads the .npy file at path (see npy_parse). */
bool npy_read(const char *path, IrTensor *out, Diag *d);

/* Serialises t as a version 1 .npy image into a malloc'd buffer (*out_buf, *out_len). Fails
 * for dtypes without a .npy spelling (bf16). */
bool npy_format(const IrTensor *t, const char *name, void **out_buf, size_t *out_len, Diag *d);

/* Writes t to path. The file is written under a temporary name and renamed into place, so a
 * failure never leaves a partial file at path. */
bool npy_write(const char *path, const IrTensor *t, Diag *d);

#endif
