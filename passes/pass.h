/* Passes: one file per pass, one entry point per pass, all with the same signature:
 *     bool pass_NAME(IrGraph *g, const PassOptions *opt, Diag *d);
 * A pass rewrites the graph in place and returns false (with messages in d) on a user error.
 * A pipeline is a flat list of pass names (passes/pipeline.c), run in order. */
#ifndef KILN_PASS_H
#define KILN_PASS_H

#include "../ir/ir.h"

typedef struct PassOptions {
    const IrBinding *bindings; /* for pass_bind */
    int n_bindings;
    bool verify_each; /* run ir_verify after every pass of a pipeline */
} PassOptions;

/* bind: gives every symbol named in opt->bindings its value, rewrites every dim that uses a
 * bound symbol into a constant and re-runs shape inference. Fails, naming the symbol and the
 * value it first appears in, if any symbol is still unbound afterwards; codegen needs every
 * shape static. A binding for a symbol the graph does not have is an error too (a typo would
 * otherwise pass silently). */
bool pass_bind(IrGraph *g, const PassOptions *opt, Diag *d);

/* plan_memory: gives every intermediate value (not a graph input, output or constant) an
 * offset in one workspace arena, reusing the space of values that are no longer live, and sets
 * g->arena_bytes. Offsets are aligned to 64 bytes. Requires static shapes. */
bool pass_plan_memory(IrGraph *g, const PassOptions *opt, Diag *d);

/* Runs a comma-separated list of pass names in order ("bind,plan_memory"). An unknown name is
 * an error listing the known ones. */
bool pass_run_pipeline(IrGraph *g, const char *pipeline, const PassOptions *opt, Diag *d);

#endif
