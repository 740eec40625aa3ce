/* Passes: one file per pass, one entry point per pass, all with the same signature:
 *     bool pass_NAME(IrGraph *g, const PassOptions *opt, Diag *d);
 * A pass rewrites the graph in place and returns false (with messages in d) on a user error.
 * A pipeline is a flat list of pass names (passes/pipeline.c), run in order. */
#ifndef KILN_PASS_H
#define KILN_PASS_H

#include <stdio.h>

#include "../ir/ir.h"

/* Figures the passes report (kiln compile --stats). Passes add to them; zero-initialize. */
typedef struct PassStats {
    int fused_qkv;         /* attention projections merged (one per group of 2 or 3) */
    int fused_gate_up;     /* gate/up MLP projection pairs merged */
    int fused_ops;         /* nodes folded into fused nodes by fuse-ops */
    int folded;            /* nodes replaced by constants (fold) */
    int removed;           /* nodes removed by simplify, cse and dce */
    int64_t arena_naive;   /* bytes of every planned value laid end to end (plan_memory) */
    int64_t pruned_values; /* weights zeroed or removed by prune */
} PassStats;

typedef struct PassOptions {
    const IrBinding *bindings; /* for pass_bind */
    int n_bindings;
    bool verify_each; /* run ir_verify after every pass of a pipeline */
    /* Text IR of the graph after the named pass (or after every pass) goes to print_to (NULL:
     * stderr), headed by "// after PASS". */
    const char *print_after;
    bool print_after_all;
    FILE *print_to;
    PassStats *stats; /* NULL: not collected */
    /* prune: fraction of weights (0..1) to zero (or, structured, of output channels to remove)
     * in each prunable tensor; 0 keeps every weight and removes only exactly dead channels. */
    double prune_ratio;
    bool prune_structured;
    FILE *report_to; /* prune's per-tensor report (NULL: none) */
    /* quantize (kiln compile --weights, --weights-override): the format of every Linear weight
     * (a name of ir/wformat.h; NULL keeps each weight's stored format), and "PATTERN=TYPE,..."
     * (globs on tensor names, first match wins; NULL: none). */
    const char *weights;
    const char *weights_override;
} PassOptions;

/* bind: gives every symbol named in opt->bindings its value, rewrites every dim that uses a
 * bound symbol into a constant and re-runs shape inference. Fails, naming the symbol and the
 * value it first appears in, if any symbol is still unbound afterwards; codegen needs every
 * shape static. A binding for a symbol the graph does not have is an error too (a typo would
 * otherwise pass silently). */
bool pass_bind(IrGraph *g, const PassOptions *opt, Diag *d);

/* fold: replaces every node whose inputs are all constants (and whose outputs are not graph
 * outputs) by constants computed with the reference interpreter. */
bool pass_fold(IrGraph *g, const PassOptions *opt, Diag *d);

/* simplify: removes no-op nodes (Reshape to the same shape, identity Transpose, Cast to the
 * same dtype, a Transpose of a Transpose that cancels) and algebraic identities (x*1, x+0, x-0,
 * x/1 with a constant all-ones or all-zeros operand that does not broadcast x). */
bool pass_simplify(IrGraph *g, const PassOptions *opt, Diag *d);

/* cse: merges nodes that compute the same op with the same attributes from the same inputs. */
bool pass_cse(IrGraph *g, const PassOptions *opt, Diag *d);

/* dce: removes nodes none of whose outputs reach a graph output, and constants no node reads
 * (their data is dropped; the value stays only as an unused name). */
bool pass_dce(IrGraph *g, const PassOptions *opt, Diag *d);

/* reshape-linear: a Linear (or MatMul by a rank-2 b) between a Reshape that flattens x[..., K]
 * to [M, K] and a Reshape that restores [..., N] reads x and writes [..., N] itself; the Reshapes
 * go (passes/reshape_linear.c has the exact conditions). */
bool pass_reshape_linear(IrGraph *g, const PassOptions *opt, Diag *d);

/* fuse-attention: Transpose/MatMul/scale/causal-mask/Softmax/MatMul/Transpose blocks over heads
 * in [B, S, H, D] layout become one Attention node (passes/fuse_attention.c has the pattern). */
bool pass_fuse_attention(IrGraph *g, const PassOptions *opt, Diag *d);

/* fuse-qkv: two or three projections (Linear, or MatMul by a constant 2-D weight, each with an
 * optional bias) that read the same input become one projection with the weights concatenated
 * and a Split. Counted as fused_gate_up when a pair's outputs meet in Silu(a)*b or a*Silu(b)
 * (a SwiGLU MLP), else fused_qkv. */
bool pass_fuse_qkv(IrGraph *g, const PassOptions *opt, Diag *d);

/* fuse-ops: groups chains of elementwise nodes (float, static shapes) into one FusedElementwise
 * node each, and folds a chain that follows a Linear or MatMul into a FusedLinear epilogue. */
bool pass_fuse_ops(IrGraph *g, const PassOptions *opt, Diag *d);

/* prune: removes exactly dead channels (Linear weight rows that are all zero, with no bias,
 * followed through elementwise ops into the next Linear's matching input columns); with
 * opt->prune_ratio > 0 also magnitude pruning (see PassOptions). Reports per tensor to
 * opt->report_to. Requires static shapes for the report. */
bool pass_prune(IrGraph *g, const PassOptions *opt, Diag *d);

/* quantize: stores Linear weights (and tensors an override names) in the weight formats of
 * opt->weights / opt->weights_override (round to nearest per channel or group, ir/wformat.h);
 * passes/quantize.c has the rules. No-op without either option. */
bool pass_quantize(IrGraph *g, const PassOptions *opt, Diag *d);
/* plan_memory: gives every intermediate value (not a graph input, output or constant) an
 * offset in one workspace arena, reusing the space of values that are no longer live, and sets
 * g->arena_bytes. An elementwise node whose input dies at that node writes its output over the
 * input (in place). Offsets are aligned to 64 bytes. Requires static shapes. Records the size
 * of a plan without reuse in opt->stats->arena_naive. */
bool pass_plan_memory(IrGraph *g, const PassOptions *opt, Diag *d);

/* Runs a comma-separated list of pass names in order ("bind,plan_memory"). An unknown name is
 * an error listing the known ones. */
bool pass_run_pipeline(IrGraph *g, const char *pipeline, const PassOptions *opt, Diag *d);

/* The pipeline of an optimization level 0, 1 or 2 (NULL for another level). Every level binds
 * first and plans memory last, which code generation requires. With prune, level 1 and 2 run
 * pass prune too (level 0 never does). */
const char *pass_pipeline_for_level(int level, bool prune);

/* Sum of the byte sizes of the constants that nodes read or that are graph outputs. */
int64_t pass_weight_bytes(const IrGraph *g);
/* The same split by weight format (ir/wformat.h): by_format[IR_WFMT_COUNT], dense constants of
 * every dtype under IR_WFMT_DENSE. */
void pass_weight_bytes_by_format(const IrGraph *g, int64_t *by_format);

#endif
