/* pass reshape-linear: drops the flatten/unflatten Reshapes exporters put around a projection.
 *
 * ONNX Gemm only takes rank-2 operands, so a projection of x[..., K] is exported as
 *     x2 = Reshape(x -> [M, K]);  y2 = Gemm(x2, w) (imported as Linear);  y = Reshape(y2 -> [...,
 * N]) with M the product of x's leading dims. Linear and MatMul by a rank-2 b take x[..., K] as it
 * is, so the projection reads x and writes y directly; the Reshapes disappear (x2 stays while
 * something else reads it). Required: static shapes, y2 read only by the second Reshape and no
 * graph output, y = [lead..., N] with prod(lead) = M, and either x = [lead..., K] or x2 read
 * only by the projection: then x is another view of the same rows (attention heads
 * [B, S, H, D]) and the first Reshape is changed to make [lead..., K], so one Reshape goes.
 * This leaves the projection's output where an elementwise epilogue reads it, so fuse-ops can
 * make it a FusedLinear. */
#include <stdlib.h>

#include "pass_util.h"

/* True when node ni is Linear, or a MatMul whose b has rank 2, with a rank-2 input 0. */
static bool rl_projection(const IrGraph *g, int ni) {
    const IrNode *n = &g->nodes[ni];
    if (n->n_outputs != 1 || n->inputs[0] < 0) return false;
    if (g->values[n->inputs[0]].type.rank != 2) return false;
    if (n->op == IR_OP_LINEAR) return true;
    return n->op == IR_OP_MATMUL && n->inputs[1] >= 0 && g->values[n->inputs[1]].type.rank == 2;
}

/* The Reshape node reading v when it is v's only reader (and v is no graph output), else -1. */
static int rl_sole_reshape(const IrGraph *g, int v, const int *uses) {
    if (uses[v] != 1 || pu_is_graph_output(g, v)) return -1;
    for (int ni = g->values[v].producer + 1; ni < g->n_nodes; ni++)
        if (g->nodes[ni].n_inputs >= 1 && g->nodes[ni].inputs[0] == v)
            return g->nodes[ni].op == IR_OP_RESHAPE ? ni : -1;
    return -1;
}

bool pass_reshape_linear(IrGraph *g, const PassOptions *opt, Diag *d) {
    (void)d;
    int nn = g->n_nodes;
    if (nn == 0) return true;
    int *uses = pu_use_counts(g);
    bool *dead = calloc((size_t)nn, sizeof *dead);
    KILN_ASSERT(dead != NULL);
    bool changed = false;
    for (int li = 0; li < nn; li++) {
        if (!rl_projection(g, li)) continue;
        int x2 = g->nodes[li].inputs[0];
        int r1 = g->values[x2].producer;
        if (r1 < 0 || g->nodes[r1].op != IR_OP_RESHAPE) continue;
        int x = g->nodes[r1].inputs[0], y2 = g->nodes[li].outputs[0];
        int r2 = rl_sole_reshape(g, y2, uses);
        if (r2 < 0) continue;
        int y = g->nodes[r2].outputs[0];
        const IrType *xt = &g->values[x].type, *x2t = &g->values[x2].type;
        const IrType *y2t = &g->values[y2].type, *yt = &g->values[y].type;
        if (!ir_type_is_static(xt) || !ir_type_is_static(yt) || !ir_type_is_static(y2t) ||
            !ir_type_is_static(x2t) || yt->rank < 2 || xt->dtype != x2t->dtype ||
            yt->dtype != y2t->dtype || yt->dims[yt->rank - 1].size != y2t->dims[1].size)
            continue;
        int64_t k = x2t->dims[1].size, m = 1;
        for (int i = 0; i < yt->rank - 1; i++) m *= yt->dims[i].size;
        if (m != y2t->dims[0].size) continue;
        bool direct = xt->rank == yt->rank && xt->dims[xt->rank - 1].size == k;
        for (int i = 0; direct && i < xt->rank - 1; i++)
            direct = xt->dims[i].size == yt->dims[i].size;
        if (direct) {
            /* x already is [lead..., K]: read it */
            g->nodes[li].inputs[0] = x;
            uses[x2]--;
            uses[x]++;
        } else if (uses[x2] == 1 && !pu_is_graph_output(g, x2)) {
            /* x is another view of the rows (e.g. heads [B, S, H, D]): the first Reshape makes
             * [lead..., K] instead of [M, K], so only the second one goes */
            int64_t shape[IR_MAX_RANK];
            IrType *nt = &g->values[x2].type;
            nt->rank = yt->rank;
            for (int i = 0; i < yt->rank - 1; i++) {
                nt->dims[i] = yt->dims[i];
                shape[i] = yt->dims[i].size;
            }
            nt->dims[yt->rank - 1] = ir_dim_const(k);
            shape[yt->rank - 1] = k;
            ir_attr_set_ints(g, r1, "shape", shape, yt->rank);
        } else {
            continue;
        }
        /* the projection now writes y (the second Reshape's output) */
        g->nodes[li].outputs[0] = y;
        g->values[y].producer = li;
        g->values[y2].producer = -1;
        g->nodes[r2].n_outputs = 0;
        dead[r2] = true;
        if (opt->stats) opt->stats->removed += 1;
        changed = true;
    }
    if (changed) pu_remove_nodes(g, dead);
    free(uses);
    free(dead);
    return true;
}
