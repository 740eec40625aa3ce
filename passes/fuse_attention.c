/* pass fuse-attention: the decomposed attention block of an exported transformer becomes one
 * Attention node (ops.h).
 *
 * Matched (f32, static shapes, rank 4; q4/k4/v4 are [B, S, H, D], the heads' natural layout):
 *     qt = Transpose(q4, perm [0,2,1,3])          [B, H, Sq, D]
 *     kt = Transpose(k4, perm [0,2,3,1])          [B, H, D, Skv]
 *     vt = Transpose(v4, perm [0,2,1,3])          [B, H, Skv, Dv]
 *     s  = MatMul(qt, kt)                         [B, H, Sq, Skv]
 *     s' = Mul(s, c) | Mul(c, s) | Div(s, c)      optional; c a positive scalar constant
 *     s''= Add(s', mask) | Add(mask, s')          optional; mask a constant causal mask
 *     p  = Softmax(s'', axis = last)
 *     o  = MatMul(p, vt)                          [B, H, Sq, Dv]
 *     y  = Transpose(o, perm [0,2,1,3])           [B, Sq, H, Dv]
 * becomes y = Attention(q4, k4, v4) {scale, causal}. Every intermediate (s .. o) must be read
 * only by the next node of the chain and be no graph output; qt, kt, vt may have other readers
 * (they then stay). A mask is causal when its last two dims are [Sq, Skv], every one of its
 * [Sq, Skv] slices has 0 where key j <= i + (Skv - Sq) (Attention's bottom-right alignment)
 * and -inf or <= -1e9 elsewhere: exp of such a score underflows to exactly 0 in f32, so
 * dropping those keys is what the softmax computed anyway. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pass_util.h"

/* Masked scores at or below this are exactly 0 after the softmax's exp in f32. */
#define FATT_MASKED_MAX (-1e9)

/* The producer of v when it is op `op` and v is read `uses` times at most (0: any). */
static int fatt_producer(const IrGraph *g, int v, IrOp op, const int *uses, bool single) {
    if (v < 0) return -1;
    int p = g->values[v].producer;
    if (p < 0 || g->nodes[p].op != op) return -1;
    if (single && (uses[v] != 1 || pu_is_graph_output(g, v))) return -1;
    return p;
}

/* True when node ni is a Transpose with exactly the permutation p[0..3]. */
static bool fatt_perm_is(const IrGraph *g, int ni, const int64_t *p) {
    const IrAttr *a = ir_attr_find(&g->nodes[ni], "perm");
    if (!a || a->count != 4) return false;
    for (int i = 0; i < 4; i++)
        if (a->ints[i] != p[i]) return false;
    return true;
}

/* True when constant v is a causal additive mask for scores of Sq x Skv (see the file comment). */
static bool fatt_causal_mask(const IrGraph *g, int v, int64_t sq, int64_t skv) {
    if (!pu_is_const(g, v)) return false;
    const IrType *t = &g->values[v].type;
    if (t->dtype != IR_DTYPE_F32 || t->rank < 2 || !ir_type_is_static(t) || t->rank > 4)
        return false;
    if (t->dims[t->rank - 2].size != sq || t->dims[t->rank - 1].size != skv) return false;
    int64_t numel = 1;
    for (int i = 0; i < t->rank; i++) numel *= t->dims[i].size;
    if (numel <= 0 || (size_t)numel * sizeof(float) != g->values[v].nbytes) return false;
    const float *m = g->values[v].data;
    for (int64_t e = 0; e < numel; e++) {
        int64_t j = e % skv, i = (e / skv) % sq;
        bool visible = j <= i + (skv - sq);
        if (visible ? m[e] != 0.0f : !(m[e] <= FATT_MASKED_MAX)) return false;
    }
    return true;
}

/* A positive finite scalar f32 constant. */
static bool fatt_scalar(const IrGraph *g, int v, double *x) {
    if (!pu_is_const(g, v) || g->values[v].type.dtype != IR_DTYPE_F32 ||
        g->values[v].nbytes != sizeof(float))
        return false;
    *x = *(const float *)g->values[v].data;
    return isfinite(*x) && *x > 0;
}

/* One matched block: the nodes it replaces and the Attention it becomes. */
typedef struct FattMatch {
    int nodes[6]; /* s, scale, mask-add, softmax, o, y transpose (-1 for absent optional ones) */
    int q4, k4, v4, y;
    double scale;
    bool causal;
} FattMatch;

/* Matches the block whose Softmax is node si. */
static bool fatt_match(const IrGraph *g, int si, const int *uses, FattMatch *m) {
    static const int64_t p0213[4] = {0, 2, 1, 3}, p0231[4] = {0, 2, 3, 1};
    const IrNode *sm = &g->nodes[si];
    int pv = sm->outputs[0];
    const IrType *st = &g->values[pv].type;
    if (st->dtype != IR_DTYPE_F32 || st->rank != 4 || !ir_type_is_static(st)) return false;
    int64_t axis = ir_attr_int(sm, "axis");
    if (axis != -1 && axis != 3) return false;
    if (uses[pv] != 1 || pu_is_graph_output(g, pv)) return false;
    memset(m->nodes, -1, sizeof m->nodes);
    m->nodes[3] = si;
    m->scale = 1.0;
    m->causal = false;
    int64_t sq = st->dims[2].size, skv = st->dims[3].size;
    /* backwards from the softmax input: mask add, then scale, then q k^T */
    int cur = sm->inputs[0];
    int a = fatt_producer(g, cur, IR_OP_ADD, uses, true);
    if (a >= 0) {
        for (int s = 0; s < 2 && m->nodes[2] < 0; s++)
            if (fatt_causal_mask(g, g->nodes[a].inputs[1 - s], sq, skv)) {
                m->nodes[2] = a;
                m->causal = true;
                cur = g->nodes[a].inputs[s];
            }
        if (m->nodes[2] < 0) return false;
    }
    int c = fatt_producer(g, cur, IR_OP_MUL, uses, true);
    if (c < 0) c = fatt_producer(g, cur, IR_OP_DIV, uses, true);
    if (c >= 0) {
        const IrNode *cn = &g->nodes[c];
        double x;
        if (cn->op == IR_OP_DIV && fatt_scalar(g, cn->inputs[1], &x)) {
            m->scale = 1.0 / x;
            cur = cn->inputs[0];
        } else if (cn->op == IR_OP_MUL && fatt_scalar(g, cn->inputs[1], &x)) {
            m->scale = x;
            cur = cn->inputs[0];
        } else if (cn->op == IR_OP_MUL && fatt_scalar(g, cn->inputs[0], &x)) {
            m->scale = x;
            cur = cn->inputs[1];
        } else {
            return false;
        }
        m->nodes[1] = c;
    }
    int s = fatt_producer(g, cur, IR_OP_MATMUL, uses, true);
    if (s < 0 || !ir_type_equal(&g->values[cur].type, st)) return false;
    m->nodes[0] = s;
    int qt = fatt_producer(g, g->nodes[s].inputs[0], IR_OP_TRANSPOSE, uses, false);
    int kt = fatt_producer(g, g->nodes[s].inputs[1], IR_OP_TRANSPOSE, uses, false);
    if (qt < 0 || kt < 0 || !fatt_perm_is(g, qt, p0213) || !fatt_perm_is(g, kt, p0231))
        return false;
    /* forwards from the softmax output: p v, then the transpose back to [B, S, H, Dv] */
    int o = -1;
    for (int ni = si + 1; ni < g->n_nodes && o < 0; ni++)
        if (g->nodes[ni].op == IR_OP_MATMUL && g->nodes[ni].inputs[0] == pv) o = ni;
    if (o < 0) return false;
    int ov = g->nodes[o].outputs[0];
    if (uses[ov] != 1 || pu_is_graph_output(g, ov)) return false;
    int vt = fatt_producer(g, g->nodes[o].inputs[1], IR_OP_TRANSPOSE, uses, false);
    if (vt < 0 || !fatt_perm_is(g, vt, p0213)) return false;
    int y = -1;
    for (int ni = o + 1; ni < g->n_nodes && y < 0; ni++)
        if (g->nodes[ni].op == IR_OP_TRANSPOSE && g->nodes[ni].inputs[0] == ov &&
            fatt_perm_is(g, ni, p0213))
            y = ni;
    if (y < 0) return false;
    m->nodes[4] = o;
    m->nodes[5] = y;
    m->q4 = g->nodes[qt].inputs[0];
    m->k4 = g->nodes[kt].inputs[0];
    m->v4 = g->nodes[vt].inputs[0];
    m->y = g->nodes[y].outputs[0];
    /* q4, k4 and v4 must be what Attention reads: [B, S, H, D] with matching heads */
    const IrType *q = &g->values[m->q4].type, *k = &g->values[m->k4].type;
    const IrType *v = &g->values[m->v4].type;
    if (q->dtype != IR_DTYPE_F32 || k->dtype != IR_DTYPE_F32 || v->dtype != IR_DTYPE_F32)
        return false;
    return k->dims[2].size == q->dims[2].size && v->dims[2].size == q->dims[2].size &&
           k->dims[1].size == skv && q->dims[1].size == sq;
}

bool pass_fuse_attention(IrGraph *g, const PassOptions *opt, Diag *d) {
    (void)d;
    int nn = g->n_nodes;
    if (nn == 0) return true;
    int *uses = pu_use_counts(g);
    bool *dead = calloc((size_t)nn * 2 + 1, sizeof *dead);
    KILN_ASSERT(dead != NULL);
    bool changed = false;
    for (int si = 0; si < nn; si++) {
        FattMatch m;
        if (g->nodes[si].op != IR_OP_SOFTMAX || dead[si] || !fatt_match(g, si, uses, &m)) continue;
        int like = m.nodes[5];
        char base[1100];
        snprintf(base, sizeof base, "%s.attention", g->nodes[si].name);
        for (int i = 0; i < 6; i++)
            if (m.nodes[i] >= 0) dead[m.nodes[i]] = true;
        g->nodes[like].n_outputs = 0; /* y keeps the new node as its producer */
        int in[3] = {m.q4, m.k4, m.v4};
        int an = pu_node_add(g, IR_OP_ATTENTION, base, in, 3, &m.y, 1, like);
        ir_attr_set_int(g, an, "causal", m.causal ? 1 : 0);
        ir_attr_set_float(g, an, "scale", m.scale);
        if (opt->stats) {
            int members = 0;
            for (int i = 0; i < 6; i++) members += m.nodes[i] >= 0;
            opt->stats->fused_ops += members;
        }
        changed = true;
    }
    if (changed) {
        pu_remove_nodes(g, dead);
        pu_toposort(g);
    }
    free(uses);
    free(dead);
    return true;
}
