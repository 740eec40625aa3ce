/* pass prune: dead-weight pruning of projection weights (f32 Linear weights and f32 constant
 * MatMul weights of rank 2).
 *
 * Structured (always exact for channels that are entirely zero; with opt->prune_structured also
 * the prune_ratio fraction of output channels with the smallest L1 norm): for Linear A
 * (transpose_w=1, w[N, K], bias[N]) whose output reaches exactly one Linear B (transpose_w=1,
 * w[M, N]) through single-reader elementwise ops that map 0 to 0 (Relu, Gelu, Silu, Tanh, Neg),
 * channel c is removed from A's weight rows and bias and from B's weight columns; shapes are then
 * re-inferred. A channel is exactly dead when its row and bias are all zero.
 * Magnitude (prune_ratio > 0, not structured): the prune_ratio fraction of smallest-|w|
 * elements of each weight is set to zero.
 * With opt->report_to and static input shapes, prints per pruned tensor the relative L2 change
 * of the first model output on a fixed pseudo-random input, cumulative in pruning order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../ir/interp.h"
#include "pass_util.h"

typedef struct PruneRef {
    IrTensor *inputs;
    IrTensor out;
    bool ok;
} PruneRef;

static void prune_ref_init(const IrGraph *g, PruneRef *r, Diag *d) {
    memset(r, 0, sizeof *r);
    r->inputs = calloc((size_t)g->n_inputs + 1, sizeof *r->inputs);
    KILN_ASSERT(r->inputs != NULL);
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < g->n_inputs; i++) {
        const IrType *t = &g->values[g->inputs[i]].type;
        int64_t dims[IR_MAX_RANK];
        if (!ir_type_is_static(t) || !ir_dtype_is_float(t->dtype)) return;
        for (int k = 0; k < t->rank; k++) dims[k] = t->dims[k].size;
        if (!ir_tensor_alloc(&r->inputs[i], t->dtype, t->rank, dims)) return;
        if (t->dtype != IR_DTYPE_F32) return;
        float *p = r->inputs[i].data;
        for (int64_t e = 0; e < ir_tensor_numel(&r->inputs[i]); e++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            p[e] = (float)((double)(s >> 11) / 9007199254740992.0 * 2.0 - 1.0);
        }
    }
    IrTensor *outs = calloc((size_t)g->n_outputs, sizeof *outs);
    KILN_ASSERT(outs != NULL);
    Diag tmp;
    diag_init(&tmp);
    r->ok = interp_run(g, r->inputs, outs, &tmp);
    diag_free(&tmp);
    (void)d;
    if (r->ok) r->out = outs[0];
    for (int i = r->ok ? 1 : 0; i < g->n_outputs && r->ok; i++) ir_tensor_free(&outs[i]);
    free(outs);
}

/* Relative L2 change of output 0 against the reference; -1 when it cannot be measured. */
static double prune_ref_change(const IrGraph *g, const PruneRef *r) {
    if (!r->ok) return -1;
    IrTensor *outs = calloc((size_t)g->n_outputs, sizeof *outs);
    KILN_ASSERT(outs != NULL);
    Diag tmp;
    diag_init(&tmp);
    double change = -1;
    if (interp_run(g, r->inputs, outs, &tmp)) {
        double num = 0, den = 0;
        for (int64_t e = 0; e < ir_tensor_numel(&r->out); e++) {
            double a = ir_tensor_get(&r->out, e), b = ir_tensor_get(&outs[0], e);
            num += (a - b) * (a - b);
            den += a * a;
        }
        change = den > 0 ? sqrt(num / den) : sqrt(num);
        for (int i = 0; i < g->n_outputs; i++) ir_tensor_free(&outs[i]);
    }
    diag_free(&tmp);
    free(outs);
    return change;
}

static void prune_ref_free(const IrGraph *g, PruneRef *r) {
    for (int i = 0; i < g->n_inputs; i++) ir_tensor_free(&r->inputs[i]);
    free(r->inputs);
    ir_tensor_free(&r->out);
}

static int prune_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The weight of a prunable projection node, or -1. */
static int prune_weight(const IrGraph *g, const IrNode *n) {
    if (n->op != IR_OP_LINEAR && n->op != IR_OP_MATMUL) return -1;
    int w = n->inputs[1];
    if (!pu_is_const(g, w) || g->values[w].type.dtype != IR_DTYPE_F32 ||
        ir_wformat_is_packed(g->values[w].wformat) || g->values[w].type.rank != 2)
        return -1;
    return w;
}

/* Replaces constant input `slot` of node ni by a new f32 constant of the given shape. */
static int prune_new_const(IrGraph *g, int ni, int slot, const float *data, int rank,
                           const int64_t *dims) {
    IrType t = {IR_DTYPE_F32, rank, {{0, -1}}};
    size_t count = 1;
    for (int k = 0; k < rank; k++) {
        t.dims[k] = ir_dim_const(dims[k]);
        count *= (size_t)dims[k];
    }
    int old = g->nodes[ni].inputs[slot];
    const char *name = ir_value_unique_name(g, g->values[old].name);
    int v = ir_const_add(g, name, &t, data, count * sizeof(float), true);
    g->nodes[ni].inputs[slot] = v;
    return v;
}

/* The Linear that alone reads node a's output through 0-preserving single-reader ops, or -1. */
static int prune_next_linear(const IrGraph *g, int a, const int *uses) {
    int v = g->nodes[a].outputs[0];
    for (int hops = 0; hops < 8; hops++) {
        if (uses[v] != 1 || pu_is_graph_output(g, v)) return -1;
        int reader = -1;
        for (int ni = 0; ni < g->n_nodes && reader < 0; ni++)
            for (int i = 0; i < g->nodes[ni].n_inputs; i++)
                if (g->nodes[ni].inputs[i] == v) reader = ni;
        if (reader < 0) return -1;
        const IrNode *r = &g->nodes[reader];
        if (ir_op_has(r->op, IR_OPF_CHANNEL_PRUNE_SAFE)) {
            v = r->outputs[0];
            continue;
        }
        if (r->op != IR_OP_LINEAR) return -1;
        return r->inputs[0] == v && ir_attr_int(r, "transpose_w") == 1 && prune_weight(g, r) >= 0
                   ? reader
                   : -1;
    }
    return -1;
}

/* Structured pruning of the pair (a, b); returns the channels removed. */
static int prune_pair(IrGraph *g, int a, int b, double ratio) {
    const IrNode *na = &g->nodes[a];
    int wa = na->inputs[1], ba = na->n_inputs > 2 ? na->inputs[2] : -1;
    if (ba >= 0 && (!pu_is_const(g, ba) || g->values[ba].type.dtype != IR_DTYPE_F32)) return 0;
    int64_t n = g->values[wa].type.dims[0].size, k = g->values[wa].type.dims[1].size;
    int wb = g->nodes[b].inputs[1];
    int64_t m = g->values[wb].type.dims[0].size;
    if (g->values[wb].type.dims[1].size != n || n < 2) return 0;
    const float *pa = g->values[wa].data, *pb = g->values[wb].data;
    const float *pbias = ba >= 0 ? g->values[ba].data : NULL;
    double *norm = malloc(sizeof *norm * (size_t)n), *sorted = malloc(sizeof *sorted * (size_t)n);
    bool *drop = calloc((size_t)n, sizeof *drop);
    KILN_ASSERT(norm && sorted && drop);
    for (int64_t c = 0; c < n; c++) {
        double s = pbias ? fabs(pbias[c]) : 0;
        for (int64_t j = 0; j < k; j++) s += fabs(pa[c * k + j]);
        norm[c] = sorted[c] = s;
    }
    qsort(sorted, (size_t)n, sizeof *sorted, prune_cmp_double);
    int64_t quota = (int64_t)(ratio * (double)n);
    if (quota >= n) quota = n - 1;
    int64_t removed = 0;
    for (int64_t c = 0; c < n; c++) {
        bool small = quota > 0 && norm[c] <= sorted[quota - 1];
        if ((norm[c] == 0.0 || small) && removed < (quota > 0 ? quota : n - 1)) {
            drop[c] = true;
            removed++;
        }
    }
    if (removed > 0) {
        int64_t keep = n - removed;
        float *na_w = malloc(sizeof *na_w * (size_t)(keep * k));
        float *na_b = malloc(sizeof *na_b * (size_t)keep);
        float *nb_w = malloc(sizeof *nb_w * (size_t)(m * keep));
        KILN_ASSERT(na_w && na_b && nb_w);
        int64_t at = 0;
        for (int64_t c = 0; c < n; c++) {
            if (drop[c]) continue;
            memcpy(na_w + at * k, pa + c * k, sizeof *na_w * (size_t)k);
            if (pbias) na_b[at] = pbias[c];
            for (int64_t r = 0; r < m; r++) nb_w[r * keep + at] = pb[r * n + c];
            at++;
        }
        prune_new_const(g, a, 1, na_w, 2, (int64_t[]){keep, k});
        if (pbias) prune_new_const(g, a, 2, na_b, 1, (int64_t[]){keep});
        prune_new_const(g, b, 1, nb_w, 2, (int64_t[]){m, keep});
        free(na_w);
        free(na_b);
        free(nb_w);
    }
    free(norm);
    free(sorted);
    free(drop);
    return (int)removed;
}

/* Zeroes the `ratio` fraction of smallest-|w| elements of the weight of node ni. */
static int64_t prune_magnitude(IrGraph *g, int ni, double ratio) {
    int w = prune_weight(g, &g->nodes[ni]);
    size_t count = g->values[w].nbytes / sizeof(float);
    const float *src = g->values[w].data;
    double *mag = malloc(sizeof *mag * (count ? count : 1));
    float *dst = malloc(sizeof *dst * (count ? count : 1));
    KILN_ASSERT(mag && dst);
    for (size_t i = 0; i < count; i++) mag[i] = fabs(src[i]);
    qsort(mag, count, sizeof *mag, prune_cmp_double);
    size_t quota = (size_t)(ratio * (double)count);
    int64_t zeroed = 0;
    for (size_t i = 0; i < count; i++) {
        bool cut = quota > 0 && fabs(src[i]) <= mag[quota - 1] && (size_t)zeroed < quota;
        dst[i] = cut ? 0.0f : src[i];
        zeroed += cut;
    }
    const IrType *t = &g->values[w].type;
    prune_new_const(g, ni, 1, dst, 2, (int64_t[]){t->dims[0].size, t->dims[1].size});
    free(mag);
    free(dst);
    return zeroed;
}

bool pass_prune(IrGraph *g, const PassOptions *opt, Diag *d) {
    double ratio = opt->prune_ratio;
    if (!(ratio >= 0.0 && ratio < 1.0)) {
        diag_error(d, "--prune: the ratio must be in [0, 1), got %g", ratio);
        return false;
    }
    PruneRef ref;
    bool report = opt->report_to != NULL;
    if (report) prune_ref_init(g, &ref, d);
    bool ok = true;
    for (int ni = 0; ni < g->n_nodes && ok; ni++) {
        if (prune_weight(g, &g->nodes[ni]) < 0) continue;
        const char *name = g->values[g->nodes[ni].inputs[1]].name;
        int64_t count = 0;
        if (!opt->prune_structured && ratio > 0) {
            count = prune_magnitude(g, ni, ratio);
        } else if (g->nodes[ni].op == IR_OP_LINEAR && ir_attr_int(&g->nodes[ni], "transpose_w")) {
            int *uses = pu_use_counts(g);
            int b = prune_next_linear(g, ni, uses);
            free(uses);
            if (b >= 0) count = prune_pair(g, ni, b, opt->prune_structured ? ratio : 0.0);
            if (count > 0) ok = ir_infer_shapes(g, d);
        }
        if (count == 0 || !ok) continue;
        if (opt->stats) opt->stats->pruned_values += count;
        if (report) {
            double change = prune_ref_change(g, &ref);
            fprintf(opt->report_to, "prune: %s: %lld %s removed, output change %.6g\n", name,
                    (long long)count, !opt->prune_structured && ratio > 0 ? "weights" : "channels",
                    change);
        }
    }
    if (report) prune_ref_free(g, &ref);
    return ok;
}
