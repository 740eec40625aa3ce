/* Graph-editing helpers shared by the passes. */
#include "pass_util.h"

#include <stdlib.h>
#include <string.h>

int *pu_use_counts(const IrGraph *g) {
    int *count = calloc((size_t)(g->n_values ? g->n_values : 1), sizeof *count);
    KILN_ASSERT(count != NULL);
    for (int ni = 0; ni < g->n_nodes; ni++) {
        const IrNode *n = &g->nodes[ni];
        for (int i = 0; i < n->n_inputs; i++)
            if (n->inputs[i] >= 0) count[n->inputs[i]]++;
    }
    for (int i = 0; i < g->n_outputs; i++) count[g->outputs[i]]++;
    return count;
}

bool pu_is_graph_output(const IrGraph *g, int v) {
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v) return true;
    return false;
}

void pu_replace_uses(IrGraph *g, int from, int to) {
    for (int ni = 0; ni < g->n_nodes; ni++) {
        IrNode *n = &g->nodes[ni];
        for (int i = 0; i < n->n_inputs; i++)
            if (n->inputs[i] == from) n->inputs[i] = to;
    }
}

void pu_remove_nodes(IrGraph *g, const bool *dead) {
    int kept = 0;
    for (int ni = 0; ni < g->n_nodes; ni++) {
        IrNode *n = &g->nodes[ni];
        if (dead[ni]) {
            for (int i = 0; i < n->n_outputs; i++) g->values[n->outputs[i]].producer = -1;
            continue;
        }
        g->nodes[kept] = *n;
        for (int i = 0; i < n->n_outputs; i++) g->values[n->outputs[i]].producer = kept;
        kept++;
    }
    g->n_nodes = kept;
}

void pu_toposort(IrGraph *g) {
    int nn = g->n_nodes;
    if (nn < 2) return;
    bool *placed = calloc((size_t)nn, sizeof *placed);
    bool *ready = calloc((size_t)(g->n_values ? g->n_values : 1), sizeof *ready);
    IrNode *order = malloc(sizeof *order * (size_t)nn);
    KILN_ASSERT(placed && ready && order);
    for (int v = 0; v < g->n_values; v++) ready[v] = g->values[v].producer < 0;
    int count = 0;
    while (count < nn) {
        /* The first node (in the current order) whose inputs are all ready goes next. */
        int pick = -1;
        for (int ni = 0; ni < nn && pick < 0; ni++) {
            if (placed[ni]) continue;
            const IrNode *n = &g->nodes[ni];
            bool ok = true;
            for (int i = 0; i < n->n_inputs && ok; i++)
                if (n->inputs[i] >= 0 && !ready[n->inputs[i]]) ok = false;
            if (ok) pick = ni;
        }
        KILN_ASSERT(pick >= 0); /* a cycle: a pass broke the graph */
        placed[pick] = true;
        order[count++] = g->nodes[pick];
        for (int i = 0; i < g->nodes[pick].n_outputs; i++) ready[g->nodes[pick].outputs[i]] = true;
    }
    for (int ni = 0; ni < nn; ni++) {
        g->nodes[ni] = order[ni];
        for (int i = 0; i < order[ni].n_outputs; i++) g->values[order[ni].outputs[i]].producer = ni;
    }
    free(placed);
    free(ready);
    free(order);
}

int pu_node_add(IrGraph *g, IrOp op, const char *base, const int *inputs, int n_inputs,
                const int *outputs, int n_outputs, int like) {
    char name[512];
    snprintf(name, sizeof name, "%s", base);
    for (int k = 1; ir_node_find(g, name) >= 0; k++) snprintf(name, sizeof name, "%s.%d", base, k);
    IrLoc loc = {NULL, NULL};
    if (like >= 0) loc = g->nodes[like].loc;
    int idx = ir_node_add(g, op, name, inputs, n_inputs, outputs, n_outputs);
    g->nodes[idx].loc = loc;
    if (!loc.file) g->nodes[idx].loc.file = g->source_path;
    if (!loc.name) g->nodes[idx].loc.name = g->nodes[idx].name;
    return idx;
}

bool pu_is_const(const IrGraph *g, int v) {
    return v >= 0 && g->values[v].data && g->values[v].producer < 0;
}

bool pu_const_all(const IrGraph *g, int v, double x) {
    if (!pu_is_const(g, v) || ir_wformat_is_packed(g->values[v].wformat)) return false;
    const IrValue *val = &g->values[v];
    if (val->type.dtype == IR_DTYPE_F32) {
        const float *p = val->data;
        for (size_t i = 0; i < val->nbytes / 4; i++)
            if (p[i] != (float)x) return false;
        return true;
    }
    if (val->type.dtype == IR_DTYPE_F64) {
        const double *p = val->data;
        for (size_t i = 0; i < val->nbytes / 8; i++)
            if (p[i] != x) return false;
        return true;
    }
    return false;
}

void pu_copy_attrs(IrGraph *g, int dst, const IrNode *src) {
    for (int i = 0; i < src->n_attrs; i++) {
        const IrAttr *a = &src->attrs[i];
        switch (a->kind) {
        case IR_ATTR_INT:
            ir_attr_set_int(g, dst, a->name, a->i);
            break;
        case IR_ATTR_FLOAT:
            ir_attr_set_float(g, dst, a->name, a->f);
            break;
        case IR_ATTR_INTS:
            ir_attr_set_ints(g, dst, a->name, a->ints, a->count);
            break;
        case IR_ATTR_FLOATS:
            ir_attr_set_floats(g, dst, a->name, a->floats, a->count);
            break;
        case IR_ATTR_STRING:
            ir_attr_set_string(g, dst, a->name, a->s);
            break;
        }
    }
}
