/* The safetensors reader: maps a .safetensors file read-only and validates its whole header
 * before anything touches tensor data.
 *
 * File layout: u64 little-endian N | N bytes of JSON header | data section.
 * The header maps tensor names to {"dtype", "shape", "data_offsets": [begin, end]}, offsets
 * relative to the start of the data section; an optional "__metadata__" maps strings to
 * strings. kiln requires the tensors to tile the data section exactly. */
#ifndef KILN_FE_SAFETENSORS_H
#define KILN_FE_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "../ir/ir.h"

/* One tensor of an open file. */
typedef struct StTensor {
    const char *name; /* owned by the StFile */
    IrDtype dtype;
    int rank;
    int64_t dims[IR_MAX_RANK]; /* dims[0..rank), each >= 0 */
    const void *data;          /* nbytes bytes inside the mapping, row-major, little-endian */
    size_t nbytes;             /* element count x dtype size, == end - begin */
} StTensor;

typedef struct StFile StFile;

/* Largest header accepted (the JSON part), so a hostile length cannot make kiln parse a 4 GiB
 * string. */
#define ST_MAX_HEADER_BYTES (100u * 1024u * 1024u)

/* Opens and validates `path`; display_name names the file in messages. Returns NULL with a
 * message "DISPLAY: ..." on any problem. */
StFile *st_open(const char *path, const char *display_name, Diag *d);

/* The tensor named `name`, or NULL. */
const StTensor *st_find(const StFile *f, const char *name);

/* Number of tensors and the i-th one, in order of data offset. */
int st_count(const StFile *f);
const StTensor *st_tensor(const StFile *f, int i);

/* A tensor's data, in memory that lives as long as g and is aligned to the element size: the
 * mapping itself when the tensor is aligned there (after st_adopt(f, g)), else a copy in g's
 * arena. The format does not align tensors (the header length is arbitrary), and kiln's
 * consumers read constants as typed arrays. */
const void *st_data_for(const StTensor *t, IrGraph *g);

/* Hands the mapping to g, which unmaps it in ir_graph_free; tensor data pointers then live as
 * long as g. Calling it again (with the same graph) does nothing. */
void st_adopt(StFile *f, IrGraph *g);

/* Frees the reader; unmaps the file unless a graph adopted the mapping. NULL is allowed. */
void st_close(StFile *f);

#endif
