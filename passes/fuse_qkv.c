/* pass fuse-qkv: projections of one input become one projection and a Split.
 *
 * A projection is Linear(x, w, [bias]) with a constant 2-D weight (w[N, K] when transpose_w=1,
 * w[K, N] when 0), or MatMul(x, w[K, N]) with a constant weight. Projections of the same x with
 * the same op, transpose_w, dtype and weight format form a group; the group's weights are
 * concatenated along N (rows of a packed weight, ir/wformat.h, are independent, so a packed
 * [N, K] weight concatenates as bytes)
 * (biases too, zeros standing in for a missing one) and the fused output [..., sum N] is Split
 * along its last axis into the original output values, so readers are untouched. One projection
 * alone (GPT-2's c_attn, already fused) is left as it is.
 *
 * A decoder's prefill and decode paths read the same q/k/v (and gate/up) weights from different
 * x: a group whose ordered (weight, bias) tuple and layout match an earlier group's reuses that
 * group's concatenated constants instead of making a second copy; the originals, then read by
 * nobody, lose their data in the next dce. */
#include "pass_util.h"

#include <stdlib.h>
#include <string.h>

#define QKV_MAX 8

typedef struct QkvProj {
    int node;
    int64_t n;      /* output features */
    int w, bias;    /* value ids (bias -1 when absent) */
    bool transpose; /* weight stored [N, K] */
} QkvProj;

static bool qkv_projection(const IrGraph *g, int ni, QkvProj *p) {
    const IrNode *n = &g->nodes[ni];
    if (n->op != IR_OP_LINEAR && n->op != IR_OP_MATMUL) return false;
    int w = n->inputs[1];
    const IrType *wt = &g->values[w].type;
    const IrType *xt = &g->values[n->inputs[0]].type;
    if (!pu_is_const(g, w) || wt->rank != 2 || !ir_type_is_static(wt) || xt->rank < 1) return false;
    if (wt->dtype != IR_DTYPE_F32 && wt->dtype != IR_DTYPE_F64) return false;
    p->node = ni;
    p->w = w;
    p->bias = n->op == IR_OP_LINEAR && n->n_inputs > 2 ? n->inputs[2] : -1;
    if (p->bias >= 0 && !pu_is_const(g, p->bias)) return false;
    p->transpose = n->op == IR_OP_LINEAR && ir_attr_int(n, "transpose_w") == 1;
    if (ir_wformat_is_packed(g->values[w].wformat) && !p->transpose) return false;
    if (n->op == IR_OP_MATMUL && xt->rank < 2) return false;
    p->n = p->transpose ? wt->dims[0].size : wt->dims[1].size;
    return true;
}

/* True when a's and b's outputs meet as Silu(a) * b or a * Silu(b) (a SwiGLU MLP). */
static bool qkv_is_swiglu(const IrGraph *g, int ya, int yb) {
    for (int ni = 0; ni < g->n_nodes; ni++) {
        const IrNode *m = &g->nodes[ni];
        if (m->op != IR_OP_MUL) continue;
        for (int s = 0; s < 2; s++) {
            int act = m->inputs[s], other = m->inputs[1 - s];
            int p = g->values[act].producer;
            if (p < 0 || g->nodes[p].op != IR_OP_SILU) continue;
            int src = g->nodes[p].inputs[0];
            if ((src == ya && other == yb) || (src == yb && other == ya)) return true;
        }
    }
    return false;
}

/* The concatenated constants made for one group, kept so that a later group with the same
 * (weight, bias) tuple in the same order and layout reuses them. */
typedef struct QkvFused {
    int count;
    int w[QKV_MAX], bias[QKV_MAX]; /* the group's original value ids (bias -1 when absent) */
    bool transpose;
    int wv, bv; /* the concatenated weight and bias (bv -1 when no member has a bias) */
} QkvFused;

/* The entry of made[0..n_made-1] whose tuple equals group's, or NULL. */
static const QkvFused *qkv_find_fused(const QkvFused *made, int n_made, const QkvProj *group,
                                      int count) {
    for (int f = 0; f < n_made; f++) {
        const QkvFused *m = &made[f];
        bool same = m->count == count && m->transpose == group[0].transpose;
        for (int i = 0; same && i < count; i++)
            same = m->w[i] == group[i].w && m->bias[i] == group[i].bias;
        if (same) return m;
    }
    return NULL;
}

/* Makes the concatenated weight (and bias, when any member has one) of group[0..count-1]. */
static void qkv_concat(IrGraph *g, const QkvProj *group, int count, QkvFused *out) {
    const IrType *wt0 = &g->values[group[0].w].type;
    IrDtype dt = wt0->dtype;
    size_t es = ir_dtype_size(dt);
    int64_t k = group[0].transpose ? wt0->dims[1].size : wt0->dims[0].size;
    int64_t total = 0;
    bool any_bias = false;
    out->count = count;
    out->transpose = group[0].transpose;
    for (int i = 0; i < count; i++) {
        total += group[i].n;
        any_bias |= group[i].bias >= 0;
        out->w[i] = group[i].w;
        out->bias[i] = group[i].bias;
    }
    /* Weights: [total, K] (transposed) is the rows one after another; [K, total] interleaves
     * each row's columns. */
    IrWFormat wf = g->values[group[0].w].wformat;
    size_t wbytes = 0;
    for (int i = 0; i < count; i++) wbytes += g->values[group[i].w].nbytes;
    unsigned char *w = ir_alloc(g, wbytes ? wbytes : 1);
    int64_t col = 0;
    size_t at = 0;
    for (int i = 0; i < count; i++) {
        const unsigned char *src = g->values[group[i].w].data;
        size_t n = (size_t)group[i].n;
        if (group[i].transpose) {
            memcpy(w + at, src, g->values[group[i].w].nbytes);
            at += g->values[group[i].w].nbytes;
        } else {
            for (int64_t r = 0; r < k; r++)
                memcpy(w + ((size_t)(r * total + col)) * es, src + (size_t)r * n * es, n * es);
        }
        col += group[i].n;
    }
    IrType wtype = {dt, 2, {ir_dim_const(0), ir_dim_const(0)}};
    wtype.dims[0] = ir_dim_const(group[0].transpose ? total : k);
    wtype.dims[1] = ir_dim_const(group[0].transpose ? k : total);
    char base[512];
    snprintf(base, sizeof base, "%s.fused_weight", g->values[group[0].w].name);
    const char *wname = ir_value_unique_name(g, base);
    out->wv = ir_wformat_is_packed(wf) ? ir_const_add_packed(g, wname, &wtype, wf, w, wbytes, false)
                                       : ir_const_add(g, wname, &wtype, w, wbytes, false);
    out->bv = -1;
    if (any_bias) {
        unsigned char *b = ir_alloc(g, (size_t)total * es); /* zeroed */
        col = 0;
        for (int i = 0; i < count; i++) {
            if (group[i].bias >= 0)
                memcpy(b + (size_t)col * es, g->values[group[i].bias].data,
                       (size_t)group[i].n * es);
            col += group[i].n;
        }
        IrType btype = {dt, 1, {ir_dim_const(total)}};
        snprintf(base, sizeof base, "%s.fused_bias", g->values[group[0].w].name);
        out->bv =
            ir_const_add(g, ir_value_unique_name(g, base), &btype, b, (size_t)total * es, false);
    }
}

/* Builds the fused projection of group[0..count-1] on the concatenated constants of fused and
 * marks the originals dead. */
static void qkv_fuse(IrGraph *g, const QkvProj *group, int count, const QkvFused *fused, bool *dead,
                     const PassOptions *opt) {
    const IrNode *first = &g->nodes[group[0].node];
    IrOp op = first->op;
    int x = first->inputs[0];
    int64_t total = 0;
    for (int i = 0; i < count; i++) total += group[i].n;
    int wv = fused->wv, bv = fused->bv;
    char base[512];
    IrType ytype = g->values[first->outputs[0]].type;
    ytype.dims[ytype.rank - 1] = ir_dim_const(total);
    snprintf(base, sizeof base, "%s.fused", g->values[first->outputs[0]].name);
    int y = ir_value_add(g, ir_value_unique_name(g, base), &ytype);

    int outs[QKV_MAX];
    int64_t sizes[QKV_MAX];
    char names[400] = "";
    for (int i = 0; i < count; i++) {
        const IrNode *n = &g->nodes[group[i].node];
        outs[i] = n->outputs[0];
        sizes[i] = group[i].n;
        dead[group[i].node] = true;
        strncat(names, i ? "+" : "", sizeof names - strlen(names) - 1);
        strncat(names, n->name, sizeof names - strlen(names) - 1);
    }
    bool swiglu = count == 2 && qkv_is_swiglu(g, outs[0], outs[1]);
    int like = group[0].node;
    int ins[3] = {x, wv, bv};
    int proj =
        pu_node_add(g, op, names, ins, op == IR_OP_LINEAR ? (bv >= 0 ? 3 : 2) : 2, &y, 1, like);
    if (op == IR_OP_LINEAR) ir_attr_set_int(g, proj, "transpose_w", group[0].transpose ? 1 : 0);
    snprintf(base, sizeof base, "%s.split", names);
    int split = pu_node_add(g, IR_OP_SPLIT, base, &y, 1, outs, count, like);
    ir_attr_set_int(g, split, "axis", ytype.rank - 1);
    ir_attr_set_ints(g, split, "split", sizes, count);
    if (opt->stats) {
        if (swiglu)
            opt->stats->fused_gate_up++;
        else
            opt->stats->fused_qkv++;
    }
}

bool pass_fuse_qkv(IrGraph *g, const PassOptions *opt, Diag *d) {
    (void)d;
    int nn = g->n_nodes;
    bool *dead = calloc((size_t)(nn ? nn : 1), sizeof *dead);
    bool *seen = calloc((size_t)(nn ? nn : 1), sizeof *seen);
    KILN_ASSERT(dead && seen);
    QkvFused *made = calloc((size_t)(nn ? nn : 1), sizeof *made); /* at most one per node */
    KILN_ASSERT(made != NULL);
    int n_made = 0;
    bool changed = false;
    for (int ni = 0; ni < nn; ni++) {
        QkvProj group[QKV_MAX];
        if (seen[ni] || !qkv_projection(g, ni, &group[0])) continue;
        int count = 1;
        const IrNode *a = &g->nodes[ni];
        IrDtype dt = g->values[group[0].w].type.dtype;
        const IrType *wa = &g->values[group[0].w].type;
        int64_t ka = group[0].transpose ? wa->dims[1].size : wa->dims[0].size;
        for (int nj = ni + 1; nj < nn && count < QKV_MAX; nj++) {
            QkvProj p;
            if (seen[nj] || !qkv_projection(g, nj, &p)) continue;
            const IrNode *b = &g->nodes[nj];
            const IrType *wb = &g->values[p.w].type;
            int64_t kb = p.transpose ? wb->dims[1].size : wb->dims[0].size;
            if (b->op != a->op || b->inputs[0] != a->inputs[0] ||
                p.transpose != group[0].transpose || wb->dtype != dt || kb != ka ||
                g->values[p.w].wformat != g->values[group[0].w].wformat)
                continue;
            seen[nj] = true;
            group[count++] = p;
        }
        if (count < 2) continue;
        const QkvFused *fused = qkv_find_fused(made, n_made, group, count);
        if (!fused) {
            qkv_concat(g, group, count, &made[n_made]);
            fused = &made[n_made++];
        }
        qkv_fuse(g, group, count, fused, dead, opt);
        changed = true;
    }
    if (changed) {
        /* dead[] covers the original nodes only; the new ones were appended after them. */
        bool *all = calloc((size_t)g->n_nodes, sizeof *all);
        KILN_ASSERT(all != NULL);
        memcpy(all, dead, sizeof *dead * (size_t)nn);
        /* Outputs of removed originals are rewritten by the new Split: keep its producer. */
        for (int ni = 0; ni < nn; ni++)
            if (dead[ni]) g->nodes[ni].n_outputs = 0;
        pu_remove_nodes(g, all);
        pu_toposort(g);
        free(all);
    }
    free(made);
    free(dead);
    free(seen);
    return true;
}
