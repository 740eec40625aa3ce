/* Backends: each turns a planned graph (static shapes, arena offsets) into files. A backend only
 * reads the IR. Chosen by --target. */
#ifndef KILN_BACKEND_H
#define KILN_BACKEND_H

#include "../ir/ir.h"

/* Figures a backend reports about what it emitted (kiln compile --stats). */
typedef struct CgStats {
    int kernels; /* functions the generated code calls per run (one per emitted node) */
} CgStats;

typedef struct CgOptions {
    const char *out_dir; /* existing folder to write into */
    const char *prefix;  /* C identifier prefix of the generated API, e.g. "mlp" */
    bool embed_weights;  /* weights as a const array in the generated C instead of a file */
    CgStats *stats;      /* filled when not NULL */
} CgOptions;

typedef struct CgBackend {
    const char *name; /* "c" */
    /* Writes the generated sources into opt->out_dir. Returns false with messages on a graph
     * the backend cannot compile (for example an op/dtype pair it lacks). */
    bool (*emit)(const IrGraph *g, const CgOptions *opt, Diag *d);
} CgBackend;

const CgBackend *cg_backend_find(const char *name); /* NULL if unknown */

/* The default C identifier prefix for a graph: its name with every byte outside [A-Za-z0-9_]
 * replaced by '_', lower-cased, and prefixed with "m_" if it does not start with a letter.
 * Written into buf (cap bytes). */
const char *cg_default_prefix(const IrGraph *g, char *buf, size_t cap);

#endif
