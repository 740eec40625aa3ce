/* Backends: each turns a planned graph (static shapes, arena offsets) into files, and those
 * files into a library. A backend only reads the IR. Chosen by --target; the registry below
 * lists every backend built into kiln, in a fixed order (the first is the default). */
#ifndef KILN_BACKEND_H
#define KILN_BACKEND_H

#include "../ir/ir.h"
#include "module.h"

/* Figures a backend reports about what it emitted (kiln compile --stats). */
typedef struct CgStats {
    int kernels; /* functions the generated code calls per run (one per emitted node) */
} CgStats;

typedef struct CgOptions {
    const char *out_dir; /* existing folder to write into */
    const char *prefix;  /* C identifier prefix of the generated API, e.g. "mlp" */
    bool embed_weights;  /* weights compiled into the library instead of a file */
    CgStats *stats;      /* filled when not NULL */
    const char *cuda_arch; /* the cuda target's GPU architecture ("sm_90" when NULL) */
    /* The llvm backend's (docs/llvm.md); the C backend ignores them. */
    int opt_level;        /* -O0..-O3 of LLVM's pass pipeline; 0 when not given */
    bool emit_ir_only;    /* write <prefix>.ll (the model before the runtime is linked) and no
                           * object file */
    const char *triple;   /* target triple; NULL: the host's */
    const char *cpu;      /* NULL: the host CPU (for the host triple), else "generic" */
    const char *features; /* NULL: the host CPU's features (host triple), else none */
} CgOptions;

/* How build() turns an emitted folder into out_dir/lib<prefix>.so. */
typedef struct CgBuildOptions {
    const char *prefix; /* the prefix emit() was given */
    bool strict;        /* the toolchain's warnings are errors (the tests build this way) */
    bool quick;         /* build fast rather than optimized (test runners: -O0 for C) */
    /* A runtime prebuilt by build_runtime() to link instead of compiling the runtime sources
     * emit() wrote (a test runner building hundreds of models builds the runtime once); NULL:
     * build them. */
    const char *runtime_library;
} CgBuildOptions;

typedef struct CgBackend {
    const char *name;        /* "c": what --target takes */
    const char *description; /* one line for `kiln compile --target list` */
    /* Whether the backend can compile node n of the planned graph g. When not, a reason that
     * completes "the NAME backend does not support this: ..." is written into reason (cap
     * bytes, NUL-terminated). Writes no file and records no error. */
    bool (*supports)(const IrGraph *g, const IrNode *n, char *reason, size_t cap);
    /* Renders the lowered module (codegen/module.h) into opt->out_dir. Returns false with
     * messages on a model the backend cannot compile; then no file of the model is written. */
    bool (*emit)(const CgModule *m, const CgOptions *opt, Diag *d);
    /* Builds out_dir/lib<prefix>.so from what emit() wrote there. Returns false with the
     * toolchain's messages when it fails. */
    bool (*build)(const char *out_dir, const CgBuildOptions *opt, Diag *d);
    /* Builds the runtime alone inside work_dir, for CgBuildOptions.runtime_library; writes its
     * path into out (cap bytes). */
    bool (*build_runtime)(const char *work_dir, char *out, size_t cap, Diag *d);
} CgBackend;

/* The registry: cg_backend_count() backends, cg_backend_at(i) for 0 <= i < count (NULL
 * otherwise), and cg_backend_find(name) (NULL if unknown or name is NULL). */
int cg_backend_count(void);
const CgBackend *cg_backend_at(int i);
const CgBackend *cg_backend_find(const char *name);

/* The backend --target names (NULL: the default, the first registered), or NULL with the error
 * "unknown target 'NAME' (known: c, ...)" recorded in d. */
const CgBackend *cg_backend_for_target(const char *name, Diag *d);

/* Asks b->supports about every node of g and records, for each node it refuses,
 * "FILE: node 'NAME' (OP): the NAME backend does not support this: REASON". True when every
 * node is supported. Run it before anything is written. */
bool cg_backend_check(const CgBackend *b, const IrGraph *g, Diag *d);

/* Checks every node of planned graph g against b (cg_backend_check), lowers g (cg_lower) and
 * has b render the module: what the CLI and the tests call instead of b->emit, which assumes
 * the check passed. */
bool cg_emit(const CgBackend *b, const IrGraph *g, const CgOptions *opt, Diag *d);

/* Whether prefix p would name the generated API into the runtime's namespace: "krt" or
 * "kiln", alone or followed by '_', in any case (krt_model would make <p>_init collide with
 * the runtime's krt_model_init, and the library could not load). */
bool cg_prefix_reserved(const char *p);

/* The default C identifier prefix for a graph: its name with every byte outside [A-Za-z0-9_]
 * replaced by '_', lower-cased, and prefixed with "m_" if it does not start with a letter or
 * would be reserved (cg_prefix_reserved). Written into buf (cap bytes). */
const char *cg_default_prefix(const IrGraph *g, char *buf, size_t cap);

#endif
