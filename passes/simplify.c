/* pass simplify: removes nodes that do nothing and folds algebraic identities.
 *   Reshape to the input's own type, Transpose by the identity permutation, Cast to the same
 *   dtype: readers read the input instead.
 *   Transpose(Transpose(x)): one Transpose of x by the composed permutation (or none at all).
 *   x*1, 1*x, x+0, 0+x, x-0, x/1 with a constant operand that is all ones or zeros and the
 *   result typed exactly like x: readers read x.
 * A node whose output is a graph output is kept (the output's name is part of the API). The
 * nodes bypassed here become dead; dce removes them. */
#include "pass_util.h"

#include <stdlib.h>
#include <string.h>

/* The permutation of a Transpose node on a rank-`rank` input into perm. */
static void simp_perm(const IrNode *n, int rank, int64_t *perm) {
    const IrAttr *a = ir_attr_find(n, "perm");
    for (int i = 0; i < rank; i++) perm[i] = a ? a->ints[i] : rank - 1 - i;
}

/* The value readers of node n may read instead of its output, or -1. */
static int simp_bypass(IrGraph *g, int ni) {
    IrNode *n = &g->nodes[ni];
    const IrType *out = &g->values[n->outputs[0]].type;
    int x = n->inputs[0];
    switch (n->op) {
    case IR_OP_RESHAPE:
    case IR_OP_CAST:
        return ir_type_equal(&g->values[x].type, out) ? x : -1;
    case IR_OP_TRANSPOSE: {
        int rank = out->rank;
        int64_t perm[IR_MAX_RANK];
        simp_perm(n, rank, perm);
        int src = x;
        const IrNode *inner = g->values[x].producer >= 0 ? &g->nodes[g->values[x].producer] : NULL;
        if (inner && inner->op == IR_OP_TRANSPOSE) {
            /* out[i] takes dim perm[i] of the inner output, which is dim p1[perm[i]] of its
             * input */
            int64_t p1[IR_MAX_RANK], comp[IR_MAX_RANK];
            simp_perm(inner, rank, p1);
            for (int i = 0; i < rank; i++) comp[i] = p1[perm[i]];
            memcpy(perm, comp, sizeof comp);
            src = inner->inputs[0];
            n->inputs[0] = src; /* fold the pair into this node */
            ir_attr_set_ints(g, ni, "perm", perm, rank);
        }
        for (int i = 0; i < rank; i++)
            if (perm[i] != i) return -1;
        return src;
    }
    case IR_OP_MUL:
    case IR_OP_ADD:
    case IR_OP_SUB:
    case IR_OP_DIV: {
        double unit = (n->op == IR_OP_MUL || n->op == IR_OP_DIV) ? 1.0 : 0.0;
        int a = n->inputs[0], b = n->inputs[1];
        if (pu_const_all(g, b, unit) && ir_type_equal(&g->values[a].type, out)) return a;
        if (ir_op_has(n->op, IR_OPF_COMMUTATIVE) && pu_const_all(g, a, unit) &&
            ir_type_equal(&g->values[b].type, out))
            return b;
        return -1;
    }
    default:
        return -1;
    }
}

bool pass_simplify(IrGraph *g, const PassOptions *opt, Diag *d) {
    (void)d;
    int removed = 0;
    for (int ni = 0; ni < g->n_nodes; ni++) {
        IrNode *n = &g->nodes[ni];
        if (n->n_outputs != 1 || n->n_inputs < 1 || n->inputs[0] < 0) continue;
        int y = n->outputs[0];
        if (pu_is_graph_output(g, y)) continue;
        int src = simp_bypass(g, ni);
        if (src < 0) continue;
        pu_replace_uses(g, y, src);
        removed++;
    }
    if (opt->stats) opt->stats->removed += removed;
    return pass_dce(g, opt, d);
}
