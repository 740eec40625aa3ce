/* pass cse: common subexpression elimination. Two nodes with the same op, the same inputs and
 * the same attributes compute the same outputs (every op but the stateful ones is a pure
 * function), so the later one is removed and its readers read the earlier one's outputs.
 * Quadratic in the node count per op, which is fine at model sizes. */
#include "pass_util.h"

#include <stdlib.h>
#include <string.h>

static bool cse_attr_equal(const IrAttr *a, const IrAttr *b) {
    if (strcmp(a->name, b->name) != 0 || a->kind != b->kind) return false;
    switch (a->kind) {
    case IR_ATTR_INT:
        return a->i == b->i;
    case IR_ATTR_FLOAT:
        return memcmp(&a->f, &b->f, sizeof a->f) == 0;
    case IR_ATTR_STRING:
        return strcmp(a->s, b->s) == 0;
    case IR_ATTR_INTS:
        return a->count == b->count &&
               (a->count == 0 || memcmp(a->ints, b->ints, sizeof *a->ints * (size_t)a->count) == 0);
    case IR_ATTR_FLOATS:
        return a->count == b->count &&
               (a->count == 0 ||
                memcmp(a->floats, b->floats, sizeof *a->floats * (size_t)a->count) == 0);
    }
    return false;
}

/* Same op, inputs, output count and attributes (compared by name, in any order), and the op is
 * a pure function (not IR_OPF_STATEFUL: two KV cache steps are two steps). */
static bool cse_same(const IrNode *a, const IrNode *b) {
    if (ir_op_has(a->op, IR_OPF_STATEFUL) || a->op != b->op || a->n_inputs != b->n_inputs ||
        a->n_outputs != b->n_outputs || a->n_attrs != b->n_attrs)
        return false;
    for (int i = 0; i < a->n_inputs; i++)
        if (a->inputs[i] != b->inputs[i]) return false;
    for (int i = 0; i < a->n_attrs; i++) {
        const IrAttr *other = ir_attr_find(b, a->attrs[i].name);
        if (!other || !cse_attr_equal(&a->attrs[i], other)) return false;
    }
    return true;
}

bool pass_cse(IrGraph *g, const PassOptions *opt, Diag *d) {
    (void)d;
    bool *dead = calloc((size_t)(g->n_nodes ? g->n_nodes : 1), sizeof *dead);
    KILN_ASSERT(dead != NULL);
    int removed = 0;
    for (int ni = 0; ni < g->n_nodes; ni++) {
        IrNode *n = &g->nodes[ni];
        bool is_output = false;
        for (int i = 0; i < n->n_outputs; i++) is_output |= pu_is_graph_output(g, n->outputs[i]);
        if (is_output) continue; /* its value name is part of the API */
        for (int prev = 0; prev < ni; prev++) {
            if (dead[prev] || !cse_same(&g->nodes[prev], n)) continue;
            for (int i = 0; i < n->n_outputs; i++)
                pu_replace_uses(g, n->outputs[i], g->nodes[prev].outputs[i]);
            dead[ni] = true;
            removed++;
            break;
        }
    }
    pu_remove_nodes(g, dead);
    if (opt->stats) opt->stats->removed += removed;
    free(dead);
    return true;
}
