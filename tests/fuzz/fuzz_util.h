/* Helpers the fuzz targets share: a private scratch folder per process for the files a reader
 * must find on disk (kiln's readers take paths, and several resolve further files beside the
 * model), and splitting one fuzz input into the parts of a multi-file model. */
#ifndef KILN_FUZZ_UTIL_H
#define KILN_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontend/frontend.h"

/* The scratch folder, created on first use under $TMPDIR (or /dev/shm, memory-backed, when it
 * exists) and removed at exit. */
const char *fuzz_dir(void);

/* fuzz_dir()/name in a static buffer (one per call site is enough: the targets build paths
 * once at start-up and keep copies). Returns a malloc'd copy. */
char *fuzz_path(const char *name);

/* Writes data to fuzz_dir()/name, replacing it; aborts if the scratch folder is unusable
 * (a broken harness, not a finding in kiln). */
void fuzz_write(const char *name, const void *data, size_t n);

/* Removes fuzz_dir()/name and everything below it (a compile's output folder). */
void fuzz_remove(const char *name);

/* Splits data at the first occurrence of sep: the part before into a (alen bytes), the part after
 * into b (blen bytes). Without sep, the whole input is the first part and the second is empty. */
void fuzz_split(const uint8_t *data, size_t size, const char *sep, const uint8_t **a, size_t *alen,
                const uint8_t **b, size_t *blen);

/* Writes data to fuzz_dir()/name and loads it with fe_load_model (the reader the name's
 * extension picks), as `kiln compile` would. Returns the graph or NULL; messages go to d. */
struct IrGraph *fuzz_load_model(const char *name, const uint8_t *data, size_t size, struct Diag *d);

/* A valid safetensors image of one tensor "w": F32 [2, 3] = 1..6 (what the seed models read). */
extern const uint8_t fuzz_good_safetensors[];
extern const size_t fuzz_good_safetensors_len;

#endif
